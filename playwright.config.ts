import os from 'node:os';
import path from 'node:path';

import { defineConfig } from '@playwright/test';

import { E2E_ADMIN, storageStateOf } from './tests/e2e/support/accounts';
import { E2E_PG_PORT, E2E_PORT } from './tests/e2e/support/test-ports';

// Browser tests run Debian's Chromium against the real app, started by the real `npm start`
// launcher on a fresh embedded PostgreSQL (its data folder is emptied before each run).
const port = E2E_PORT;
const databasePort = E2E_PG_PORT;
// Per port, so two runs on different ports never share (or wipe) each other's database.
export const e2eDataDir = path.join(os.tmpdir(), `sentinel-console-e2e-${port}`);
export const baseURL = `http://127.0.0.1:${port}`;
/** The bearer token /metrics wants from the app under test (it is closed without one). */
export const E2E_METRICS_TOKEN = 'e2e-metrics-scrape-token';
/** The simulator's control endpoint in the app under test (pause consumers, poison events). */
export const simulatorControlURL = `http://127.0.0.1:${Number(process.env.E2E_CONTROL_PORT ?? 3129)}`;

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  // A page rendered on the server can take several seconds on a loaded machine (CI shares two cores
  // with the rest): assertions wait up to 15 s for the state they expect, not Playwright's 5.
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    baseURL,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  // auth.setup.ts signs the test accounts in first; specs run as the admin unless they say otherwise.
  projects: [
    { name: 'setup', testMatch: /auth\.setup\.ts/ },
    {
      name: 'chromium',
      dependencies: ['setup'],
      testIgnore: /auth\.setup\.ts/,
      use: { storageState: storageStateOf(E2E_ADMIN.username) },
    },
  ],
  webServer: {
    command: `rm -rf ${e2eDataDir} && exec node --import tsx scripts/start.ts`,
    url: `${baseURL}/api/health`,
    // The first start builds the dashboard (next build): 3 min on a quiet 2-core machine, over 5 on
    // a loaded one (a CI rehearsal with one core busy ran out of a 5-minute wait).
    timeout: 900_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
    env: {
      PORT: String(port),
      EMBEDDED_PG_PORT: String(databasePort),
      EMBEDDED_DATA_DIR: e2eDataDir,
      SIMULATOR_CONTROL_PORT: new URL(simulatorControlURL).port,
      DATABASE_URL: '',
      // PostgreSQL even when MONGODB_URI is in the environment (the MongoDB contract suite's);
      // the dashboard on MongoDB has its own spec, which starts its own launcher.
      DATASTORE_PROVIDER: 'postgresql',
      CONSOLE_ADMIN_PASSWORD: E2E_ADMIN.password,
      // The specs sign in many times a minute from one address.
      CONSOLE_SIGN_IN_RATE_LIMIT: '1000',
      METRICS_TOKEN: E2E_METRICS_TOKEN,
      // alerts.spec posts to a plain-http receiver on loopback, which the webhook address policy
      // refuses by default (https to public addresses only): allowed here, not in the defaults.
      ALERT_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      ALERT_WEBHOOK_ALLOW_HTTP: 'true',
    },
  },
});
