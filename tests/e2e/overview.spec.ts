import { expect, test } from '@playwright/test';

test("the overview shows the datastore connected, NVSentinel's schema version, and the console's tables up to date", async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.getByTestId('datastore-status')).toHaveText('Connected');
  // The embedded database: the console created NVSentinel's schema (version 3) and its tables beside it.
  await expect(page.getByTestId('datastore-schema')).toHaveText('Schema: NVSentinel schema version 3; change feed in id order');
  await expect(page.getByText(/Console tables: \d+ migrations applied/)).toBeVisible();
});

test('npm start shows a living cluster: simulated events arrive and the pipeline consumers keep up', async ({ page }) => {
  await expect(async () => {
    await page.goto('/');
    expect(Number((await page.getByTestId('events-last-hour').textContent())?.replace(/,/g, ''))).toBeGreaterThan(0);
  }).toPass({ timeout: 30_000 });
  for (const consumer of ['fault-quarantine', 'node-drainer', 'fault-remediation']) {
    await expect(page.getByTestId(`consumer-${consumer}`)).toBeVisible();
    await expect(page.getByTestId(`consumer-${consumer}`)).toContainText('known');
  }
  await page.screenshot({ path: 'test-results/screenshots/overview.png', fullPage: true });
});

test('/api/health reports liveness, database reachability and migration state as JSON', async ({ request }) => {
  const response = await request.get('/api/health');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('application/json');
  const health = await response.json();
  expect(health).toMatchObject({
    status: 'ok',
    database: { reachable: true },
    migrations: { upToDate: true, pending: [], unknown: [], failed: [] },
  });
  expect(health.migrations.applied.length).toBeGreaterThanOrEqual(2);
});
