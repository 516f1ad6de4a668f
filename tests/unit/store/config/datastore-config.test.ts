// Configuration from NVSentinel's environment variable names.
import { describe, expect, it } from 'vitest';

import { configFromEnv } from '@/lib/store';

describe('datastore configuration from the environment', () => {
  it('builds a PostgreSQL URL from DATASTORE_* the way NVSentinel deployments set them', () => {
    const config = configFromEnv({
      DATASTORE_PROVIDER: 'postgresql',
      DATASTORE_HOST: 'pg.nvsentinel.svc',
      DATASTORE_PORT: '5433',
      DATASTORE_DATABASE: 'nvsentinel',
      DATASTORE_USERNAME: 'postgresql',
      DATASTORE_PASSWORD: 'p@ss/word',
    });
    expect(config).toMatchObject({
      provider: 'postgresql',
      connectionString: 'postgresql://postgresql:p%40ss%2Fword@pg.nvsentinel.svc:5433/nvsentinel',
    });
  });

  it('prefers DATABASE_URL', () => {
    expect(configFromEnv({ DATABASE_URL: 'postgresql://u@h/db' })).toMatchObject({
      provider: 'postgresql',
      connectionString: 'postgresql://u@h/db',
    });
  });

  it('reads the MongoDB names with NVSentinel defaults', () => {
    expect(configFromEnv({ DATASTORE_PROVIDER: 'mongodb', MONGODB_URI: 'mongodb://m/?replicaSet=rs0' })).toEqual({
      provider: 'mongodb',
      uri: 'mongodb://m/?replicaSet=rs0',
      databaseName: 'HealthEventsDatabase',
      healthEventsCollection: 'HealthEvents',
      maintenanceEventsCollection: 'MaintenanceEvents',
      tokensCollection: 'ResumeTokens',
      clientCertDir: undefined,
    });
  });

  it('refuses what it cannot use, naming the variable', () => {
    expect(() => configFromEnv({ DATASTORE_PROVIDER: 'cassandra' })).toThrow(
      'DATASTORE_PROVIDER must be postgresql or mongodb (got "cassandra")',
    );
    expect(() => configFromEnv({ DATASTORE_PROVIDER: 'postgresql' })).toThrow(/set DATABASE_URL, or DATASTORE_HOST/);
    expect(() => configFromEnv({ DATABASE_URL: 'postgresql://h/db', DATASTORE_SSLMODE: 'sometimes' })).toThrow(
      /DATASTORE_SSLMODE must be one of/,
    );
    expect(() =>
      configFromEnv({
        DATABASE_URL: 'postgresql://h/db',
        DATASTORE_SSLMODE: 'verify-full',
        DATASTORE_SSLROOTCERT: '/nonexistent/ca.crt',
      }),
    ).toThrow('DATASTORE_SSLROOTCERT names /nonexistent/ca.crt, which cannot be read');
    expect(() => configFromEnv({ DATASTORE_PROVIDER: 'mongodb' })).toThrow(/needs MONGODB_URI/);
  });
});
