// Where the console may post a webhook (SSRF): the console posts from inside the cluster, so a
// destination an admin types could reach the cloud metadata service, the console's own database or
// any service behind the firewall. By default only https to public addresses is taken;
// ALERT_WEBHOOK_ALLOWED_HOSTS names host names and networks allowed beside them, and
// ALERT_WEBHOOK_ALLOW_HTTP=true takes plain http. Checked when a destination is saved and again
// at every send on the addresses the name resolves to then (a name can be pointed elsewhere after
// it was saved); the request connects to the address checked and no other (./webhook-send.ts).
// Link-local addresses and the cloud metadata services are refused even inside an allowed network
// or behind an allowed name: only naming the address itself allows one.
import { lookup } from 'node:dns/promises';

import type { Environment } from '@/lib/store';

import {
  formatIpAddress,
  networkContains,
  parseIpAddress,
  parseIpNetwork,
  reachedAddress,
  specialRange,
  type IpAddress,
  type IpNetwork,
} from './ip-address';

export interface WebhookAddressPolicy {
  /** Plain http is taken (ALERT_WEBHOOK_ALLOW_HTTP=true). */
  allowHttp: boolean;
  /** Host names allowed whatever they resolve to (but link-local and metadata addresses): lowercase, no final dot. */
  hosts: string[];
  /** Networks allowed beside the public internet; a full-length one names a single address. */
  networks: IpNetwork[];
}

export const DEFAULT_WEBHOOK_ADDRESS_POLICY: WebhookAddressPolicy = { allowHttp: false, hosts: [], networks: [] };

const HOSTS_SETTING = 'ALERT_WEBHOOK_ALLOWED_HOSTS';
const HTTP_SETTING = 'ALERT_WEBHOOK_ALLOW_HTTP';

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const HOST_NAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);

/** One entry of ALERT_WEBHOOK_ALLOWED_HOSTS: a network, an address, or a host name; errors say what is wrong. */
function parseAllowedEntry(entry: string): { network: IpNetwork } | { host: string } | { error: string } {
  const head = entry.split('/')[0];
  if (parseIpAddress(head) || (entry.includes('/') && /^[\d.:a-f[\]]+$/i.test(head))) {
    const network = parseIpNetwork(entry);
    return 'error' in network ? network : { network };
  }
  const host = entry.toLowerCase().replace(/\.$/, '');
  if (!HOST_NAME.test(host))
    return { error: 'is not a host name or network: write the host alone (hooks.slack.com), an address or a CIDR' };
  // A name whose last label is a number is an IPv4 address in another form (2130706433, 0x7f.1).
  if (/^(?:0x[0-9a-f]*|\d+)$/.test(host.split('.').pop()!))
    return { error: 'is an IP address in a numeric form: write it dotted (127.0.0.1) or as a CIDR (127.0.0.0/8)' };
  return { host };
}

/** ALERT_WEBHOOK_ALLOWED_HOSTS and ALERT_WEBHOOK_ALLOW_HTTP over the default; a bad value throws, naming it. */
export function webhookAddressPolicyFromEnv(env: Environment = process.env): WebhookAddressPolicy {
  const http = env[HTTP_SETTING]?.trim().toLowerCase() ?? '';
  if (http !== '' && http !== 'true' && http !== 'false')
    throw new Error(`${HTTP_SETTING} must be true or false (got "${env[HTTP_SETTING]}")`);
  const policy: WebhookAddressPolicy = { allowHttp: http === 'true', hosts: [], networks: [] };
  for (const entry of (env[HOSTS_SETTING] ?? '').split(',').map((part) => part.trim())) {
    if (!entry) continue;
    const parsed = parseAllowedEntry(entry);
    if ('error' in parsed)
      throw new Error(
        `${HOSTS_SETTING}: "${entry.slice(0, 100)}" ${parsed.error} (a comma-separated list such as hooks.slack.com,10.0.0.0/8)`,
      );
    if ('host' in parsed) policy.hosts.push(parsed.host);
    else policy.networks.push(parsed.network);
  }
  return policy;
}

