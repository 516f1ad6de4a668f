// The dashboard on MongoDB, every page and route in Chromium: a console of its own started by the
// real `npm start` with DATASTORE_PROVIDER=mongodb, MONGODB_URI (a fresh database, dropped at the
// end; pre-images off, the default) and the simulator on, so the simulated NVSentinel pipeline
// writes to MongoDB through the store SDK; users, sessions and the audit log in the launcher's
// embedded PostgreSQL (no CONSOLE_DATABASE_URL). Runs only when MONGODB_URI is set.
//
// E2E_DASHBOARD_SPEC_ON_POSTGRES=1 runs the same steps with the datastore on the embedded
// PostgreSQL instead: how this spec itself is checked on a machine without MongoDB. It proves the
// spec, not MongoDB.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect, request as playwrightRequest, test, type APIRequestContext, type Page } from '@playwright/test';
import { MongoClient } from 'mongodb';

import { E2E_ADMIN, signIn } from './support/accounts';
import {
  launchConsole,
  portFree,
  postgresServersUsing,
  stopConsole,
  type ConsoleProcess,
} from './support/console-process';
import { E2E_PG_PORT, E2E_PORT } from './support/test-ports';

const mongoUri = process.env.MONGODB_URI;
const onPostgres = !mongoUri && process.env.E2E_DASHBOARD_SPEC_ON_POSTGRES === '1';
const provider = mongoUri ? 'mongodb' : 'postgresql';
const label = mongoUri ? 'MongoDB' : 'PostgreSQL';
if (!mongoUri && !onPostgres) console.warn('SKIPPED: dashboard on MongoDB (MONGODB_URI not set)');

