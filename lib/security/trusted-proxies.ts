// Which peers may tell the console who the client is. A forwarding header (X-Forwarded-For,
// X-Forwarded-Host, X-Forwarded-Proto) is only as true as whoever set it: any client can send one.
// The console believes them only from the addresses in CONSOLE_TRUSTED_PROXIES (off by default);
// from anyone else the client is the TCP peer itself. Otherwise a forged X-Forwarded-For would
// give each guessed password a fresh address and put an invented address into every audit row.
import net from 'node:net';

export interface TrustedProxies {
  /** Whether `address` (a TCP peer) is one of the configured proxies. */
  has(address: string): boolean;
  /** As configured, for the start-up log. */
  readonly description: string;
  readonly any: boolean;
}

/** An IPv4-mapped IPv6 peer (::ffff:10.0.0.1, what a dual-stack socket reports) as plain IPv4. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1] : address;
}

/** A hop as some proxies write it, with a port (203.0.113.7:5555, [2001:db8::1]:443), as the address alone. */
function withoutPort(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return bracketed[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(hop);
  return v4 ? v4[1] : hop;
}

function family(address: string): 'ipv4' | 'ipv6' | null {
  const version = net.isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : null;
}

/**
 * CONSOLE_TRUSTED_PROXIES: a comma-separated list of addresses and CIDR ranges
 * (`10.0.0.5, 10.1.0.0/16, fd00::/8`), or `loopback` for a proxy on the same machine.
 * Anything else is refused with the entry named, so a typo never silently trusts nobody.
 */
export function trustedProxiesFromEnv(env: Record<string, string | undefined> = process.env): TrustedProxies {
  if (env.CONSOLE_TRUST_PROXY !== undefined && env.CONSOLE_TRUST_PROXY !== '') {
    throw new Error(
      "CONSOLE_TRUST_PROXY is replaced by CONSOLE_TRUSTED_PROXIES: list the proxies' addresses or ranges (e.g. CONSOLE_TRUSTED_PROXIES=10.0.0.5,10.1.0.0/16), whose forwarding headers are then believed",
    );
  }
  return parseTrustedProxies(env.CONSOLE_TRUSTED_PROXIES ?? '');
}

export function parseTrustedProxies(text: string): TrustedProxies {
  const list = new net.BlockList();
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    if (entry === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addAddress('::1', 'ipv6');
      continue;
    }
    const [address, bits, ...rest] = entry.split('/');
    const kind = family(address);
    const prefix = bits === undefined ? undefined : Number(bits);
    const maxPrefix = kind === 'ipv4' ? 32 : 128;
    if (!kind || rest.length > 0 || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || prefix! > maxPrefix))) {
      throw new Error(
        `CONSOLE_TRUSTED_PROXIES: "${entry}" is not an IP address or a CIDR range (e.g. 10.0.0.5, 10.1.0.0/16, fd00::/8, or loopback)`,
      );
    }
    if (prefix === undefined) list.addAddress(address, kind);
    else list.addSubnet(address, prefix, kind);
  }
  return {
    any: entries.length > 0,
    description: entries.length > 0 ? entries.join(', ') : 'none',
    has(peer: string) {
      const address = plainAddress(peer);
      const kind = family(address);
      return kind !== null && list.check(address, kind);
    },
  };
}

/**
 * The client behind a request: the peer, unless the peer is a trusted proxy, in which case the
 * X-Forwarded-For chain is read from the right (the hop nearest us) past every trusted proxy; the
 * first address not a proxy is the client. Entries left of it were written by the client and are
 * ignored. A malformed entry where the walk needs one stops it at the last trustworthy hop.
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, proxies: TrustedProxies): string {
  let client = plainAddress(peer);
  if (!proxies.has(client) || !forwardedFor) return client;
  const hops = forwardedFor.split(',').map((hop) => plainAddress(withoutPort(hop.trim())));
  while (hops.length > 0 && proxies.has(client)) {
    const next = hops.pop()!;
    if (!family(next)) break;
    client = next;
  }
  return client;
}
