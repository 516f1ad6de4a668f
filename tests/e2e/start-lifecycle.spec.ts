// `npm start` as a person uses it: start, stop with SIGTERM or Ctrl-C (SIGINT), start again.
// Nothing may be left running, and the second start must reuse the first one's data.
// (Runs after the web server of the browser tests built the app, so no build happens here.)
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect, test } from '@playwright/test';

import {
  launchConsole as launch,
  portFree,
  postgresServersUsing as serversUsing,
  stopConsole as stop,
} from './support/console-process';

test.describe.configure({ timeout: 180_000 });

test('npm start stops cleanly on SIGTERM and on Ctrl-C, and the next start reuses the data', async ({ request }) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'console-lifecycle-'));
  const env = { EMBEDDED_DATA_DIR: dataDir, PORT: '3124', EMBEDDED_PG_PORT: '54392' };
  try {
    const first = launch({ ...env, CONSOLE_ADMIN_PASSWORD: '' });
    await expect
      .poll(async () => (await request.get('http://127.0.0.1:3124/api/health').catch(() => undefined))?.status(), {
        timeout: 120_000,
      })
      .toBe(200);
    expect(first.output()).toContain('creating a new PostgreSQL');
    // A console without users gets its first admin, with a generated password shown once.
    expect(first.output()).toMatch(/first sign-in: user "admin", password "[A-Za-z0-9_-]{20,}"/);
    expect(await serversUsing(dataDir)).toHaveLength(1);

    expect(await stop(first, 'SIGTERM')).toBe(0);
    expect(await serversUsing(dataDir)).toEqual([]);
    expect(await portFree(3124)).toBe(true);

    const second = launch(env);
    await expect
      .poll(async () => (await request.get('http://127.0.0.1:3124/api/health').catch(() => undefined))?.status(), {
        timeout: 120_000,
      })
      .toBe(200);
    expect(second.output()).not.toContain('creating a new PostgreSQL');
    expect(second.output()).not.toContain('applied migration');
    expect(second.output()).not.toContain('first sign-in');

    expect(await stop(second, 'SIGINT')).toBe(0);
    expect(await serversUsing(dataDir)).toEqual([]);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
