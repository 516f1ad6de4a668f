// `npm start` with DATABASE_URL on NVSentinel's own PostgreSQL, as a role with DML rights only: a
// PostgreSQL server of the spec's own holds NVSentinel's schema (its migrations 00001-00003, made by
// the role NVSentinel's migration job uses), the console gets a role that may only read and write
// rows, and its own tables go to the launcher's embedded PostgreSQL. In Chromium: the console
// serves, the Nodes page shows a transaction that commits while an older one is open at once and the
// older one when it commits (both live), and nothing of NVSentinel's schema changes (an event
// trigger logs any DDL; the catalog is compared before and after).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import pg from 'pg';

import { EmbeddedDatabase } from '../../lib/embedded-database/embedded-database';
import { xidFatalDocument } from '../fixtures/nvsentinel/documents';
import { applyNvsentinelSchemaState } from '../fixtures/nvsentinel/schema-states';
import { platformConnectorInsert } from '../fixtures/nvsentinel/writers';
import { catalogFingerprint, loggedDdl, stopWatchingDdl, watchDdl } from '../support/ddl-watch';
import { dmlOnlyRole } from '../support/dml-role';
import { E2E_ADMIN, signIn } from './support/accounts';
import {
  launchConsole,
  portFree,
  postgresServersUsing,
  stopConsole,
  type ConsoleProcess,
} from './support/console-process';
import { E2E_PG_PORT, E2E_PORT } from './support/test-ports';

const PORT = E2E_PORT + 5;
const PG_PORT = E2E_PG_PORT + 5;
const NVSENTINEL_PG_PORT = E2E_PG_PORT + 6;
const baseURL = `http://127.0.0.1:${PORT}`;
const screenshots = path.join('test-results', 'screenshots');

test.describe.configure({ mode: 'serial', timeout: 120_000 });

