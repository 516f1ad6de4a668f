// Forwarding headers are believed only from configured proxies (issue 15, item 2: a forged
// X-Forwarded-For gave every guessed password a fresh address and went into the audit log).
import { describe, expect, it } from 'vitest';

import { settleForwardedHeaders } from '@/lib/http/forwarded-headers';
import { clientAddress, parseTrustedProxies, trustedProxiesFromEnv } from '@/lib/security/trusted-proxies';

describe('CONSOLE_TRUSTED_PROXIES', () => {
  it('trusts nobody by default', () => {
    const proxies = trustedProxiesFromEnv({});
    expect(proxies.any).toBe(false);
    expect(proxies.has('127.0.0.1')).toBe(false);
    expect(proxies.description).toBe('none');
  });

  it('takes addresses, CIDR ranges of both families and "loopback"', () => {
    const proxies = parseTrustedProxies('10.0.0.5, 10.1.0.0/16,fd00::/8, loopback');
    expect(
      ['10.0.0.5', '10.1.255.7', 'fd00::12', '127.0.0.1', '::1', '::ffff:10.0.0.5'].map((a) => proxies.has(a)),
    ).toEqual([true, true, true, true, true, true]);
    expect(['10.0.0.6', '10.2.0.1', 'fe80::1', '192.168.1.1', 'not-an-ip', ''].map((a) => proxies.has(a))).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it.each(['10.0.0', 'proxy.internal', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/8/1', '10.0.0.0/x'])(
    'refuses %j, naming it',
    (entry) => {
      expect(() => parseTrustedProxies(`10.0.0.5, ${entry}`)).toThrow(
        `"${entry}" is not an IP address or a CIDR range`,
      );
    },
  );

  it('refuses the old CONSOLE_TRUST_PROXY with what replaces it', () => {
    expect(() => trustedProxiesFromEnv({ CONSOLE_TRUST_PROXY: '1' })).toThrow(/replaced by CONSOLE_TRUSTED_PROXIES/);
  });
});

describe('the client address', () => {
  const proxies = parseTrustedProxies('10.0.0.0/24');

  it('is the peer when the peer is not a trusted proxy, whatever X-Forwarded-For says', () => {
    expect(clientAddress('198.51.100.9', '203.0.113.1', proxies)).toBe('198.51.100.9');
    expect(clientAddress('::ffff:198.51.100.9', '203.0.113.1', proxies)).toBe('198.51.100.9');
  });

  it('is the first hop from the right that is not a trusted proxy; what the client wrote further left is ignored', () => {
    expect(clientAddress('10.0.0.2', '6.6.6.6, 203.0.113.1', proxies)).toBe('203.0.113.1');
    expect(clientAddress('10.0.0.2', '6.6.6.6, 203.0.113.1, 10.0.0.3', proxies)).toBe('203.0.113.1');
    expect(clientAddress('10.0.0.2', undefined, proxies)).toBe('10.0.0.2');
  });

  it('reads hops written with a port', () => {
    expect(clientAddress('10.0.0.2', '203.0.113.1:5555, 10.0.0.3:443', proxies)).toBe('203.0.113.1');
    expect(clientAddress('10.0.0.2', '[2001:db8::7]:443', proxies)).toBe('2001:db8::7');
  });

  it('stops at the last trustworthy hop when the chain holds something that is not an address', () => {
    expect(clientAddress('10.0.0.2', '203.0.113.1, garbage', proxies)).toBe('10.0.0.2');
  });
});

describe("settling a request's headers", () => {
  const forged = () => ({
    host: 'console:3000',
    'x-forwarded-for': '6.6.6.6',
    'x-real-ip': '7.7.7.7',
    'x-request-id': 'chosen-by-client',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'https',
    forwarded: 'for=6.6.6.6',
  });

  it('from a client: X-Forwarded-For is the peer, and the forged id, address and host headers are gone', () => {
    const headers: Record<string, string | string[] | undefined> = forged();
    settleForwardedHeaders(headers, '198.51.100.9', parseTrustedProxies(''));
    expect(headers).toEqual({ host: 'console:3000', 'x-forwarded-for': '198.51.100.9' });
  });

  it('from a trusted proxy: the client it names, and its host and scheme headers kept', () => {
    const headers: Record<string, string | string[] | undefined> = forged();
    settleForwardedHeaders(headers, '10.0.0.2', parseTrustedProxies('10.0.0.0/24'));
    expect(headers['x-forwarded-for']).toBe('6.6.6.6');
    expect(headers['x-forwarded-host']).toBe('evil.example');
    expect(headers['x-forwarded-proto']).toBe('https');
    expect(headers['x-request-id']).toBeUndefined();
    expect(headers['x-real-ip']).toBeUndefined();
  });
});
