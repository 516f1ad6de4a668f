// The MongoDB provider: NVSentinel's collections (HealthEvents, MaintenanceEvents, ResumeTokens)
// in its own layout, plus two collections of ours (ConsoleConsumers, ConsoleDeadLetters), through
// the official driver. Loaded lazily by open-mongo-datastore.ts, so PostgreSQL users never load it.
import type { MongoConfig } from '../../config/datastore-config';
import type { DataStore, ProviderCapabilities, ProviderStats } from '../../datastore';
import { StoreError } from '../../errors/store-error';
import type { ChangeFeed, ChangeFeedOptions } from '../../feed/change-feed';
import { assertConsumerName } from '../../feed/consumer-name';
import type { OperationObserver } from '../../metrics/operation-metrics';
import type { NodeStateRead, NodeStateReadOptions } from '../../node-state-read';
import { MongoChangeFeed } from './feed/mongo-change-feed';
import { MongoConsumerRegistry } from './feed/mongo-consumer-registry';
import { oplogWindow, type OplogReading } from './feed/oplog-window';
import { MongoConnection } from './mongo-connection';
import { MongoDeadLetterStore } from './mongo-dead-letter-store';
import { MongoHealthEventStore } from './mongo-health-event-store';
import { MongoMaintenanceEventStore } from './mongo-maintenance-event-store';
import { readNodeStateSnapshot } from './node-state-snapshot';
import { preImagesEnabledOn, refuseWithoutChangeStreams, supportsPreImages } from './mongo-topology';
import { ProviderDataStore } from '../provider-datastore';

export class MongoDataStore extends ProviderDataStore<MongoChangeFeed> implements DataStore {
  readonly provider = 'mongodb' as const;
  readonly capabilities: ProviderCapabilities;
  readonly target: string;
  protected readonly healthEventStore: MongoHealthEventStore;
  protected readonly maintenanceEventStore: MongoMaintenanceEventStore;
  protected readonly registry: MongoConsumerRegistry;
  protected readonly deadLetterStore: MongoDeadLetterStore;

  private constructor(
    private readonly connection: MongoConnection,
    beforeImages: boolean,
  ) {
    super();
    this.capabilities = { changelogRetention: false, exactDocumentsBehind: false, beforeImages };
    this.target = connection.target;
    this.healthEventStore = new MongoHealthEventStore(connection);
    this.maintenanceEventStore = new MongoMaintenanceEventStore(connection);
    this.registry = new MongoConsumerRegistry(connection);
    this.deadLetterStore = new MongoDeadLetterStore(connection);
  }

  static async open(config: MongoConfig): Promise<MongoDataStore> {
    const connection = await MongoConnection.open(config);
    let beforeImages: boolean;
    try {
      if (config.enablePreImages) await enablePreImages(connection);
      beforeImages = config.enablePreImages === true || (await preImagesOn(connection));
    } catch (error) {
      await connection.close().catch(() => {});
      throw error;
    }
    return new MongoDataStore(connection, beforeImages);
  }

  /** The four reads at one cluster time, side by side (node-state-snapshot.ts); MongoDB 5.0+. */
  readNodeState(options?: NodeStateReadOptions): Promise<NodeStateRead> {
    return readNodeStateSnapshot(this.connection, options);
  }

  /** `options.from` is checked as the feed is made (a ValidationError naming `checkpoint`), before any read. */
  async changes(consumer: string, options: ChangeFeedOptions = {}): Promise<ChangeFeed> {
    this.connection.assertOpen();
    assertConsumerName(consumer);
    refuseWithoutChangeStreams(this.connection.facts, this.connection.target);
    const feed = await this.openFeed(
      consumer,
      (onClose) =>
        new MongoChangeFeed(consumer, this.connection, this.registry, {
          ...options,
          preImages: supportsPreImages(this.connection.facts),
          onClose,
        }),
    );
    try {
      await feed.open();
    } catch (error) {
      await feed.close();
      throw error;
    }
    return feed;
  }

