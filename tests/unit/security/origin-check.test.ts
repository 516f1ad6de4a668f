// Cross-site request refusal: a change is accepted only from a page of this console.
import { describe, expect, it } from 'vitest';

import { checkOrigin, originPolicyFromEnv, type OriginPolicy } from '@/lib/security/origin-check';

const plain: OriginPolicy = { allowedOrigins: [], trustForwardedHost: false };
const headers = (values: Record<string, string>) => new Headers(values);

describe('checkOrigin', () => {
  it('accepts a page of the same origin (the console serves plain HTTP)', () => {
    expect(checkOrigin(headers({ host: 'localhost:3000', origin: 'http://localhost:3000' }), plain)).toEqual({
      ok: true,
    });
    expect(checkOrigin(headers({ host: 'console.example.com', origin: 'http://console.example.com' }), plain)).toEqual({
      ok: true,
    });
    expect(checkOrigin(headers({ host: '[::1]:3000', origin: 'http://[::1]:3000' }), plain)).toEqual({ ok: true });
  });

  // Found by an outside probe: only the host was compared.
  it.each([
    ['another scheme of the same host and port', 'https://localhost:3000'],
    ['userinfo before the same host', 'http://evil@localhost:3000'],
    ['user and password before the same host', 'http://evil:pw@localhost:3000'],
    ['the same origin with a path', 'http://localhost:3000/x'],
    ['the same origin with a trailing slash', 'http://localhost:3000/'],
    ['another scheme altogether', 'ftp://localhost:3000'],
  ])('compares scheme, host and port: refuses %s', (_, origin) => {
    expect(checkOrigin(headers({ host: 'localhost:3000', origin }), plain)).toEqual({ ok: false, origin });
  });

  it('refuses https://host and http://evil@host for a console on http://host (no port)', () => {
    for (const origin of ['https://console.example.com', 'http://evil@console.example.com']) {
      expect(checkOrigin(headers({ host: 'console.example.com', origin }), plain)).toEqual({ ok: false, origin });
    }
  });

  it('refuses a Host header that is not a host', () => {
    expect(checkOrigin(headers({ host: 'evil@localhost:3000', origin: 'http://localhost:3000' }), plain)).toMatchObject(
      { ok: false },
    );
    expect(checkOrigin(headers({ host: 'localhost:3000/x', origin: 'http://localhost:3000' }), plain)).toMatchObject({
      ok: false,
    });
  });

  it.each([
    ['another site', 'https://evil.example.com'],
    ['another port of the same host', 'http://localhost:3001'],
    ['a look-alike suffix', 'http://localhost:3000.evil.com'],
    ['a sub-domain', 'http://a.localhost:3000'],
  ])('refuses %s, naming the origin', (_, origin) => {
    expect(checkOrigin(headers({ host: 'localhost:3000', origin }), plain)).toEqual({ ok: false, origin });
  });

  it('lets a request without Origin pass (not from a browser page, so no forgery)', () => {
    expect(checkOrigin(headers({ host: 'localhost:3000' }), plain)).toEqual({ ok: true });
  });

  it.each(['null', 'not a url', '', 'localhost:3000'])('refuses the malformed Origin %j', (origin) => {
    expect(checkOrigin(headers({ host: 'localhost:3000', origin }), plain)).toEqual({ ok: false, origin });
  });

  it('refuses any Origin when the request has no Host to compare with', () => {
    expect(checkOrigin(headers({ origin: 'http://localhost:3000' }), plain)).toMatchObject({ ok: false });
  });

  it('accepts the extra allowed origins, and only those', () => {
    const policy: OriginPolicy = { allowedOrigins: ['https://console.example.com'], trustForwardedHost: false };
    expect(checkOrigin(headers({ host: '10.0.0.5:3000', origin: 'https://console.example.com' }), policy)).toEqual({
      ok: true,
    });
    expect(checkOrigin(headers({ host: '10.0.0.5:3000', origin: 'http://console.example.com' }), policy)).toMatchObject(
      { ok: false },
    );
    expect(checkOrigin(headers({ host: '10.0.0.5:3000', origin: 'https://other.example.com' }), policy)).toMatchObject({
      ok: false,
    });
    expect(
      checkOrigin(headers({ host: '10.0.0.5:3000', origin: 'https://evil@console.example.com' }), policy),
    ).toMatchObject({ ok: false });
    expect(
      checkOrigin(headers({ host: '10.0.0.5:3000', origin: 'https://console.example.com:8443' }), policy),
    ).toMatchObject({ ok: false });
  });

  it('a https console without a proxy it trusts is allowed through BETTER_AUTH_URL', () => {
    const policy = originPolicyFromEnv({ BETTER_AUTH_URL: 'https://console.example.com' });
    expect(
      checkOrigin(headers({ host: 'console.example.com', origin: 'https://console.example.com' }), policy),
    ).toEqual({ ok: true });
    expect(
      checkOrigin(headers({ host: 'console.example.com', origin: 'http://evil@console.example.com' }), policy),
    ).toMatchObject({ ok: false });
  });

  describe('X-Forwarded-Host', () => {
    const behindProxy = headers({
      host: '10.0.0.5:3000',
      'x-forwarded-host': 'console.example.com',
      'x-forwarded-proto': 'https',
      origin: 'https://console.example.com',
    });

    it('is ignored unless the proxy is trusted, so a client cannot forge its way in', () => {
      expect(checkOrigin(behindProxy, plain)).toEqual({ ok: false, origin: 'https://console.example.com' });
      const forged = headers({
        host: 'localhost:3000',
        'x-forwarded-host': 'evil.example.com',
        origin: 'https://evil.example.com',
      });
      expect(checkOrigin(forged, plain)).toMatchObject({ ok: false });
    });

    it('is the host to compare with when the proxy is trusted (its first value)', () => {
      const trusted: OriginPolicy = { allowedOrigins: [], trustForwardedHost: true };
      expect(checkOrigin(behindProxy, trusted)).toEqual({ ok: true });
      expect(
        checkOrigin(
          headers({
            host: '10.0.0.5:3000',
            'x-forwarded-host': 'console.example.com, proxy.internal',
            'x-forwarded-proto': 'https, http',
            origin: 'https://console.example.com',
          }),
          trusted,
        ),
      ).toEqual({ ok: true });
      expect(
        checkOrigin(
          headers({
            host: '10.0.0.5:3000',
            'x-forwarded-host': 'console.example.com',
            'x-forwarded-proto': 'https',
            origin: 'http://10.0.0.5:3000',
          }),
          trusted,
        ),
      ).toMatchObject({ ok: false });
    });

    it('takes the scheme from X-Forwarded-Proto when the proxy is trusted (http when it sends none)', () => {
      const trusted: OriginPolicy = { allowedOrigins: [], trustForwardedHost: true };
      const proxied = (proto: string | undefined, origin: string) =>
        headers({
          host: '10.0.0.5:3000',
          'x-forwarded-host': 'console.example.com',
          ...(proto ? { 'x-forwarded-proto': proto } : {}),
          origin,
        });
      expect(checkOrigin(proxied('https', 'http://console.example.com'), trusted)).toMatchObject({ ok: false });
      expect(checkOrigin(proxied('https', 'https://evil@console.example.com'), trusted)).toMatchObject({ ok: false });
      expect(checkOrigin(proxied(undefined, 'http://console.example.com'), trusted)).toEqual({ ok: true });
      expect(checkOrigin(proxied(undefined, 'https://console.example.com'), trusted)).toMatchObject({ ok: false });
      expect(checkOrigin(proxied('gopher', 'gopher://console.example.com'), trusted)).toMatchObject({ ok: false });
    });

    it('X-Forwarded-Proto is ignored unless the proxy is trusted', () => {
      expect(
        checkOrigin(
          headers({ host: 'localhost:3000', 'x-forwarded-proto': 'https', origin: 'https://localhost:3000' }),
          plain,
        ),
      ).toMatchObject({ ok: false });
    });

    it('falls back to Host when a trusted proxy did not set it', () => {
      const trusted: OriginPolicy = { allowedOrigins: [], trustForwardedHost: true };
      expect(checkOrigin(headers({ host: 'localhost:3000', origin: 'http://localhost:3000' }), trusted)).toEqual({
        ok: true,
      });
    });
  });
});

