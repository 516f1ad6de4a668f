// `npm start` as a person uses it: start, stop with SIGTERM or Ctrl-C (SIGINT), start again.
// Nothing may be left running, and the second start must reuse the first one's data.
// (Runs after the web server of the browser tests built the app, so no build happens here.)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { expect, test } from '@playwright/test';

test.describe.configure({ timeout: 180_000 });

interface Launch { child: ChildProcess; output: () => string }

function launch(env: Record<string, string>): Launch {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: process.cwd(),
    env: { ...process.env, DATABASE_URL: '', ...env },
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

async function serversUsing(dataDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const command = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (command.includes(dataDir) && command.includes('postgres')) pids.push(Number(entry));
  }
  return pids;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

async function stop(launched: Launch, signal: NodeJS.Signals): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => launched.child.once('exit', resolve));
  launched.child.kill(signal);
  return exited;
}

test('npm start stops cleanly on SIGTERM and on Ctrl-C, and the next start reuses the data', async ({ request }) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'console-lifecycle-'));
  const env = { EMBEDDED_DATA_DIR: dataDir, PORT: '3124', EMBEDDED_PG_PORT: '54392' };
  try {
    const first = launch({ ...env, CONSOLE_ADMIN_PASSWORD: '' });
    await expect.poll(async () => (await request.get('http://127.0.0.1:3124/api/health').catch(() => undefined))?.status(), { timeout: 120_000 }).toBe(200);
    expect(first.output()).toContain('creating a new PostgreSQL');
    // A console without users gets its first admin, with a generated password shown once.
    expect(first.output()).toMatch(/first sign-in: user "admin", password "[A-Za-z0-9_-]{20,}"/);
    expect(await serversUsing(dataDir)).toHaveLength(1);

    expect(await stop(first, 'SIGTERM')).toBe(0);
    expect(await serversUsing(dataDir)).toEqual([]);
    expect(await portFree(3124)).toBe(true);

    const second = launch(env);
    await expect.poll(async () => (await request.get('http://127.0.0.1:3124/api/health').catch(() => undefined))?.status(), { timeout: 120_000 }).toBe(200);
    expect(second.output()).not.toContain('creating a new PostgreSQL');
    expect(second.output()).not.toContain('applied migration');
    expect(second.output()).not.toContain('first sign-in');

    expect(await stop(second, 'SIGINT')).toBe(0);
    expect(await serversUsing(dataDir)).toEqual([]);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
