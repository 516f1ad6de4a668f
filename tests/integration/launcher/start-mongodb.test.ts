// `npm start` with DATASTORE_PROVIDER=mongodb, as far as this machine (no MongoDB server) can take
// it: settings that cannot work are refused with one line and the usage, and an unreachable
// MongoDB stops the start before anything is started (no embedded PostgreSQL, nothing written).
// The happy path runs in tests/e2e/mongodb-dashboard.spec.ts when MONGODB_URI is set.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freePort } from '../../support/free-port';

interface Outcome {
  code: number | null;
  errors: string[];
  output: string;
}

let dataDir: string;

function runStart(env: Record<string, string>): Promise<Outcome> {
  const base = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'DATASTORE_PROVIDER',
    'MONGODB_URI',
    'MONGODB_DATABASE_NAME',
    'CONSOLE_DATABASE_URL',
    'PORT',
    'EMBEDDED_PG_PORT',
    'SIMULATOR',
  ])
    delete base[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: process.cwd(),
    env: { ...base, EMBEDDED_DATA_DIR: dataDir, ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => {
    child.on('exit', (code) =>
      resolve({ code, errors: output.split('\n').filter((line) => line.startsWith('[start] error:')), output }),
    );
  });
}

const USAGE =
  "start on MongoDB with DATASTORE_PROVIDER=mongodb MONGODB_URI='mongodb://user:password@host:27017/?replicaSet=rs0' npm start";

describe('npm start on MongoDB refuses what cannot work, clearly', () => {
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'console-start-mongodb-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('DATASTORE_PROVIDER=mongodb without MONGODB_URI: the usage, in one line', async () => {
    const outcome = await runStart({ DATASTORE_PROVIDER: 'mongodb' });
    expect(outcome.code).toBe(1);
    expect(outcome.errors).toHaveLength(1);
    expect(outcome.errors[0]).toMatch(/^\[start\] error: DATASTORE_PROVIDER=mongodb needs MONGODB_URI; /);
    expect(outcome.errors[0]).toContain(USAGE);
    expect(outcome.errors[0]).toContain(
      'users, sessions and the audit log stay in PostgreSQL: CONSOLE_DATABASE_URL, or the embedded one when it is unset',
    );
  });

  it('a MONGODB_URI that is not a MongoDB URL, and a malformed CONSOLE_DATABASE_URL', async () => {
    const notMongo = await runStart({ DATASTORE_PROVIDER: 'mongodb', MONGODB_URI: 'postgresql://h/db' });
    expect(notMongo.code).toBe(1);
    expect(notMongo.errors).toEqual([
      expect.stringMatching(
        /^\[start\] error: MONGODB_URI must be a mongodb:\/\/ or mongodb\+srv:\/\/ URL \(it starts with "postgresql:"\); start on MongoDB with/,
      ),
    ]);

    const badConsole = await runStart({
      DATASTORE_PROVIDER: 'mongodb',
      MONGODB_URI: 'mongodb://127.0.0.1:1/?replicaSet=rs0',
      CONSOLE_DATABASE_URL: 'localhost:5432/console',
    });
    expect(badConsole.code).toBe(1);
    expect(badConsole.errors).toEqual([
      '[start] error: CONSOLE_DATABASE_URL must be a postgresql:// URL, e.g. postgresql://user:password@host:5432/nvsentinel (it starts with "localhost:")',
    ]);
  });

  it('an unreachable MongoDB stops the start before anything starts, also when only MONGODB_URI says MongoDB', async () => {
    const port = await freePort();
    const uri = `mongodb://127.0.0.1:${port}/?replicaSet=rs0&serverSelectionTimeoutMS=500&connectTimeoutMS=500`;
    for (const env of [{ DATASTORE_PROVIDER: 'mongodb', MONGODB_URI: uri }, { MONGODB_URI: uri }] as Record<
      string,
      string
    >[]) {
      const outcome = await runStart(env);
      expect(outcome.code).toBe(1);
      expect(outcome.output).toContain(
        `[start] datastore: MongoDB at 127.0.0.1:${port}/HealthEventsDatabase (MONGODB_URI)`,
      );
      expect(outcome.errors).toEqual([
        `[start] error: cannot reach MongoDB at 127.0.0.1:${port}/HealthEventsDatabase: connection refused (is the server running, and are host and port right?)`,
      ]);
      expect(outcome.output).not.toContain('embedded PostgreSQL');
      expect(await readdir(dataDir)).toEqual([]);
    }
  });
});