// Ports of its own, next to the main run's (E2E_PORT, E2E_PG_PORT), so parallel runs on other ports never meet.
const PORT = E2E_PORT + 4;
const PG_PORT = E2E_PG_PORT + 4;
const baseURL = `http://127.0.0.1:${PORT}`;
const screenshots = path.join('test-results', 'screenshots');
const databaseName = `sentinel_console_e2e_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

test.describe.configure({ mode: 'serial', timeout: 120_000 });

test.describe(`the dashboard on ${label}${onPostgres ? ' (spec check, not MongoDB)' : ''}`, () => {
  test.skip(!mongoUri && !onPostgres, 'needs MONGODB_URI (a MongoDB replica set)');

  let dataDir: string;
  let app: ConsoleProcess | undefined;
  let api: APIRequestContext;
  /** 5xx answers the browser got, with their URL. */
  const serverErrors: string[] = [];

  test.beforeAll(async () => {
    test.setTimeout(480_000);
    expect(await portFree(PORT), `port ${PORT} is taken; is another run going on?`).toBe(true);
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'console-dashboard-datastore-'));
    app = launchConsole({
      PORT: String(PORT),
      EMBEDDED_PG_PORT: String(PG_PORT),
      EMBEDDED_DATA_DIR: dataDir,
      ...(mongoUri
        ? { DATASTORE_PROVIDER: 'mongodb', MONGODB_URI: mongoUri, MONGODB_DATABASE_NAME: databaseName }
        : { DATASTORE_PROVIDER: 'postgresql', MONGODB_URI: '' }),
      CONSOLE_DATABASE_URL: '',
      SIMULATOR: 'on',
      SIMULATOR_NODES: '12',
      SIMULATOR_RATE: '10',
      CONSOLE_ADMIN_PASSWORD: E2E_ADMIN.password,
      CONSOLE_SIGN_IN_RATE_LIMIT: '1000',
      // Prometheus on a closed network: /metrics open to anyone who reaches it (closed by default).
      METRICS_OPEN: 'true',
    });
    await expect
      .poll(
        async () => {
          const health = await fetch(`${baseURL}/api/health`).then(
            (response) => response.json(),
            () => null,
          );
          return health?.status === 'ok'
            ? health.database.provider
            : app!.child.exitCode === null
              ? 'starting'
              : `exited: ${app!.output().slice(-2000)}`;
        },
        { timeout: 420_000, intervals: [1_000] },
      )
      .toBe(provider);
    api = await playwrightRequest.newContext({ baseURL });
    await signIn(api, baseURL, E2E_ADMIN);
  });

  test.afterAll(async () => {
    await api?.dispose();
    if (app) {
      expect(await stopConsole(app, 'SIGTERM')).toBe(0);
      expect(await postgresServersUsing(dataDir)).toEqual([]);
    }
    if (mongoUri) {
      const client = new MongoClient(mongoUri);
      await client
        .db(databaseName)
        .dropDatabase()
        .finally(() => client.close());
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const signedInPage = async (browser: import('@playwright/test').Browser): Promise<Page> => {
    const context = await browser.newContext({ baseURL, storageState: await api.storageState() });
    const page = await context.newPage();
    page.on('response', (response) => {
      if (response.status() >= 500) serverErrors.push(`${response.status()} ${response.url()}`);
    });
    return page;
  };

  test('the launcher: the datastore, the console database apart, the simulator writing through the SDK', async () => {
    const output = app!.output();
    if (mongoUri) {
      expect(output).toContain(`[start] datastore: MongoDB at `);
      expect(output).toContain('[start] console database (users, sessions, audit log): the embedded PostgreSQL');
      expect(output).toContain("with NVSentinel's pipeline on MongoDB");
    } else {
      expect(output).toContain("with NVSentinel's pipeline on PostgreSQL");
    }
  });

  test('operations routes: /api/health, /api/ready and /metrics name the provider', async () => {
    const health = await (await api.get('/api/health')).json();
    expect(health).toMatchObject({ status: 'ok', database: { provider, reachable: true } });
    if (mongoUri) {
      expect(health).not.toHaveProperty('migrations');
      expect(health.consoleDatabase).toMatchObject({ reachable: true, migrations: { upToDate: true } });
    } else {
      expect(health.migrations).toMatchObject({ upToDate: true });
    }
    await expect.poll(async () => (await api.get('/api/ready')).status(), { timeout: 60_000 }).toBe(200);
    const metrics = await (await api.get('/metrics')).text();
    expect(metrics).toMatch(
      new RegExp(`sentinel_store_operation_duration_seconds_count\\{[^}]*provider="${provider}"`),
    );
    expect(metrics).toMatch(/^sentinel_datastore_up 1$/m);
  });

  test('Overview: the datastore by its provider, events arriving, the pipeline consumers known', async ({
    browser,
  }) => {
    const page = await signedInPage(browser);
    await expect(async () => {
      await page.goto('/');
      expect(Number((await page.getByTestId('events-last-hour').textContent())?.replace(/\D/g, ''))).toBeGreaterThan(0);
    }).toPass({ timeout: 60_000 });
    await expect(page.getByTestId('datastore-status')).toHaveText('Connected');
    await expect(page.getByTestId('datastore-target')).toContainText(label);
    if (mongoUri) await expect(page.getByTestId('console-database')).toContainText('migrations applied');
    for (const consumer of ['fault-quarantine', 'node-drainer', 'fault-remediation'])
      await expect(page.getByTestId(`consumer-${consumer}`)).toContainText('known');
    await page.screenshot({ path: path.join(screenshots, `datastore-${provider}-overview.png`), fullPage: true });
    await page.context().close();
  });

  test('Nodes and a node: live rows, the timeline, and a quarantine stored in the datastore and audited', async ({
    browser,
  }) => {
    const page = await signedInPage(browser);
    await page.goto('/nodes');
    await expect(page.getByTestId('node-row').first()).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'live');
    const healthy = page.locator('[data-testid="node-row"][data-state="healthy"]').first();
    await expect(healthy).toBeVisible({ timeout: 60_000 });
    const name = (await healthy.getAttribute('data-node'))!;
    await page.goto(`/nodes/${encodeURIComponent(name)}`);
    await expect(page.getByTestId('node-name')).toHaveText(name);
    await expect(page.getByTestId('event-row').first()).toBeVisible();

    const quarantine = await api.post(`/api/nodes/${encodeURIComponent(name)}/quarantine`, {
      data: { reason: 'datastore spec: fan failure' },
      headers: { origin: baseURL },
    });
    expect(quarantine.status(), await quarantine.text()).toBe(200);
    // Simulated fault-quarantine reads the manual quarantine from the datastore's feed and decides.
    await expect(page.getByTestId('node-state')).toHaveAttribute(
      'data-state',
      /^(quarantined|draining|drain-failed|remediating|remediated|remediation-failed)$/,
      { timeout: 60_000 },
    );
    await page.screenshot({ path: path.join(screenshots, `datastore-${provider}-node.png`), fullPage: true });

    await page.goto('/audit');
    await expect(page.getByText('datastore spec: fan failure').first()).toBeVisible();
    await page.context().close();
  });

  test("Pipeline: consumers judged, and the feed storage panel in the provider's terms", async ({ browser }) => {
    const page = await signedInPage(browser);
    await page.goto('/pipeline');
    for (const consumer of ['fault-quarantine', 'node-drainer', 'fault-remediation']) {
      await expect(page.getByTestId(`consumer-${consumer}`)).toHaveAttribute(
        'data-status',
        /^(ok|falling-behind|stalled|stopped)$/,
        { timeout: 30_000 },
      );
    }
    const storage = page.getByTestId('feed-storage-panel');
    await expect(storage).toContainText(mongoUri ? 'Oplog window' : 'Changelog');
    if (mongoUri) await expect(page.getByTestId('no-before-images')).toBeVisible();
    else await expect(page.getByTestId('no-before-images')).toHaveCount(0);
    await page.screenshot({ path: path.join(screenshots, `datastore-${provider}-pipeline.png`), fullPage: true });
    await page.context().close();
  });

  test('Throughput, Providers, Users: the provider named, figures present', async ({ browser }) => {
    const page = await signedInPage(browser);
    await page.goto('/throughput');
    await expect(page.getByTestId('throughput-provider')).toHaveText(label);
    await expect
      .poll(async () => Number((await page.getByTestId('throughput-total').textContent())?.replace(/\D/g, '')), {
        timeout: 30_000,
      })
      .toBeGreaterThan(0);

    await page.goto('/providers');
    const primary = page.getByTestId('datastore-primary');
    await expect(primary.getByTestId('provider-name')).toHaveText(label);
    await expect(primary.getByTestId('ping-ms')).toContainText('ms');
    await expect(primary.getByTestId('feed-storage')).toContainText(mongoUri ? 'Oplog window' : 'Changelog');
    await expect(primary.getByTestId('before-images')).toHaveText(mongoUri ? 'no (pre-images off)' : 'yes');
    await page.screenshot({ path: path.join(screenshots, `datastore-${provider}-providers.png`), fullPage: true });

    await page.goto('/admin/users');
    await expect(page.getByText(E2E_ADMIN.username).first()).toBeVisible();
    await page.context().close();
    expect(serverErrors).toEqual([]);
  });
});
