// An optional second datastore, read side by side with the app's on the Providers page (for
// example NVSentinel's MongoDB next to the PostgreSQL it is moving to): SECONDARY_DATABASE_URL and
// SECONDARY_DATASTORE_PROVIDER. The store itself is opened once per process by lib/server.
import type { DataStoreConfig } from '@/lib/store';

export type Environment = Record<string, string | undefined>;

const PROVIDERS: Record<string, DataStoreConfig['provider']> = {
  postgresql: 'postgresql',
  postgres: 'postgresql',
  pg: 'postgresql',
  mongodb: 'mongodb',
  mongo: 'mongodb',
};

/**
 * The secondary's config, or null when SECONDARY_DATABASE_URL is unset. The provider defaults
 * from the URL's scheme (mongodb:// or mongodb+srv:// is MongoDB, anything else PostgreSQL); a
 * MongoDB URL's path names the database (else NVSentinel's HealthEventsDatabase), with
 * NVSentinel's collection names.
 */
export function secondaryConfigFromEnv(env: Environment = process.env): DataStoreConfig | null {
  const url = env.SECONDARY_DATABASE_URL?.trim();
  if (!url) return null;
  const requested = (
    env.SECONDARY_DATASTORE_PROVIDER?.trim() || (/^mongodb(\+srv)?:/i.test(url) ? 'mongodb' : 'postgresql')
  ).toLowerCase();
  const provider = Object.hasOwn(PROVIDERS, requested) ? PROVIDERS[requested] : undefined;
  if (!provider)
    throw new Error(
      `SECONDARY_DATASTORE_PROVIDER must be postgresql or mongodb (got "${env.SECONDARY_DATASTORE_PROVIDER}")`,
    );
  if (provider === 'postgresql') return { provider, connectionString: url, poolSize: 2 };
  let databaseName = 'HealthEventsDatabase';
  try {
    const path = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    if (path) databaseName = path;
  } catch {
    // The driver reports a malformed URL when it connects.
  }
  return {
    provider,
    uri: url,
    databaseName,
    healthEventsCollection: 'HealthEvents',
    maintenanceEventsCollection: 'MaintenanceEvents',
    tokensCollection: 'ResumeTokens',
  };
}