  /** The oplog window stands in for the changelog; unreadable (not zero) when this user may not read local.oplog.rs. */
  async stats(): Promise<ProviderStats> {
    const reading = await this.connection.run('stats.oplog', () => readOplog(this.connection));
    return {
      provider: this.provider,
      operations: this.connection.metrics.snapshot(),
      pool: this.connection.pooledConnections(),
      feedStorage: oplogWindow(reading),
    };
  }

  observeOperations(observer: OperationObserver): () => void {
    return this.connection.metrics.observe(observer);
  }

  ping(): Promise<{ latencyMs: number }> {
    return ProviderDataStore.timedPing(() =>
      this.connection.run('ping', () => this.connection.db.command({ ping: 1 })),
    );
  }

  async close(): Promise<void> {
    if (this.connection.isClosed) return;
    await this.closeOpenFeeds();
    await this.connection.close();
  }
}

/** The oplog's first and last entries, count, size and cap; null when this user may not read it. */
async function readOplog(connection: MongoConnection): Promise<OplogReading | null> {
  const oplog = connection.client.db('local').collection('oplog.rs');
  const edge = (direction: 1 | -1) =>
    oplog
      .find({}, { projection: { ts: 1 } })
      .sort({ $natural: direction })
      .limit(1)
      .next();
  let first, last;
  try {
    [first, last] = await Promise.all([edge(1), edge(-1)]);
  } catch {
    return null;
  }
  const [entries, storage] = await Promise.all([
    oplog.estimatedDocumentCount().catch(() => null),
    oplog
      .aggregate<{ storageStats?: { size?: number; maxSize?: number } }>([{ $collStats: { storageStats: {} } }])
      .next()
      .catch(() => null),
  ]);
  return {
    oldest: (first?.ts as OplogReading['oldest'] | undefined) ?? null,
    newest: (last?.ts as OplogReading['newest'] | undefined) ?? null,
    entries,
    sizeBytes: storage?.storageStats?.size ?? null,
    maxSizeBytes: storage?.storageStats?.maxSize ?? null,
  };
}

/**
 * Whether change-stream pre-images are on for both watched collections (so updates carry
 * `before`). A collection that does not exist yet has none; a user who may not list
 * collections is told false.
 */
async function preImagesOn(connection: MongoConnection): Promise<boolean> {
  if (!supportsPreImages(connection.facts)) return false;
  const { healthEvents, maintenanceEvents } = connection.names;
  try {
    const found = await connection.run('schema.preImages', () =>
      connection.db.listCollections({ name: { $in: [healthEvents, maintenanceEvents] } }).toArray(),
    );
    return preImagesEnabledOn(found, [healthEvents, maintenanceEvents]);
  } catch {
    return false;
  }
}

/**
 * Turns on change-stream pre-images for the two watched collections (creating them if missing),
 * so feeds can deliver `before` for updates. Opt-in (MONGODB_ENABLE_PRE_IMAGES): it changes
 * collection options of NVSentinel's database and needs collMod.
 */
async function enablePreImages(connection: MongoConnection): Promise<void> {
  if (!supportsPreImages(connection.facts)) {
    throw new StoreError(
      'config',
      `MONGODB_ENABLE_PRE_IMAGES needs MongoDB 6.0 or newer; ${connection.target} is older`,
    );
  }
  const { healthEvents, maintenanceEvents } = connection.names;
  await connection.run(
    'schema.preImages',
    async () => {
      const existing = new Map(
        (await connection.db.listCollections({ name: { $in: [healthEvents, maintenanceEvents] } }).toArray()).map(
          (c) => [c.name, c],
        ),
      );
      for (const name of [healthEvents, maintenanceEvents]) {
        const info = existing.get(name) as
          { options?: { changeStreamPreAndPostImages?: { enabled?: boolean } } } | undefined;
        if (!info) await connection.db.createCollection(name, { changeStreamPreAndPostImages: { enabled: true } });
        else if (info.options?.changeStreamPreAndPostImages?.enabled !== true) {
          await connection.db.command({ collMod: name, changeStreamPreAndPostImages: { enabled: true } });
        }
      }
    },
    'turn on change-stream pre-images (collMod; unset MONGODB_ENABLE_PRE_IMAGES to skip)',
  );
}
