// What `npm start` does before it serves, for a deployment whose server starts on its own (the
// image's init container, deploy/kubernetes/deployment.yaml; scripts/build-standalone.ts bundles
// this file to console-prepare.mjs in the image's tree):
//   - every setting the launcher checks is checked here, and one that cannot work stops the pod here
//     with one line naming it (trusted proxies, /metrics access, cluster access, breaker limits);
//   - NVSentinel's schema: read, refused when newer than this console knows; created only in an
//     empty database (as npm start does), never changed in one NVSentinel set up;
//   - the console's tables migrated as their owner (CONSOLE_DATABASE_MIGRATION_URL, which only this
//     step is given: the server's container never holds it) and the app role's grants set again;
//   - the first admin of a console without users (CONSOLE_ADMIN_PASSWORD, or a generated password
//     printed once, in this container's log).
// Exits 0 when the server may start, 1 with `[prepare] error: …` when not. From a checkout:
//   DATABASE_URL=… CONSOLE_DATABASE_URL=… node --import tsx scripts/console-prepare.ts
import path from 'node:path';

import { clusterAccessFromEnv } from '../lib/cluster/cluster-access';
import { breakerLimitsFromEnv } from '../lib/cluster/circuit-breaker-view';
import { prepareSignIn } from '../lib/auth/prepare-sign-in';
import { migrateConsoleDatabase, migrationUrlFor } from '../lib/console-database/console-migrations';
import { describeMetricsAccess, metricsAccessFromEnv } from '../lib/metrics/metrics-access';
import { trustedProxiesFromEnv } from '../lib/security/trusted-proxies';
import { configFromEnv, datastoreProviderFromEnv, StoreError, type Environment } from '../lib/store';
import {
  describePostgresTarget,
  describeSchemaVerdict,
  parsePostgresUrl,
  prepareDatastore,
  withSearchPath,
} from '../lib/store/postgres';

const log = (line: string) => console.log(`[prepare] ${line}`);

/** A setting read by `read`, whose refusal is the step's one error line. */
function setting<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new StoreError('config', (error as Error).message);
  }
}

/**
 * Where the console's tables are, as the server will find them. The server is not given the
 * launcher's choice (npm start hands it CONSOLE_DATABASE_URL): it reads CONSOLE_DATABASE_URL, else
 * the datastore's database. So a schema a DBA made in NVSentinel's database must be named in
 * CONSOLE_DATABASE_URL, and a database NVSentinel set up needs a console database of its own.
 */
async function consoleDatabaseUrl(env: Environment): Promise<string> {
  const consoleSetting = env.CONSOLE_DATABASE_URL?.trim() || undefined;
  if (consoleSetting) parsePostgresUrl(consoleSetting, 'CONSOLE_DATABASE_URL');
  if (datastoreProviderFromEnv(env) === 'mongodb') {
    setting(() => configFromEnv(env));
    if (!consoleSetting)
      throw new StoreError(
        'config',
        'DATASTORE_PROVIDER=mongodb needs CONSOLE_DATABASE_URL for users, sessions and the audit log',
      );
    return consoleSetting;
  }
  const datastore = setting(() => configFromEnv(env));
  if (datastore.provider !== 'postgresql') throw new StoreError('config', 'unreachable: provider changed');
  log(`datastore: the PostgreSQL server at ${describePostgresTarget(datastore.connectionString)}`);
  const prepared = await prepareDatastore(migrationUrlFor(datastore.connectionString, env), {
    log,
    ssl: datastore.ssl,
  });
  log(`datastore schema: ${describeSchemaVerdict(prepared.verdict)}`);
  if (consoleSetting) return consoleSetting;
  if (prepared.consoleOwned) return datastore.connectionString;
  const schemaUrl = prepared.consoleSchema && withSearchPath(datastore.connectionString, prepared.consoleSchema);
  throw new StoreError(
    'config',
    schemaUrl
      ? `the console's tables go to schema ${prepared.consoleSchema} of the datastore's database, which the server finds only when told: set CONSOLE_DATABASE_URL to the datastore's URL with ?${new URL(schemaUrl).search.slice(1)} (for this step and the server)`
      : 'the datastore is NVSentinel\'s database, which the console does not change: set CONSOLE_DATABASE_URL to a database for the console\'s tables, or have a DBA create schema sentinel_console (README, "What the console needs from a DBA")',
  );
}

async function main(): Promise<void> {
  const env: Environment = { ...process.env };
  log(
    `forwarding headers (X-Forwarded-For, -Host, -Proto) believed from: ${setting(() => trustedProxiesFromEnv(env)).description} (CONSOLE_TRUSTED_PROXIES)`,
  );
  log(describeMetricsAccess(setting(() => metricsAccessFromEnv(env))));
  const access = setting(() => clusterAccessFromEnv(env));
  setting(() => breakerLimitsFromEnv(env));
  log(
    access
      ? `cluster state: ${access.server} (${access.source}, context ${access.context}, NVSentinel namespace ${access.namespace})`
      : 'cluster state: not connected (no KUBECONFIG or in-cluster service account; CLUSTER_ACCESS=off turns it off): Release is not offered',
  );
  const consoleUrl = await consoleDatabaseUrl(env);
  log(`console database: the PostgreSQL server at ${describePostgresTarget(consoleUrl)}`);
  // The runner's default (MIGRATIONS_DIR, else prisma/migrations where the step runs: the tree's root).
  const migrationsDir = env.MIGRATIONS_DIR ?? path.join(process.cwd(), 'prisma', 'migrations');
  await migrateConsoleDatabase(consoleUrl, { env, log, dir: migrationsDir });
  // As in npm start: the owner's URL stays with the migrations.
  delete env.CONSOLE_DATABASE_MIGRATION_URL;
  // The server's own view of where the tables are (CONSOLE_DATABASE_URL, else the datastore's).
  await prepareSignIn(env, { log, migrationsDir });
  log('ready: the console server may start');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const known = error instanceof StoreError;
    console.error(`[prepare] error: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}`);
    process.exit(1);
  },
);
