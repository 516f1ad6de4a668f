// IP addresses and networks as the webhook address policy judges them (./webhook-address-policy.ts):
// parsed to numbers so a range check is exact, an IPv4 address inside IPv6 (::ffff:a.b.c.d, NAT64's
// 64:ff9b::a.b.c.d, 6to4) judged as the IPv4 address it reaches, and every range that is not the
// public internet named (RFC 6890's special-purpose registries), so a refusal can say what it is.
import net from 'node:net';

export interface IpAddress {
  family: 4 | 6;
  /** The address as a number (32 or 128 bits). */
  value: bigint;
}

export interface IpNetwork extends IpAddress {
  prefix: number;
  /** As written (normalised), for messages: "10.0.0.0/8". */
  text: string;
}

const bits = (family: 4 | 6) => (family === 4 ? 32 : 128);

function parseIpv4(text: string): bigint {
  return text.split('.').reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

function parseIpv6(text: string): bigint {
  let body = text;
  // A dotted IPv4 tail (::ffff:1.2.3.4) is two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted) {
    const v4 = parseIpv4(dotted[1]);
    body = `${body.slice(0, -dotted[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = body.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const all =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/**
 * An IP address as written in a URL's host or a DNS answer (IPv6 with or without brackets, a zone
 * such as %eth0 ignored); null when it is not one. Decimal, octal and hex IPv4 forms (2130706433,
 * 0177.0.0.1) are not taken here: the URL parser has already turned them into dotted form.
 */
export function parseIpAddress(text: string): IpAddress | null {
  const bare = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const family = net.isIP(bare);
  if (family === 4) return { family: 4, value: parseIpv4(bare) };
  if (family === 6) return { family: 6, value: parseIpv6(bare.toLowerCase()) };
  return null;
}

export function formatIpAddress(address: IpAddress): string {
  if (address.family === 4)
    return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((address.value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // The longest run of zero groups (two or more) written as "::".
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j += 1;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}

/** "10.0.0.0/8", "fd00::/8", or an address alone (a network of that one address); errors say what is wrong. */
export function parseIpNetwork(text: string): IpNetwork | { error: string } {
  const [addressText, prefixText, ...rest] = text.split('/');
  const address = parseIpAddress(addressText);
  if (!address || rest.length > 0) return { error: 'is not an IP address or network' };
  const max = bits(address.family);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText))
    return { error: `has a prefix that is not a number from 0 to ${max}` };
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return { error: `has a prefix over ${max}, the most an IPv${address.family} network has` };
  const hostBits = BigInt(max - prefix);
  if ((address.value & ((1n << hostBits) - 1n)) !== 0n) {
    const base = { ...address, value: (address.value >> hostBits) << hostBits };
    return { error: `has bits set past its /${prefix}: the network is ${formatIpAddress(base)}/${prefix}` };
  }
  return { ...address, prefix, text: `${formatIpAddress(address)}/${prefix}` };
}

export function networkContains(network: IpNetwork, address: IpAddress): boolean {
  if (network.family !== address.family) return false;
  const hostBits = BigInt(bits(network.family) - network.prefix);
  return address.value >> hostBits === network.value >> hostBits;
}

/**
 * The IPv4 address an IPv6 one reaches, when it carries one: IPv4-mapped (::ffff:0:0/96), NAT64's
 * well-known prefix (64:ff9b::/96), 6to4 (2002::/16); otherwise the address as it is.
 */
export function reachedAddress(address: IpAddress): IpAddress {
  if (address.family === 4) return address;
  const top96 = address.value >> 32n;
  if (top96 === 0xffffn || top96 === 0x64ff9bn << 64n) return { family: 4, value: address.value & 0xffffffffn };
  if (address.value >> 112n === 0x2002n) return { family: 4, value: (address.value >> 80n) & 0xffffffffn };
  return address;
}

/** What a special-purpose range is, in words; `metadata` ranges are refused unless their address is named. */
export interface SpecialRange {
  network: IpNetwork;
  /** "a private address (10.0.0.0/8)". */
  what: string;
  metadata: boolean;
}

const range = (text: string, what: string, metadata = false): SpecialRange => {
  const network = parseIpNetwork(text);
  if ('error' in network) throw new Error(`${text} ${network.error}`);
  return { network, what: `${what} (${network.text})`, metadata };
};

// Most specific first: the first range that holds an address names it.
const SPECIAL_RANGES: SpecialRange[] = [
  range('169.254.169.254/32', 'the cloud metadata service', true),
  range('100.100.100.200/32', "Alibaba Cloud's metadata service", true),
  range('192.0.0.192/32', "Oracle Cloud's metadata service", true),
  range('fd00:ec2::254/128', "AWS's IPv6 metadata service", true),
  range('0.0.0.0/8', 'an unspecified ("this network") address'),
  range('10.0.0.0/8', 'a private address'),
  range('100.64.0.0/10', 'a shared (carrier-grade NAT) address'),
  range('127.0.0.0/8', 'a loopback address'),
  range('169.254.0.0/16', 'a link-local address', true),
  range('172.16.0.0/12', 'a private address'),
  range('192.0.0.0/24', 'an IETF protocol address'),
  range('192.0.2.0/24', 'a documentation address'),
  range('192.168.0.0/16', 'a private address'),
  range('198.18.0.0/15', 'a benchmarking address'),
  range('198.51.100.0/24', 'a documentation address'),
  range('203.0.113.0/24', 'a documentation address'),
  range('224.0.0.0/4', 'a multicast address'),
  range('240.0.0.0/4', 'a reserved address'),
  range('::/128', 'the unspecified address'),
  range('::1/128', 'a loopback address'),
  range('64:ff9b:1::/48', 'a local NAT64 address'),
  range('100::/64', 'a discard address'),
  range('2001:db8::/32', 'a documentation address'),
  range('2001::/23', 'an IETF protocol address'),
  range('fc00::/7', 'a unique local (private) address'),
  range('fe80::/10', 'a link-local address', true),
  range('fec0::/10', 'a site-local (private) address'),
  range('ff00::/8', 'a multicast address'),
];
/** Global unicast IPv6: anything outside it is not the public internet. */
const GLOBAL_UNICAST = range('2000::/3', 'global unicast');

/** The special-purpose range an address (as reached) is in; null for a public address. */
export function specialRange(address: IpAddress): SpecialRange | null {
  const reached = reachedAddress(address);
  const special = SPECIAL_RANGES.find((candidate) => networkContains(candidate.network, reached));
  if (special) return special;
  if (reached.family === 6 && !networkContains(GLOBAL_UNICAST.network, reached))
    return {
      network: GLOBAL_UNICAST.network,
      what: 'a reserved IPv6 address (outside 2000::/3, the global unicast range)',
      metadata: false,
    };
  return null;
}
