// The accounts of the browser tests: the first admin (its password given to `npm start` through
// CONSOLE_ADMIN_PASSWORD), and an operator and a viewer that auth.setup.ts creates through the
// console's own user API. Each has a saved signed-in browser state.
import path from 'node:path';

import type { APIRequestContext } from '@playwright/test';

export const E2E_ADMIN = { username: 'admin', password: 'e2e-admin-password-0001' };
export const E2E_OPERATOR = { username: 'e2e-operator', password: 'e2e-operator-password-1', role: 'operator' };
export const E2E_VIEWER = { username: 'e2e-viewer', password: 'e2e-viewer-password-01', role: 'viewer' };

const authDir = path.join('test-results', '.auth');
export const storageStateOf = (username: string) => path.join(authDir, `${username}.json`);

/** Signs in over HTTP as the browser would (same-origin POST); the context keeps the cookie. */
export async function signIn(
  request: APIRequestContext,
  baseURL: string,
  account: { username: string; password: string },
): Promise<void> {
  const response = await request.post('/api/auth/sign-in/username', {
    data: { username: account.username, password: account.password },
    headers: { origin: baseURL },
  });
  if (!response.ok())
    throw new Error(`sign-in as ${account.username} failed: ${response.status()} ${await response.text()}`);
}
