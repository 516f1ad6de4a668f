// `npm start`: the whole product on one command.
//   - no DATABASE_URL: starts the embedded PostgreSQL (data kept between runs);
//   - DATASTORE_PROVIDER=mongodb (or MONGODB_URI without DATABASE_URL): the datastore is that
//     MongoDB, checked before anything starts; the console's users, sessions and audit log go to
//     CONSOLE_DATABASE_URL, or to the embedded PostgreSQL when it is unset;
//   - on PostgreSQL: creates NVSentinel's schema in an empty database (versions 1-3, as its own
//     migrations do) and changes nothing in one NVSentinel set up; the console's own tables go to
//     CONSOLE_DATABASE_URL, else beside NVSentinel's in a database the console set up, else in a
//     schema `sentinel_console` a DBA created for it, else in the embedded PostgreSQL;
//   - applies the console's migrations there as the tables' owner (the app and the simulator connect as a
//     role that may only read and append to the audit log; on the embedded database both are made here),
//     and creates the first admin of a console without users;
//   - builds the app when its sources changed since the last build;
//   - serves it with scripts/console-server.ts (Next.js in production mode, or development with --dev).
// Ctrl-C / SIGTERM stop the app first, then PostgreSQL, so no server is left running.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

import { defaultEmbeddedBaseDir, EmbeddedDatabase } from '../lib/embedded-database/embedded-database';
import { ClusterSimulator, SimulatorRefusedError } from '../lib/simulator/cluster-simulator';
import { EventGenerator } from '../lib/simulator/event-generator';
import { DEMO_BREAKER } from '../lib/simulator/pipeline/circuit-breaker';
import { DEMO_MAINTENANCE_TTL } from '../lib/simulator/pipeline/maintenance-resources';
import { breakerLimitsFromEnv } from '../lib/cluster/circuit-breaker-view';
import { deliveryPolicyFromEnv } from '../lib/alerts/delivery-policy';
import { describeWebhookAddressPolicy, webhookAddressPolicyFromEnv } from '../lib/alerts/webhook-address-policy';
import { clusterAccessFromEnv } from '../lib/cluster/cluster-access';
import { startTwinCluster, type TwinCluster } from '../lib/simulator/kubernetes/twin-cluster';
import { startSimulatorControl } from '../lib/simulator/control-server';
import { simulatorFromEnv, SimulatorUsageError } from '../lib/simulator/simulator-options';
import {
  configFromEnv,
  datastoreProviderFromEnv,
  describeDataStoreTarget,
  openDataStore,
  type DataStore,
  type DataStoreConfig,
  type MongoConfig,
} from '../lib/store';
import { EmbeddedDatabaseError } from '../lib/embedded-database/embedded-database-error';
import { StoreError } from '../lib/store';
import { describePostgresTarget, parsePostgresUrl } from '../lib/store/postgres';
import { describeSchemaVerdict } from '../lib/store/postgres';
import { prepareDatastore, withSearchPath } from '../lib/store/postgres';
import { prepareSignIn } from '../lib/auth/prepare-sign-in';
import { migrateConsoleDatabase, migrationUrlFor } from '../lib/console-database/console-migrations';
import { ensureEmbeddedConsoleRoles, type EmbeddedConsoleRoles } from '../lib/console-database/embedded-console-roles';
import { describeMetricsAccess, metricsAccessFromEnv } from '../lib/metrics/metrics-access';
import { trustedProxiesFromEnv } from '../lib/security/trusted-proxies';

const root = path.resolve(import.meta.dirname, '..');

/** One line: how to start on MongoDB. */
const MONGODB_USAGE =
  "start on MongoDB with DATASTORE_PROVIDER=mongodb MONGODB_URI='mongodb://user:password@host:27017/?replicaSet=rs0' npm start " +
  '(a replica set, for change streams; MONGODB_DATABASE_NAME defaults to HealthEventsDatabase); users, sessions and the audit log stay in ' +
  'PostgreSQL: CONSOLE_DATABASE_URL, or the embedded one when it is unset';

