// SECONDARY_DATASTORE_PROVIDER is looked up among the aliases' own keys only.
import { describe, expect, it } from 'vitest';

import { secondaryConfigFromEnv } from '@/lib/context/secondary-datastore-config';

describe('secondaryConfigFromEnv', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'refuses the provider %j, naming the variable',
    (provider) => {
      expect(() =>
        secondaryConfigFromEnv({ SECONDARY_DATABASE_URL: 'postgresql://h/db', SECONDARY_DATASTORE_PROVIDER: provider }),
      ).toThrow(`SECONDARY_DATASTORE_PROVIDER must be postgresql or mongodb (got "${provider}")`);
    },
  );

  it('still reads the known providers', () => {
    expect(
      secondaryConfigFromEnv({ SECONDARY_DATABASE_URL: 'postgresql://h/db', SECONDARY_DATASTORE_PROVIDER: 'pg' }),
    ).toMatchObject({ provider: 'postgresql' });
    expect(secondaryConfigFromEnv({ SECONDARY_DATABASE_URL: 'mongodb://h/db' })).toMatchObject({ provider: 'mongodb' });
  });
});
