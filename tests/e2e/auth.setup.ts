// Runs before the browser tests: signs in the admin, creates the operator and viewer accounts
// through POST /api/users, and saves each one's signed-in state for the specs.
import { expect, request, test as setup } from '@playwright/test';

import { E2E_ADMIN, E2E_OPERATOR, E2E_VIEWER, signIn, storageStateOf } from './support/accounts';

setup('sign in the admin and create the operator and viewer', async ({ baseURL }) => {
  const admin = await request.newContext({ baseURL });
  await signIn(admin, baseURL!, E2E_ADMIN);
  await admin.storageState({ path: storageStateOf(E2E_ADMIN.username) });
  for (const account of [E2E_OPERATOR, E2E_VIEWER]) {
    const created = await admin.post('/api/users', { data: account, headers: { origin: baseURL! } });
    expect([200, 409], await created.text()).toContain(created.status());
    const context = await request.newContext({ baseURL });
    await signIn(context, baseURL!, account);
    await context.storageState({ path: storageStateOf(account.username) });
    await context.dispose();
  }
  await admin.dispose();
});