/** The MongoDB datastore's settings, refused with the usage line when they cannot work. */
function mongoSettings(env: NodeJS.ProcessEnv): MongoConfig {
  const uri = env.MONGODB_URI?.trim();
  if (!uri) throw new StoreError('config', `DATASTORE_PROVIDER=mongodb needs MONGODB_URI; ${MONGODB_USAGE}`);
  if (!/^mongodb(\+srv)?:\/\//i.test(uri))
    throw new StoreError(
      'config',
      `MONGODB_URI must be a mongodb:// or mongodb+srv:// URL (it starts with "${uri.split(':')[0]}:"); ${MONGODB_USAGE}`,
    );
  return configFromEnv({ ...env, DATASTORE_PROVIDER: 'mongodb', MONGODB_URI: uri }) as MongoConfig;
}
const dev = process.argv.includes('--dev');
const log = (line: string) => console.log(`[start] ${line}`);

/** A setting read by `read`, whose refusal stops the start with its message (no stack). */
function setting<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new StoreError('config', (error as Error).message);
  }
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new StoreError('config', `${name} must be a port number from 1 to 65535 (got "${raw}")`);
  }
  return value;
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** A fingerprint of everything `next build` reads, to skip rebuilding an unchanged app. */
async function sourceFingerprint(): Promise<string> {
  const hash = createHash('sha256');
  const visit = async (relative: string): Promise<void> => {
    const full = path.join(root, relative);
    const info = await stat(full).catch(() => undefined);
    if (!info) return;
    if (info.isDirectory()) {
      if (['node_modules', 'generated', '.next'].includes(path.basename(relative))) return;
      for (const entry of (await readdir(full)).sort()) await visit(path.join(relative, entry));
      return;
    }
    hash.update(`${relative}:${info.size}:${info.mtimeMs}\n`);
  };
  // proxy.ts is built into the app too: a change to it alone must rebuild (it did not).
  for (const entry of [
    'app',
    'components',
    'lib',
    'public',
    'proxy.ts',
    'next.config.ts',
    'postcss.config.mjs',
    'package-lock.json',
    'tsconfig.json',
  ]) {
    await visit(entry);
  }
  return hash.digest('hex');
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(command, args, { cwd: root, env, stdio: 'inherit' });
}

async function buildIfNeeded(env: NodeJS.ProcessEnv): Promise<void> {
  const stamp = path.join(root, '.next', 'source-fingerprint');
  const fingerprint = await sourceFingerprint();
  const built = await readFile(path.join(root, '.next', 'BUILD_ID'), 'utf8').catch(() => undefined);
  if (built && (await readFile(stamp, 'utf8').catch(() => '')) === fingerprint) return;
  log('building the dashboard (first start, or sources changed)…');
  // A heap cap meant for serving (the Deployment's NODE_OPTIONS --max-old-space-size=768) is too
  // small for next build, which then fails out of memory: the build runs without it.
  const buildOptions = (env.NODE_OPTIONS ?? '').replace(/--max[-_]old[-_]space[-_]size=\S+/g, '').trim();
  const child = run(process.execPath, [nextBin(), 'build'], { ...env, NODE_OPTIONS: buildOptions });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new StoreError('build', `next build failed (exit ${code}); see the output above`);
  await writeFile(stamp, fingerprint);
}

function nextBin(): string {
  return path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
}

