// A real OpenID Provider for the browser tests: panva's certified oidc-provider, on 127.0.0.1, with
// one confidential client (the console), a signing key made for this run, accounts whose `groups`
// claim the test may change between sign-ins, and the provider's own login page (devInteractions:
// any password is accepted, the login name picks the account). Consent is skipped, as a company
// IdP does for its own applications.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import Provider, { type Configuration, type JWK } from 'oidc-provider';

export interface TestIdentity {
  email: string;
  name: string;
  /** The `groups` claim; change it between sign-ins to see the console follow. */
  groups: string[];
}

export interface TestProviderOptions {
  port: number;
  clientId: string;
  clientSecret: string;
  /** The console's callback, registered as the client's only redirect URI. */
  redirectUri: string;
  /** Login name → identity. The map is read at every sign-in, so the test may edit it. */
  accounts: Map<string, TestIdentity>;
}

export interface TestProvider {
  issuer: string;
  /** Authorization requests that came without a PKCE challenge (refused, and counted here). */
  requestsWithoutPkce: () => number;
  close: () => Promise<void>;
}

export async function startTestProvider({
  port,
  clientId,
  clientSecret,
  redirectUri,
  accounts,
}: TestProviderOptions): Promise<TestProvider> {
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: 'test-run', use: 'sig', alg: 'RS256' };
  let withoutPkce = 0;

  const configuration: Configuration = {
    // Registered as an operator would: a confidential web client, with the defaults of the spec
    // (token_endpoint_auth_method client_secret_basic).
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [`cookie-key-${port}-${Date.now()}`] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    features: { devInteractions: { enabled: true } },
    pkce: {
      // Every request must carry a challenge, so the test proves the console sends one.
      required: () => {
        withoutPkce += 1;
        return true;
      },
    },
    async findAccount(_ctx, sub) {
      const identity = accounts.get(sub);
      if (!identity) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          email: identity.email,
          email_verified: true,
          name: identity.name,
          groups: [...identity.groups],
        }),
      };
    },
    // First-party client: no consent screen; the grant covers what the console asked for.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(oidc.client!.clientId);
      if (grantId) return oidc.provider.Grant.find(grantId);
      const grant = new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId! });
      grant.addOIDCScope(String(oidc.params!.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);
  const server = http.createServer(provider.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  if ((server.address() as AddressInfo).port !== port) throw new Error('the test provider did not get its port');
  return {
    issuer,
    requestsWithoutPkce: () => withoutPkce,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
