// Where a webhook may go: https to public addresses by default; ALERT_WEBHOOK_ALLOWED_HOSTS adds
// names and networks, ALERT_WEBHOOK_ALLOW_HTTP plain http; link-local and metadata addresses only
// when the address itself is named. An address is judged as what it reaches, whichever way it is written.
import { describe, expect, it } from 'vitest';

import { parseIpAddress, parseIpNetwork, specialRange } from '@/lib/alerts/ip-address';
import {
  checkWebhookTarget,
  DEFAULT_WEBHOOK_ADDRESS_POLICY,
  webhookAddressPolicyFromEnv,
  type ResolveHost,
  type WebhookAddressPolicy,
} from '@/lib/alerts/webhook-address-policy';

/** A resolver answering from a table (no DNS in unit tests). */
const resolver =
  (table: Record<string, string[]>): ResolveHost =>
  async (host) => {
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
const dns = resolver({
  'hooks.slack.com': ['34.199.1.2', '2600:1f18::1'],
  'rebound.example.com': ['34.199.1.2', '169.254.169.254'],
  'internal.example.com': ['10.1.2.3'],
  'metadata.example.com': ['169.254.169.254'],
});
const check = (url: string, policy: WebhookAddressPolicy = DEFAULT_WEBHOOK_ADDRESS_POLICY) =>
  checkWebhookTarget(url, policy, dns);
const errorOf = async (url: string, policy?: WebhookAddressPolicy) => {
  const checked = await check(url, policy);
  return checked.ok ? null : checked.error;
};
const policyOf = (hosts: string, http = 'true') =>
  webhookAddressPolicyFromEnv({ ALERT_WEBHOOK_ALLOWED_HOSTS: hosts, ALERT_WEBHOOK_ALLOW_HTTP: http });

describe('the webhook address policy by default', () => {
  it('takes https to a public name, connecting to the address it resolved', async () => {
    expect(await check('https://hooks.slack.com/services/T0/B0/x')).toEqual({
      ok: true,
      target: { address: '34.199.1.2', family: 4 },
    });
    expect(await check('https://[2600:1f18::1]/hook')).toEqual({
      ok: true,
      target: { address: '2600:1f18::1', family: 6 },
    });
  });

  it('refuses plain http, naming the host and the setting', async () => {
    expect(await errorOf('http://hooks.slack.com/x')).toBe(
      'url must use https: plain http to hooks.slack.com is refused (ALERT_WEBHOOK_ALLOW_HTTP=true allows it)',
    );
  });

  it('refuses loopback, private and metadata addresses, saying what each is', async () => {
    expect(await errorOf('https://127.0.0.1:8080/hook')).toBe(
      "url's host 127.0.0.1 is a loopback address (127.0.0.0/8): webhooks go to public addresses only; add the host or its network to ALERT_WEBHOOK_ALLOWED_HOSTS to allow it",
    );
    expect(await errorOf('https://169.254.169.254/latest/meta-data/')).toMatch(
      /^url's host 169\.254\.169\.254 is the cloud metadata service \(169\.254\.169\.254\/32\): refused even inside an allowed network/,
    );
    expect(await errorOf('https://[fd00:ec2::254]/')).toMatch(/is AWS's IPv6 metadata service/);
    expect(await errorOf('https://[::1]/')).toMatch(/^url's host ::1 is a loopback address \(::1\/128\)/);
    expect(await errorOf('https://[fe80::1]/')).toMatch(/is a link-local address \(fe80::\/10\)/);
    expect(await errorOf('https://[fd12:3456::1]/')).toMatch(/is a unique local \(private\) address \(fc00::\/7\)/);
    expect(await errorOf('https://172.31.255.255/')).toMatch(/is a private address \(172\.16\.0\.0\/12\)/);
    expect(await errorOf('https://100.100.100.200/')).toMatch(/Alibaba Cloud's metadata service/);
    expect(await errorOf('https://0.0.0.0/')).toMatch(/unspecified/);
    expect(await errorOf('https://localhost:3000/')).toMatch(
      /^url's host localhost resolves to 127\.0\.0\.1, a loopback/,
    );
  });

  it('judges an address by what it reaches, however it is written', async () => {
    // Decimal, octal, hex and short IPv4 forms: the URL parser writes them dotted before the check.
    expect(await errorOf('https://2852039166/')).toMatch(/^url's host 169\.254\.169\.254 is the cloud metadata/);
    expect(await errorOf('https://0251.0376.0251.0376/')).toMatch(/^url's host 169\.254\.169\.254 is/);
    expect(await errorOf('https://0xa9fea9fe/')).toMatch(/^url's host 169\.254\.169\.254 is/);
    expect(await errorOf('https://127.1/')).toMatch(/^url's host 127\.0\.0\.1 is a loopback/);
    // IPv4 inside IPv6: mapped, NAT64, 6to4.
    expect(await errorOf('https://[::ffff:169.254.169.254]/')).toMatch(
      /^url's host ::ffff:a9fe:a9fe is the cloud metadata service/,
    );
    expect(await errorOf('https://[::ffff:7f00:1]/')).toMatch(/is a loopback address \(127\.0\.0\.0\/8\)/);
    expect(await errorOf('https://[64:ff9b::10.0.0.1]/')).toMatch(/is a private address \(10\.0\.0\.0\/8\)/);
    expect(await errorOf('https://[2002:a9fe:a9fe::1]/')).toMatch(/the cloud metadata service/);
    // A reserved IPv6 address outside global unicast.
    expect(await errorOf('https://[4000::1]/')).toMatch(/not|outside 2000::\/3/);
  });

  it('refuses a name when any address it resolves to is refused, and one that does not resolve', async () => {
    expect(await errorOf('https://rebound.example.com/')).toMatch(
      /^url's host rebound\.example\.com resolves to 169\.254\.169\.254, the cloud metadata service/,
    );
    expect(await errorOf('https://internal.example.com/')).toMatch(
      /^url's host internal\.example\.com resolves to 10\.1\.2\.3, a private address \(10\.0\.0\.0\/8\)/,
    );
    expect(await check('https://nowhere.example.com/')).toEqual({
      ok: false,
      error: "url's host nowhere.example.com could not be resolved (ENOTFOUND)",
      unresolved: true,
    });
  });
});

describe('ALERT_WEBHOOK_ALLOWED_HOSTS and ALERT_WEBHOOK_ALLOW_HTTP', () => {
  it('allow a network (edges included, next address not), a name, and http', async () => {
    const policy = policyOf('hooks.slack.com, 10.0.0.0/8, 127.0.0.1, internal.example.com');
    expect(await check('http://10.0.0.0/', policy)).toMatchObject({ ok: true });
    expect(await check('http://10.255.255.255/', policy)).toMatchObject({ ok: true });
    expect(await errorOf('http://11.0.0.0/', policy)).toBeNull(); // public
    expect(await errorOf('http://172.16.0.1/', policy)).toMatch(/private address \(172\.16\.0\.0\/12\)/);
    expect(await check('http://127.0.0.1:9000/x', policy)).toMatchObject({ ok: true });
    expect(await errorOf('http://127.0.0.2/', policy)).toMatch(/loopback/);
    // An IPv4-mapped form of an allowed address is that address.
    expect(await check('http://[::ffff:127.0.0.1]/', policy)).toMatchObject({ ok: true });
    expect(await check('http://internal.example.com/', policy)).toMatchObject({
      ok: true,
      target: { address: '10.1.2.3' },
    });
  });

  it('allow IPv6 networks by prefix', async () => {
    const policy = policyOf('fd00:1234::/32');
    expect(await check('https://[fd00:1234:ffff::1]/', policy)).toMatchObject({ ok: true });
    expect(await errorOf('https://[fd00:1235::1]/', policy)).toMatch(/unique local/);
  });

  it('never allow link-local or metadata addresses through a network or a name, only by the address itself', async () => {
    expect(await errorOf('https://169.254.169.254/', policyOf('169.254.0.0/16'))).toMatch(/refused even inside/);
    expect(await errorOf('https://169.254.10.1/', policyOf('0.0.0.0/0'))).toMatch(/link-local/);
    expect(await errorOf('https://metadata.example.com/', policyOf('metadata.example.com'))).toMatch(
      /resolves to 169\.254\.169\.254, the cloud metadata service/,
    );
    expect(await errorOf('https://[::ffff:169.254.169.254]/', policyOf('::ffff:0:0/96'))).toMatch(/metadata/);
    expect(await check('https://169.254.169.254/', policyOf('169.254.169.254'))).toMatchObject({ ok: true });
    expect(await check('https://169.254.169.254/', policyOf('169.254.169.254/32'))).toMatchObject({ ok: true });
  });

  it('are refused at start when written wrong, naming the entry and what to write', () => {
    const errorFor = (env: Record<string, string>) => {
      try {
        webhookAddressPolicyFromEnv(env);
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    };
    const list = '(a comma-separated list such as hooks.slack.com,10.0.0.0/8)';
    expect(errorFor({ ALERT_WEBHOOK_ALLOWED_HOSTS: '10.0.0.1/8' })).toBe(
      `ALERT_WEBHOOK_ALLOWED_HOSTS: "10.0.0.1/8" has bits set past its /8: the network is 10.0.0.0/8 ${list}`,
    );
    expect(errorFor({ ALERT_WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/33' })).toBe(
      `ALERT_WEBHOOK_ALLOWED_HOSTS: "10.0.0.0/33" has a prefix over 32, the most an IPv4 network has ${list}`,
    );
    expect(errorFor({ ALERT_WEBHOOK_ALLOWED_HOSTS: 'fd00::/129' })).toMatch(/prefix over 128/);
    expect(errorFor({ ALERT_WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/x' })).toMatch(/prefix that is not a number/);
    expect(errorFor({ ALERT_WEBHOOK_ALLOWED_HOSTS: 'https://hooks.slack.com' })).toMatch(
      /"https:\/\/hooks\.slack\.com" is not a host name or network: write the host alone/,
    );
    expect(errorFor({ ALERT_WEBHOOK_ALLOWED_HOSTS: 'hooks.slack.com:443' })).toMatch(/is not a host name/);
    expect(errorFor({ ALERT_WEBHOOK_ALLOWED_HOSTS: '2130706433' })).toMatch(/numeric form: write it dotted/);
    expect(errorFor({ ALERT_WEBHOOK_ALLOWED_HOSTS: '0x7f.1' })).toMatch(/numeric form/);
    expect(errorFor({ ALERT_WEBHOOK_ALLOW_HTTP: 'yes' })).toBe(
      'ALERT_WEBHOOK_ALLOW_HTTP must be true or false (got "yes")',
    );
    expect(webhookAddressPolicyFromEnv({ ALERT_WEBHOOK_ALLOWED_HOSTS: ' Hooks.Slack.com. ,, ' })).toEqual({
      allowHttp: false,
      hosts: ['hooks.slack.com'],
      networks: [],
    });
    expect(webhookAddressPolicyFromEnv({})).toEqual(DEFAULT_WEBHOOK_ADDRESS_POLICY);
  });
});

describe('IP networks', () => {
  it('hold their first and last address, and an address alone is a one-address network', () => {
    const network = parseIpNetwork('192.168.0.0/16');
    expect(network).toMatchObject({ prefix: 16, text: '192.168.0.0/16' });
    expect(parseIpNetwork('::1')).toMatchObject({ family: 6, prefix: 128, text: '::1/128' });
    expect(parseIpNetwork('[2001:db8::]/32')).toMatchObject({ text: '2001:db8::/32' });
    expect(parseIpNetwork('0.0.0.0/0')).toMatchObject({ prefix: 0 });
    expect(specialRange(parseIpAddress('192.167.255.255')!)).toBeNull();
    expect(specialRange(parseIpAddress('192.168.0.0')!)?.what).toBe('a private address (192.168.0.0/16)');
    expect(specialRange(parseIpAddress('192.168.255.255')!)?.what).toBe('a private address (192.168.0.0/16)');
    expect(specialRange(parseIpAddress('192.169.0.0')!)).toBeNull();
    expect(specialRange(parseIpAddress('8.8.8.8')!)).toBeNull();
    expect(specialRange(parseIpAddress('2606:4700::1111')!)).toBeNull();
  });
});
