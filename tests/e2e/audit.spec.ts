// Issue 19's Audit page: the action filter lists what people did by name ("Change a user’s role"),
// never ids or paths, and a user appears by username wherever the log recorded their id (an attempt
// refused before the user was looked up records the id the request sent).
import { expect, test } from '@playwright/test';

import { baseURL } from '../../playwright.config';

import { E2E_ADMIN, E2E_OPERATOR } from './support/accounts';
import { cookieOf, send } from './support/direct-http';

test('the action filter names actions, and a user recorded by id is shown by username', async ({ page }) => {
  const admin = await cookieOf(E2E_ADMIN.username);
  const operator = await cookieOf(E2E_OPERATOR.username);
  // A user of this test, and an operator's refused attempt to change their role: recorded as user/<id>.
  const username = `audit-${Date.now().toString(36)}`;
  const created = await send('POST', '/api/users', {
    cookie: admin,
    origin: baseURL,
    body: JSON.stringify({ username, password: 'a-long-enough-passphrase-7', role: 'viewer' }),
  });
  expect(created.status, created.body).toBe(200);
  const { users } = JSON.parse((await send('GET', '/api/users', { cookie: admin })).body) as {
    users: { id: string; username: string | null }[];
  };
  const id = users.find((user) => user.username === username)!.id;
  const refused = await send('POST', `/api/users/${id}/role`, {
    cookie: operator,
    origin: baseURL,
    body: JSON.stringify({ role: 'admin' }),
  });
  expect(refused.status).toBe(403);

  await page.goto('/audit');
  const action = page.getByLabel('Action');
  const choices = (await action.locator('option').allTextContents()).filter((label) => label !== 'any');
  expect(choices).toEqual(expect.arrayContaining(['Create a user', 'Change a user’s role']));
  // No id (node.quarantine), no path (/invented): words.
  expect(choices.filter((label) => !/^[A-Z][a-z]+ [^./]+$/.test(label))).toEqual([]);

  // Filtered by that name: the URL carries the action's id, every row is one, shown by its name.
  await action.selectOption({ label: 'Change a user’s role' });
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/action=user\.set-role/, { timeout: 30_000 });
  const entries = page.getByTestId('audit-entry');
  await expect(entries.first()).toBeVisible();
  for (const value of await entries.evaluateAll((rows) => rows.map((row) => row.dataset.action)))
    expect(value).toBe('user.set-role');
  await expect(entries.first().getByTestId('audit-action')).toHaveText('Change a user’s role');

  // The refused attempt was recorded with the id the request sent; the page shows the username, and
  // no id anywhere.
  const row = page.locator(`[data-testid="audit-entry"][data-request-id="${refused.requestId}"]`);
  await expect(row).toHaveAttribute('data-target', id);
  await expect(row.getByTestId('audit-target')).toHaveText(`user/${username}`);
  await expect(row).toHaveAttribute('data-outcome', 'denied');
  await expect(row).not.toContainText(id);
  await page.screenshot({ path: 'test-results/screenshots/audit-by-name.png', fullPage: true });

  // A filter on the username finds both: the refusal recorded by id and the creation by name.
  await page.goto(`/audit?target=${encodeURIComponent(`user/${username}`)}`);
  await expect(entries).toHaveCount(2);
  await expect(entries.getByTestId('audit-target')).toHaveText([`user/${username}`, `user/${username}`]);
  await expect(page.getByTestId('audit-log')).not.toContainText(id);
});
