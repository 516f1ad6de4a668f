// The MongoDB provider: NVSentinel's collections (HealthEvents, MaintenanceEvents, ResumeTokens)
// in its own layout, plus two collections of ours (ConsoleConsumers, ConsoleDeadLetters), through
// the official driver. Loaded lazily by open-mongo-datastore.ts, so PostgreSQL users never load it.
import type { MongoConfig } from '../../config/datastore-config';
import type { ConsumerRegistry, DataStore, ProviderStats } from '../../datastore';
import { StoreError } from '../../errors/store-error';
import type { ChangeFeed, ChangeFeedOptions } from '../../feed/change-feed';
import { assertConsumerName } from '../../feed/consumer-name';
import type { OperationObserver } from '../../metrics/operation-metrics';
import { MongoChangeFeed } from './feed/mongo-change-feed';
import { MongoConsumerRegistry } from './feed/mongo-consumer-registry';
import { MongoConnection } from './mongo-connection';
import { MongoDeadLetterStore } from './mongo-dead-letter-store';
import { MongoHealthEventStore } from './mongo-health-event-store';
import { MongoMaintenanceEventStore } from './mongo-maintenance-event-store';
import { refuseWithoutChangeStreams, supportsPreImages, timestampDate } from './mongo-topology';

export class MongoDataStore implements DataStore {
  readonly provider = 'mongodb' as const;
  readonly capabilities = { changelogRetention: false, exactDocumentsBehind: false };
  private readonly healthEventStore: MongoHealthEventStore;
  private readonly maintenanceEventStore: MongoMaintenanceEventStore;
  private readonly registry: MongoConsumerRegistry;
  private readonly deadLetterStore: MongoDeadLetterStore;
  private readonly openFeeds = new Map<string, MongoChangeFeed>();

  private constructor(private readonly connection: MongoConnection) {
    this.healthEventStore = new MongoHealthEventStore(connection);
    this.maintenanceEventStore = new MongoMaintenanceEventStore(connection);
    this.registry = new MongoConsumerRegistry(connection);
    this.deadLetterStore = new MongoDeadLetterStore(connection);
  }

  static async open(config: MongoConfig): Promise<MongoDataStore> {
    const connection = await MongoConnection.open(config);
    try {
      if (config.enablePreImages) await enablePreImages(connection);
    } catch (error) {
      await connection.close().catch(() => {});
      throw error;
    }
    return new MongoDataStore(connection);
  }

  healthEvents() {
    return this.healthEventStore;
  }

  maintenanceEvents() {
    return this.maintenanceEventStore;
  }

  deadLetters() {
    return this.deadLetterStore;
  }

  consumers(): ConsumerRegistry {
    const registry = this.registry;
    return {
      register: (name, options) => registry.register(name, options?.startAt ?? 'beginning'),
      restart: (name, options) => registry.restart(name, options.startAt),
      names: () => registry.names(),
      lag: () => registry.lag(),
    };
  }

  async changes(consumer: string, options: ChangeFeedOptions = {}): Promise<ChangeFeed> {
    this.connection.assertOpen();
    assertConsumerName(consumer);
    refuseWithoutChangeStreams(this.connection.facts, this.connection.target);
    if (this.openFeeds.has(consumer)) {
      throw new StoreError('feed-in-use', `a change feed for "${consumer}" is already open on this datastore; close it first (two readers would split its events)`);
    }
    const feed = new MongoChangeFeed(consumer, this.connection, this.registry, {
      ...options,
      preImages: supportsPreImages(this.connection.facts),
      onClose: () => {
        if (this.openFeeds.get(consumer) === feed) this.openFeeds.delete(consumer);
      },
    });
    this.openFeeds.set(consumer, feed);
    try {
      await feed.open();
    } catch (error) {
      await feed.close();
      throw error;
    }
    return feed;
  }

  /** The oplog window stands in for the changelog, when this user may read local.oplog.rs. */
  async stats(): Promise<ProviderStats> {
    let changeLog: ProviderStats['changeLog'] = null;
    const oldest = await this.registry.oldestOplogTime();
    if (oldest) {
      const rows = await this.connection.client.db('local').collection('oplog.rs').estimatedDocumentCount().catch(() => 0);
      changeLog = { rows, oldestAt: timestampDate(oldest) };
    }
    return { provider: this.provider, operations: this.connection.metrics.snapshot(), pool: this.connection.pooledConnections(), changeLog };
  }

  observeOperations(observer: OperationObserver): () => void {
    return this.connection.metrics.observe(observer);
  }

  async ping(): Promise<{ latencyMs: number }> {
    const started = performance.now();
    await this.connection.run('ping', () => this.connection.db.command({ ping: 1 }));
    return { latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  }

  async close(): Promise<void> {
    if (this.connection.isClosed) return;
    await Promise.all([...this.openFeeds.values()].map((feed) => feed.close()));
    await this.connection.close();
  }
}

/**
 * Turns on change-stream pre-images for the two watched collections (creating them if missing),
 * so feeds can deliver `before` for updates. Opt-in (MONGODB_ENABLE_PRE_IMAGES): it changes
 * collection options of NVSentinel's database and needs collMod.
 */
async function enablePreImages(connection: MongoConnection): Promise<void> {
  if (!supportsPreImages(connection.facts)) {
    throw new StoreError('config', `MONGODB_ENABLE_PRE_IMAGES needs MongoDB 6.0 or newer; ${connection.target} is older`);
  }
  const { healthEvents, maintenanceEvents } = connection.names;
  await connection.run('schema.preImages', async () => {
    const existing = new Map((await connection.db.listCollections({ name: { $in: [healthEvents, maintenanceEvents] } }).toArray()).map((c) => [c.name, c]));
    for (const name of [healthEvents, maintenanceEvents]) {
      const info = existing.get(name) as { options?: { changeStreamPreAndPostImages?: { enabled?: boolean } } } | undefined;
      if (!info) await connection.db.createCollection(name, { changeStreamPreAndPostImages: { enabled: true } });
      else if (info.options?.changeStreamPreAndPostImages?.enabled !== true) {
        await connection.db.command({ collMod: name, changeStreamPreAndPostImages: { enabled: true } });
      }
    }
  }, 'turn on change-stream pre-images (collMod; unset MONGODB_ENABLE_PRE_IMAGES to skip)');
}
