import { expect, test } from '@playwright/test';

test("the overview shows the datastore connected, NVSentinel's schema version, and the console's tables up to date", async ({
  page,
}) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.getByTestId('datastore-status')).toHaveText('Connected');
  // The embedded database: the console created NVSentinel's schema (version 3) and its tables beside it.
  await expect(page.getByTestId('datastore-schema')).toHaveText(
    'Schema: NVSentinel schema version 3; change feed in id order',
  );
  await expect(page.getByText(/Console tables: \d+ migrations applied/)).toBeVisible();
});

test('the header says the live stream is up on pages without live panels too (it said "Connecting" for ever there)', async ({
  page,
}) => {
  for (const path of ['/', '/audit', '/providers']) {
    await page.goto(path);
    await expect(page.getByTestId('connection-status'), path).toHaveAttribute('data-status', 'live', {
      timeout: 30_000,
    });
  }
});

const PIPELINE_CONSUMERS = ['fault-quarantine', 'node-drainer', 'fault-remediation'];
/** formatDuration's text for under 30 s ("850 ms", "4.2 s", "17 s"); "unknown" and minutes do not match. */
const UNDER_30_SECONDS = /^(\d+ ms|\d\.\d s|[12]\d s)$/;

test('npm start shows a living cluster: simulated events arrive and the pipeline consumers keep up', async ({
  page,
}) => {
  await expect(async () => {
    await page.goto('/');
    expect(Number((await page.getByTestId('events-last-hour').textContent())?.replace(/,/g, ''))).toBeGreaterThan(0);
  }).toPass({ timeout: 30_000 });
  // Keeping up: each consumer's position is known (exactly "known", not "unknown" or "lost: …"),
  // its backlog is a count, it trails the head by under 30 s, and the console judges it ok. The
  // overview is rendered on the server, so it is reloaded until the simulator's consumers show that.
  await expect(async () => {
    await page.goto('/');
    for (const consumer of PIPELINE_CONSUMERS) {
      const cells = page.getByTestId(`consumer-${consumer}`).getByRole('cell');
      await expect(cells).toHaveCount(4, { timeout: 1_000 });
      await expect(cells.nth(0)).toHaveText(consumer, { timeout: 1_000 });
      await expect(cells.nth(1)).toHaveText(/^\d[\d,]*$/, { timeout: 1_000 });
      await expect(cells.nth(2)).toHaveText(UNDER_30_SECONDS, { timeout: 1_000 });
      await expect(cells.nth(3)).toHaveText('known', { timeout: 1_000 });
    }
    const pipeline = await (await page.request.get('/api/pipeline')).json();
    const statuses = Object.fromEntries(
      PIPELINE_CONSUMERS.map((consumer) => [
        consumer,
        pipeline.lag?.consumers.find((lag: { consumer: string }) => lag.consumer === consumer)?.status,
      ]),
    );
    expect(statuses).toEqual({ 'fault-quarantine': 'ok', 'node-drainer': 'ok', 'fault-remediation': 'ok' });
  }).toPass({ timeout: 60_000 });
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
