import os from 'node:os';
import path from 'node:path';

import { defineConfig } from '@playwright/test';

// Browser tests run Debian's Chromium against the real app, started by the real `npm start`
// launcher on a fresh embedded PostgreSQL (its data folder is emptied before each run).
const port = Number(process.env.E2E_PORT ?? 3123);
const databasePort = Number(process.env.E2E_PG_PORT ?? 54391);
export const e2eDataDir = path.join(os.tmpdir(), 'sentinel-console-e2e');
export const baseURL = `http://127.0.0.1:${port}`;
/** The simulator's control endpoint in the app under test (pause consumers, poison events). */
export const simulatorControlURL = `http://127.0.0.1:${Number(process.env.E2E_CONTROL_PORT ?? 3129)}`;

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
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
  webServer: {
    command: `rm -rf ${e2eDataDir} && exec node --import tsx scripts/start.ts`,
    url: `${baseURL}/api/health`,
    timeout: 300_000,
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
    },
  },
});
