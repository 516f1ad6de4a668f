// The MongoDB provider's entry point, kept free of the driver: the driver and the provider load
// on the first openDataStore() with provider mongodb, so PostgreSQL users never pay for them.
import type { MongoConfig } from '../../config/datastore-config';
import type { DataStore } from '../../datastore';

export async function openMongoDataStore(config: MongoConfig): Promise<DataStore> {
  const { MongoDataStore } = await import('./mongo-datastore');
  return MongoDataStore.open(config);
}