/** The policy in one line, for the start-up log. */
export function describeWebhookAddressPolicy(policy: WebhookAddressPolicy): string {
  const allowed = [...policy.hosts, ...policy.networks.map((network) => network.text)];
  return `webhook alerts go to ${policy.allowHttp ? 'http and https' : 'https'} on public addresses${
    allowed.length ? ` and ${allowed.join(', ')}` : ' only'
  } (${HOSTS_SETTING}, ${HTTP_SETTING})`;
}

const fullLength = (network: IpNetwork) => network.prefix === (network.family === 4 ? 32 : 128);

/** Why `address` is refused, in words (null: it is allowed). `hostAllowed`: the URL's name is in the allowed hosts. */
export function addressRefusal(address: IpAddress, policy: WebhookAddressPolicy, hostAllowed: boolean): string | null {
  const reached = reachedAddress(address);
  const inNetwork = (network: IpNetwork) => networkContains(network, address) || networkContains(network, reached);
  if (policy.networks.some((network) => fullLength(network) && inNetwork(network))) return null;
  const special = specialRange(address);
  if (!special) return null;
  if (special.metadata)
    return `${special.what}: refused even inside an allowed network or behind an allowed name; only the address itself in ${HOSTS_SETTING} allows it`;
  if (hostAllowed || policy.networks.some(inNetwork)) return null;
  return `${special.what}: webhooks go to public addresses only; add the host or its network to ${HOSTS_SETTING} to allow it`;
}

/** An address the request may connect to: resolved (or written) and checked. */
export interface CheckedTarget {
  address: string;
  family: 4 | 6;
}

export type ResolveHost = (host: string) => Promise<{ address: string; family: number }[]>;

/** How long a name's resolution may take before the check gives up. */
const RESOLVE_TIMEOUT_MS = 5_000;

export const resolveWithSystem: ResolveHost = async (host) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${RESOLVE_TIMEOUT_MS} ms`)), RESOLVE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Whether `url` may be posted to under `policy`: its scheme, then every address its host is or
 * resolves to (one forbidden address refuses the name: any of them could be the one connected to).
 * On success, the address to connect to. The error names the host and the setting to change;
 * `unresolved` when the name could not be resolved (which may pass).
 */
export async function checkWebhookTarget(
  url: string,
  policy: WebhookAddressPolicy,
  resolve: ResolveHost = resolveWithSystem,
): Promise<{ ok: true; target: CheckedTarget } | { ok: false; error: string; unresolved?: boolean }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, error: 'url must start with https://' };
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (parsed.protocol === 'http:' && !policy.allowHttp)
    return {
      ok: false,
      error: `url must use https: plain http to ${host} is refused (${HTTP_SETTING}=true allows it)`,
    };
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    return { ok: false, error: `url must use https (got ${parsed.protocol.replace(/:$/, '').slice(0, 20)})` };
  const literal = parseIpAddress(host);
  let addresses: IpAddress[];
  if (literal) addresses = [literal];
  else if (host === 'localhost' || host.endsWith('.localhost'))
    // Always loopback (RFC 6761), whatever a resolver says.
    addresses = [parseIpAddress('127.0.0.1')!, parseIpAddress('::1')!];
  else {
    try {
      const answers = await resolve(host);
      addresses = answers.map((answer) => parseIpAddress(answer.address)).filter((a): a is IpAddress => a !== null);
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).message;
      return { ok: false, error: `url's host ${host} could not be resolved (${code})`, unresolved: true };
    }
    if (addresses.length === 0) return { ok: false, error: `url's host ${host} resolves to no address` };
  }
  const hostAllowed = !literal && policy.hosts.includes(host);
  for (const address of addresses) {
    const refusal = addressRefusal(address, policy, hostAllowed);
    if (refusal === null) continue;
    const shown = formatIpAddress(address);
    return {
      ok: false,
      error: literal ? `url's host ${shown} is ${refusal}` : `url's host ${host} resolves to ${shown}, ${refusal}`,
    };
  }
  const [first] = addresses;
  return { ok: true, target: { address: formatIpAddress(first), family: first.family } };
}
