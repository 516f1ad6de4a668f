// The first start on a datastore with a big history (issue 18): `npm start` is ready at once and
// builds the kept node projection and the Throughput page's roll-ups in the background, in pages.
// Meanwhile every page answers: the banner says "Warming up" and how far the build got, the Nodes
// page lists the nodes read so far, the Throughput page reads the events themselves. Once the
// build is in, the banner goes without a reload, the list holds every node, and the charts read
// the roll-ups. Screenshots in both themes and at a phone's width, while warming up.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect, test, type Page } from '@playwright/test';
import pg from 'pg';

import { EmbeddedDatabase } from '../../lib/embedded-database/embedded-database';
import { backfill } from '../../lib/simulator/backfill';
import { setUpOwnDatabase } from '../../lib/store/providers/postgres/schema/prepare-datastore';
import { E2E_ADMIN, signIn } from './support/accounts';
import { launchConsole, portFree, stopConsole, type ConsoleProcess } from './support/console-process';
import { E2E_PG_PORT, E2E_PORT } from './support/test-ports';

const PORT = E2E_PORT + 9;
const PG_PORT = E2E_PG_PORT + 9;
const baseURL = `http://127.0.0.1:${PORT}`;
const NODES = 6_000;
const EVENTS = 150_000;

test.describe.configure({ mode: 'serial', timeout: 600_000 });

test.describe('the first start on a big history', () => {
  let serverDir: string;
  let server: EmbeddedDatabase;
  let app: ConsoleProcess | undefined;

  test.beforeAll(async () => {
    test.setTimeout(900_000);
    expect(await portFree(PORT), `port ${PORT} is taken; is another run going on?`).toBe(true);
    serverDir = await mkdtemp(path.join(os.tmpdir(), 'console-first-start-'));
    server = new EmbeddedDatabase({
      baseDir: serverDir,
      port: PG_PORT,
      database: 'postgres',
      settings: { fsync: 'off' },
    });
    await server.start();
    const admin = new pg.Client({ connectionString: server.urlFor('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE nvsentinel');
    await admin.end();
    const url = server.urlFor('nvsentinel');
    await setUpOwnDatabase(url);
    // A week of processed history on 6,000 nodes, written before the console ever ran.
    await backfill(url, { seed: 23, nodes: NODES, events: EVENTS, days: 7 });
    app = launchConsole({
      PORT: String(PORT),
      DATABASE_URL: url,
      SIMULATOR: 'off',
      CLUSTER_ACCESS: 'off',
      CONSOLE_ADMIN_PASSWORD: E2E_ADMIN.password,
      CONSOLE_SIGN_IN_RATE_LIMIT: '1000',
      // Small pages: many steps to watch, each a short read of the datastore.
      CONSOLE_PROJECTION_PAGE_SIZE: '10',
    });
    await expect
      .poll(
        async () => {
          const ready = await fetch(`${baseURL}/api/ready`).then(
            (response) => response.status,
            () => null,
          );
          return ready === 200
            ? 'ready'
            : app!.child.exitCode === null
              ? 'starting'
              : `exited: ${app!.output().slice(-2000)}`;
        },
        { timeout: 300_000, intervals: [1_000] },
      )
      .toBe('ready');
  });

  test.afterAll(async () => {
    if (app && app.child.exitCode === null) await stopConsole(app, 'SIGTERM');
    await server?.stop();
    if (serverDir) await rm(serverDir, { recursive: true, force: true });
  });

  const shownTotal = async (page: Page) => {
    const text = (await page.getByTestId('nodes-shown').textContent()) ?? '';
    const match = /of ([\d,]+) nodes/.exec(text);
    return match ? Number(match[1].replace(/,/g, '')) : null;
  };

  test('pages answer while it warms up (the nodes read so far, charts from the events), then turn live without a reload', async ({
    browser,
  }) => {
    const context = await browser.newContext({ baseURL });
    await signIn(context.request, baseURL, E2E_ADMIN);
    const page = await context.newPage();

    await page.goto('/nodes');
    const banner = page.getByTestId('warming-up');
    await expect(banner).toBeVisible({ timeout: 60_000 });
    await expect(banner).toContainText('Warming up');
    await expect(banner).toContainText(`of ${NODES.toLocaleString('en-US')} nodes`);
    // The list answers with the nodes read so far: some, not yet all.
    await expect(page.getByTestId('node-row').first()).toBeVisible({ timeout: 60_000 });
    const partial = await shownTotal(page);
    expect(partial).not.toBeNull();
    expect(partial!).toBeLessThan(NODES);
    // The open list grows as pages come in, without a reload.
    await expect.poll(() => shownTotal(page), { timeout: 60_000 }).toBeGreaterThan(partial!);
    await page.screenshot({ path: 'test-results/screenshots/first-start-warming-up.png', fullPage: true });
    await page.evaluate(() => document.documentElement.classList.add('dark'));
    await page.screenshot({ path: 'test-results/screenshots/first-start-warming-up-dark.png', fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: 'test-results/screenshots/first-start-warming-up-phone-dark.png', fullPage: true });
    await page.evaluate(() => document.documentElement.classList.remove('dark'));
    await page.setViewportSize({ width: 1280, height: 720 });

    // The Throughput page answers meanwhile, from every event of the range: all of the week's.
    const charts = await context.newPage();
    await charts.goto('/throughput?range=30d');
    await expect(charts.getByTestId('throughput-total')).toHaveText(EVENTS.toLocaleString('en-US'), {
      timeout: 60_000,
    });
    const answeredBefore = await charts.getByTestId('throughput-provider').locator('xpath=..').textContent();

    // The build ends: the banner goes on the open page, which now lists every node.
    await expect(banner).toBeHidden({ timeout: 480_000 });
    await expect.poll(() => shownTotal(page), { timeout: 30_000 }).toBe(NODES);
    await page.screenshot({ path: 'test-results/screenshots/first-start-live.png', fullPage: true });

    // The same chart, now from the roll-ups, with the same total.
    await charts.reload();
    await expect(charts.getByTestId('throughput-provider').locator('xpath=..')).toContainText(
      "the console's roll-ups of its events",
      { timeout: 30_000 },
    );
    expect(answeredBefore).toContain('every event of the range');
    // No event was written since: every one of the week's, counted once.
    await expect(charts.getByTestId('throughput-total')).toHaveText(EVENTS.toLocaleString('en-US'));
    await charts.screenshot({ path: 'test-results/screenshots/first-start-throughput-30d.png', fullPage: true });

    // The Providers page says the projection is live, built from this datastore.
    await page.goto('/providers');
    await expect(page.getByTestId('projection-phase')).toContainText(/live/i, { timeout: 30_000 });
    await context.close();
  });
});
