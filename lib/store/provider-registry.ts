// A new database is one folder under providers/ plus one registerProvider call.
import type { DataStoreConfig } from './config/datastore-config';
import type { DataStore, ProviderName } from './datastore';
import { StoreError } from './errors/store-error';

export type ProviderFactory<C extends DataStoreConfig = DataStoreConfig> = (config: C) => Promise<DataStore>;

const factories = new Map<ProviderName, ProviderFactory>();

export function registerProvider<C extends DataStoreConfig>(name: C['provider'], factory: ProviderFactory<C>): void {
  factories.set(name, factory as ProviderFactory);
}

export function providerFactory(name: ProviderName): ProviderFactory {
  const factory = factories.get(name);
  if (!factory)
    throw new StoreError(
      'config',
      `no store provider "${name}" is registered (known: ${[...factories.keys()].join(', ') || 'none'})`,
    );
  return factory;
}