async function main(): Promise<void> {
  const appPort = intFromEnv('PORT', 3000);
  let embedded: EmbeddedDatabase | undefined;
  let app: ChildProcess | undefined;
  let simulation: { store: DataStore; simulator: ClusterSimulator; control?: Server } | undefined;
  /** The simulated cluster's Kubernetes API server (with the simulator, unless a cluster is given). */
  let twin: TwinCluster | undefined;
  /** The MongoDB datastore opened to check it, kept for the simulator. */
  let mongoStore: DataStore | undefined;
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    // Each part gets a bounded time, so one that does not stop cannot keep the dashboard and PostgreSQL
    // running (a stop once hung here under load, cause not found; the log names the part).
    const within = async (what: string, work: () => Promise<unknown>, ms = 10_000) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
      const outcome = await Promise.race([work().catch(() => undefined), late]);
      clearTimeout(timer);
      if (outcome === 'late') log(`${what} did not stop within ${ms / 1000} s; going on`);
    };
    if (simulation) {
      log('stopping the simulator…');
      simulation.control?.close();
      const { simulator, store } = simulation;
      await within('the simulator', () => simulator.stop());
      await within("the simulator's datastore connection", () => store.close(), 5_000);
    }
    if (twin) await within('the Kubernetes twin', () => twin!.close(), 5_000);
    if (mongoStore) await within('the MongoDB connection', () => mongoStore!.close(), 5_000);
    if (app && app.exitCode === null && app.signalCode === null) {
      log('stopping the dashboard…');
      const exited = new Promise((resolve) => app!.once('exit', resolve));
      app.kill('SIGTERM');
      const timer = setTimeout(() => app?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (embedded) {
      log('stopping embedded PostgreSQL…');
      await embedded.stop();
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const proxies = setting(() => trustedProxiesFromEnv(process.env));
    log(
      `forwarding headers (X-Forwarded-For, -Host, -Proto) believed from: ${proxies.description} (CONSOLE_TRUSTED_PROXIES)`,
    );
    log(describeMetricsAccess(setting(() => metricsAccessFromEnv(process.env))));
    // The alert engine reads these when the server starts: a bad one would leave it off unseen.
    setting(() => deliveryPolicyFromEnv(process.env));
    log(describeWebhookAddressPolicy(setting(() => webhookAddressPolicyFromEnv(process.env))));
    const provider = datastoreProviderFromEnv(process.env);
    // With MongoDB the datastore is MongoDB and PostgreSQL holds only the console's own tables.
    const mongo = provider === 'mongodb' ? mongoSettings(process.env) : undefined;
    let databaseUrl = mongo ? process.env.CONSOLE_DATABASE_URL?.trim() || undefined : process.env.DATABASE_URL;
    const simulatorOptions = simulatorFromEnv(process.env, !databaseUrl && !mongo);
    if (mongo) {
      if (databaseUrl) parsePostgresUrl(databaseUrl, 'CONSOLE_DATABASE_URL');
      if (process.env.DATABASE_URL)
        log('DATABASE_URL is not used with DATASTORE_PROVIDER=mongodb (the console database is CONSOLE_DATABASE_URL)');
      // Checked before anything starts: unreachable, a standalone server, bad TLS files stop here.
      log(`datastore: MongoDB at ${describeDataStoreTarget(mongo)} (MONGODB_URI)`);
      mongoStore = await openDataStore(mongo);
      await mongoStore.ping();
      if (!mongoStore.capabilities.beforeImages)
        log(
          'change-stream pre-images are off: updates arrive without `before` (MONGODB_ENABLE_PRE_IMAGES=true turns them on, MongoDB 6.0+)',
        );
      if (!simulatorOptions) {
        const checked = mongoStore;
        mongoStore = undefined;
        await checked.close();
      }
    }
    if (stopping) return;
    let embeddedRoles: EmbeddedConsoleRoles | undefined;
    const startEmbedded = async () => {
      if (!embedded) {
        embedded = new EmbeddedDatabase({
          baseDir: defaultEmbeddedBaseDir(root),
          port: intFromEnv('EMBEDDED_PG_PORT', 54329),
          log,
        });
        await embedded.start();
        // The app connects as a role that cannot rewrite the audit log; migrations run as the owner.
        embeddedRoles = await ensureEmbeddedConsoleRoles(embedded.url, defaultEmbeddedBaseDir(root), { log });
      }
      return embeddedRoles!.appUrl;
    };
    const migrationsDir = path.join(root, 'prisma', 'migrations');
    let datastoreEnv: Record<string, string>;
    if (mongo) {
      if (databaseUrl) {
        parsePostgresUrl(databaseUrl, 'CONSOLE_DATABASE_URL');
        log(
          `console database (users, sessions, audit log): the PostgreSQL server at ${describePostgresTarget(databaseUrl)} (CONSOLE_DATABASE_URL)`,
        );
      } else {
        databaseUrl = await startEmbedded();
        log('console database (users, sessions, audit log): the embedded PostgreSQL');
      }
      if (stopping) return;
      await migrateConsoleDatabase(databaseUrl, { env: process.env, embedded: embeddedRoles, log, dir: migrationsDir });
      datastoreEnv = { DATASTORE_PROVIDER: 'mongodb', CONSOLE_DATABASE_URL: databaseUrl };
    } else {
      if (databaseUrl) {
        parsePostgresUrl(databaseUrl);
        log(`using the PostgreSQL server at ${describePostgresTarget(databaseUrl)} (DATABASE_URL)`);
      } else {
        databaseUrl = await startEmbedded();
      }
      if (stopping) return;
      // NVSentinel's schema: created in an empty database, never changed in one NVSentinel set up.
      const prepared = await prepareDatastore(migrationUrlFor(databaseUrl, process.env, embeddedRoles), { log });
      const commitOrder = 'schema' in prepared.verdict && prepared.verdict.schema.commitOrderColumn;
      log(
        `datastore schema: ${describeSchemaVerdict(prepared.verdict)}; change feed in ${commitOrder ? 'commit order (opt-in column present)' : 'id order (no DDL of ours)'}`,
      );
      const consoleSetting = process.env.CONSOLE_DATABASE_URL?.trim() || undefined;
      let consoleUrl: string;
      if (consoleSetting) {
        parsePostgresUrl(consoleSetting, 'CONSOLE_DATABASE_URL');
        consoleUrl = consoleSetting;
        log(`console database: the PostgreSQL server at ${describePostgresTarget(consoleUrl)} (CONSOLE_DATABASE_URL)`);
      } else if (prepared.consoleOwned) {
        consoleUrl = databaseUrl;
      } else if (prepared.consoleSchema) {
        consoleUrl = withSearchPath(databaseUrl, prepared.consoleSchema);
        log(
          `console database: schema ${prepared.consoleSchema} of the datastore's database (created by a DBA for the console)`,
        );
      } else {
        consoleUrl = await startEmbedded();
        log(
          "console database: the embedded PostgreSQL (NVSentinel's database is left as it is; set CONSOLE_DATABASE_URL, or have a DBA create schema sentinel_console, to keep users and the audit log elsewhere)",
        );
      }
      if (stopping) return;
      await migrateConsoleDatabase(consoleUrl, { env: process.env, embedded: embeddedRoles, log, dir: migrationsDir });
      datastoreEnv =
        consoleUrl === databaseUrl
          ? { DATABASE_URL: databaseUrl }
          : { DATABASE_URL: databaseUrl, CONSOLE_DATABASE_URL: consoleUrl };
    }
    // The owner's URL stays with the launcher: neither the app nor the simulator gets it.
    delete process.env.CONSOLE_DATABASE_MIGRATION_URL;
    await prepareSignIn({ ...process.env, ...datastoreEnv }, { log, migrationsDir });
    if (!(await portFree(appPort))) {
      throw new StoreError(
        'config',
        `port ${appPort} is already in use; stop what uses it, or set PORT to a free port`,
      );
    }
    // The simulated cluster gets a Kubernetes API server of its own, which the simulated
    // fault-quarantine cordons through and the console reads, unless a cluster is given.
    let clusterEnv: Record<string, string> = {};
    const clusterAccess = (process.env.CLUSTER_ACCESS ?? 'auto').trim().toLowerCase();
    if (simulatorOptions && !process.env.KUBECONFIG && clusterAccess !== 'off') {
      const kubeconfigFile = path.join(defaultEmbeddedBaseDir(root), 'twin-kubeconfig');
      await mkdir(path.dirname(kubeconfigFile), { recursive: true });
      twin = await startTwinCluster(new EventGenerator(simulatorOptions).nodeNames, { kubeconfigFile });
      // The console shows the breaker with the limits the simulated fault-quarantine uses.
      clusterEnv = {
        KUBECONFIG: kubeconfigFile,
        NVSENTINEL_BREAKER_PERCENTAGE: String(DEMO_BREAKER.percentage),
        NVSENTINEL_BREAKER_WINDOW_SECONDS: String(DEMO_BREAKER.windowMs / 1000),
      };
      log(
        `Kubernetes twin of the simulated cluster on ${twin.api.url} (kubectl: KUBECONFIG=${kubeconfigFile} kubectl get nodes)`,
      );
    }
    // A cluster setting that cannot work stops the start here, naming what is wrong.
    const access = setting(() => clusterAccessFromEnv({ ...process.env, ...clusterEnv }));
    setting(() => breakerLimitsFromEnv(process.env));
    log(
      access
        ? `cluster state: ${access.server} (${access.source}, context ${access.context}, NVSentinel namespace ${access.namespace})`
        : 'cluster state: not connected (no KUBECONFIG, in-cluster account or ~/.kube/config; CLUSTER_ACCESS=off turns it off): Release is not offered',
    );
    const env = { ...process.env, ...datastoreEnv, ...clusterEnv, PORT: String(appPort), NEXT_TELEMETRY_DISABLED: '1' };
    if (!dev) await buildIfNeeded(env);
    if (stopping) return;

    log(`dashboard on http://localhost:${appPort}`);
    // Next.js in our own server (scripts/console-server.ts), which settles forwarding headers first.
    app = run(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(root, 'scripts', 'console-server.ts'),
        ...(dev ? ['--dev'] : []),
        '--port',
        String(appPort),
      ],
      env,
    );
    app.on('exit', (code) => {
      if (!stopping) {
        log(`the dashboard exited (code ${code}); shutting down`);
        void shutdown(code ?? 1);
      }
    });

    if (simulatorOptions) {
      // Through the store SDK, on whichever datastore the dashboard reads.
      const config: DataStoreConfig = mongo ?? {
        provider: 'postgresql',
        connectionString: databaseUrl,
        consoleConnectionString: datastoreEnv.CONSOLE_DATABASE_URL,
      };
      const store = mongoStore ?? (await openDataStore(config));
      mongoStore = undefined; // the simulation owns it now
      const simulator = new ClusterSimulator(store, {
        ...simulatorOptions,
        cluster: twin?.kubeConfig(),
        breaker: DEMO_BREAKER,
        maintenanceTtl: DEMO_MAINTENANCE_TTL,
        onError: (error) => log(`simulator: ${(error as Error).message}`),
      });
      simulation = { store, simulator };
      await simulator.start();
      log(
        `simulating ${simulatorOptions.nodes} GPU nodes at ${simulatorOptions.rate} events/s with NVSentinel's pipeline on ${mongo ? 'MongoDB' : 'PostgreSQL'} (SIMULATOR=off to disable)`,
      );
      if (process.env.SIMULATOR_CONTROL_PORT) {
        const port = intFromEnv('SIMULATOR_CONTROL_PORT', 0);
        simulation.control = await startSimulatorControl(simulator, port).catch((error: Error) => {
          throw new StoreError('config', error.message);
        });
        log(`simulator control on http://127.0.0.1:${port} (pause/resume consumers, settings, poison)`);
      }
    }
  } catch (error) {
    const known =
      error instanceof StoreError ||
      error instanceof EmbeddedDatabaseError ||
      error instanceof SimulatorUsageError ||
      error instanceof SimulatorRefusedError;
    console.error(`[start] error: ${known ? (error as Error).message : (error as Error).stack}`);
    await shutdown(1);
  }
}

void main();