test.describe("npm start on NVSentinel's PostgreSQL as a DML-only role", () => {
  let nvsentinelServer: EmbeddedDatabase;
  let serverDir: string;
  let consoleDir: string;
  let nvsentinel: pg.Client;
  let app: ConsoleProcess | undefined;
  let api: APIRequestContext;
  let before: string;

  test.beforeAll(async () => {
    test.setTimeout(480_000);
    expect(await portFree(PORT), `port ${PORT} is taken; is another run going on?`).toBe(true);
    serverDir = await mkdtemp(path.join(os.tmpdir(), 'console-nvsentinel-pg-'));
    consoleDir = await mkdtemp(path.join(os.tmpdir(), 'console-nvsentinel-console-'));
    nvsentinelServer = new EmbeddedDatabase({ baseDir: serverDir, port: NVSENTINEL_PG_PORT, database: 'postgres' });
    await nvsentinelServer.start();
    const admin = new pg.Client({ connectionString: nvsentinelServer.urlFor('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE nvsentinel');
    await admin.end();

    nvsentinel = new pg.Client({ connectionString: nvsentinelServer.urlFor('nvsentinel') });
    await nvsentinel.connect();
    await applyNvsentinelSchemaState(nvsentinel, 3);
    await platformConnectorInsert(nvsentinel, xidFatalDocument('gpu-before-console'));
    const dmlUrl = await dmlOnlyRole(nvsentinelServer.urlFor('nvsentinel'));
    await watchDdl(nvsentinel);
    before = await catalogFingerprint(nvsentinel);

    app = launchConsole({
      PORT: String(PORT),
      DATABASE_URL: dmlUrl,
      CONSOLE_DATABASE_URL: '',
      EMBEDDED_PG_PORT: String(PG_PORT),
      EMBEDDED_DATA_DIR: consoleDir,
      CONSOLE_ADMIN_PASSWORD: E2E_ADMIN.password,
      CONSOLE_SIGN_IN_RATE_LIMIT: '1000',
    });
    await expect
      .poll(
        async () => {
          const health = await fetch(`${baseURL}/api/health`).then(
            (response) => response.json(),
            () => null,
          );
          return health?.status === 'ok'
            ? 'ok'
            : app!.child.exitCode === null
              ? 'starting'
              : `exited: ${app!.output().slice(-2000)}`;
        },
        { timeout: 420_000, intervals: [1_000] },
      )
      .toBe('ok');
    api = await playwrightRequest.newContext({ baseURL });
    await signIn(api, baseURL, E2E_ADMIN);
  });

  test.afterAll(async () => {
    try {
      await api?.dispose();
      if (app) {
        expect(await stopConsole(app, 'SIGTERM')).toBe(0);
        expect(await postgresServersUsing(consoleDir)).toEqual([]);
      }
    } finally {
      // Whatever failed above (a console that never started exits non-zero), NVSentinel's server
      // stops, so no later run finds its port taken.
      if (nvsentinel) await stopWatchingDdl(nvsentinel).catch(() => {});
      await nvsentinel?.end().catch(() => {});
      await nvsentinelServer?.stop();
      for (const dir of [serverDir, consoleDir]) if (dir) await rm(dir, { recursive: true, force: true });
    }
  });

  test("starts, says what it found, and keeps its own tables out of NVSentinel's database", async () => {
    const output = app!.output();
    expect(output).toContain(
      '[start] datastore schema: NVSentinel schema version 3; change feed in id order (no DDL of ours)',
    );
    expect(output).toContain(
      "[start] console database: the embedded PostgreSQL (NVSentinel's database is left as it is",
    );
    const health = await (await api.get('/api/health')).json();
    expect(health).toMatchObject({
      status: 'ok',
      schema: { state: 'current', version: 3, commitOrderColumn: false },
      consoleDatabase: { reachable: true },
    });
    await expect.poll(async () => (await api.get('/api/ready')).status(), { timeout: 60_000 }).toBe(200);
  });

  test('the Nodes page shows a late commit: B (committed while A is open) at once, A when it commits, both live', async ({
    browser,
  }) => {
    const context = await browser.newContext({ baseURL, storageState: await api.storageState() });
    const page = await context.newPage();
    await page.goto('/nodes?q=gpu-interleaved');
    await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'live', { timeout: 30_000 });
    const writerA = new pg.Client({ connectionString: nvsentinelServer.urlFor('nvsentinel') });
    await writerA.connect();
    try {
      await writerA.query('BEGIN');
      await platformConnectorInsert(writerA, xidFatalDocument('gpu-interleaved-a')); // lower changelog id, still open
      await platformConnectorInsert(nvsentinel, xidFatalDocument('gpu-interleaved-b')); // committed at once
      await expect(page.locator('[data-testid="node-row"][data-node="gpu-interleaved-b"]')).toBeVisible({
        timeout: 30_000,
      });
      await expect(page.locator('[data-testid="node-row"][data-node="gpu-interleaved-a"]')).toHaveCount(0);
      await writerA.query('COMMIT');
      await expect(page.locator('[data-testid="node-row"][data-node="gpu-interleaved-a"]')).toBeVisible({
        timeout: 30_000,
      });
      await page.screenshot({ path: path.join(screenshots, 'nvsentinel-dml-nodes.png'), fullPage: true });
    } finally {
      await writerA.end();
    }
    await context.close();
  });

  test("issued no DDL: NVSentinel's catalog, versions and resume tokens are as NVSentinel left them", async () => {
    expect(await loggedDdl(nvsentinel)).toEqual([]);
    expect(await catalogFingerprint(nvsentinel)).toBe(before);
    expect(
      (await nvsentinel.query('SELECT version::int FROM nvsentinel_schema_migrations ORDER BY 1')).rows.map(
        (row) => row.version,
      ),
    ).toEqual([1, 2, 3]);
    expect((await nvsentinel.query('SELECT count(*)::int AS n FROM resume_tokens')).rows[0].n).toBe(0);
  });
});