describe('originPolicyFromEnv', () => {
  it('allows nothing extra and trusts no proxy by default', () => {
    expect(originPolicyFromEnv({})).toEqual({ allowedOrigins: [], trustForwardedHost: false });
  });

  it('reads CONSOLE_ALLOWED_ORIGINS (trimmed, trailing slashes dropped) and adds the origin of BETTER_AUTH_URL', () => {
    expect(
      originPolicyFromEnv({
        CONSOLE_ALLOWED_ORIGINS: ' https://a.example.com/ , ,https://b.example.com:8443',
        BETTER_AUTH_URL: 'https://console.example.com/base/path',
      }),
    ).toEqual({
      allowedOrigins: ['https://a.example.com', 'https://b.example.com:8443', 'https://console.example.com'],
      trustForwardedHost: false,
    });
  });

  it('lets an origin from CONSOLE_ALLOWED_ORIGINS post even when Host differs', () => {
    const policy = originPolicyFromEnv({ CONSOLE_ALLOWED_ORIGINS: 'https://console.example.com/' });
    expect(checkOrigin(headers({ host: '10.0.0.5:3000', origin: 'https://console.example.com' }), policy)).toEqual({
      ok: true,
    });
  });

  it.each([
    ['10.0.0.5', true],
    ['loopback', true],
    [' ', false],
    ['', false],
  ])('CONSOLE_TRUSTED_PROXIES=%j makes the check read the forwarded host: %s', (value, trusted) => {
    expect(originPolicyFromEnv({ CONSOLE_TRUSTED_PROXIES: value }).trustForwardedHost).toBe(trusted);
  });
});
