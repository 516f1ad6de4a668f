// The provider's MongoClient: every operation goes through `run`, so driver errors become
// StoreErrors that name the server, a closed store refuses work clearly, and every operation's
// latency is recorded. Opening checks the server can serve change streams before anything else.
import { MongoClient, type Collection, type Db, type Document, type Timestamp } from 'mongodb';

import type { MongoConfig } from '../../config/datastore-config';
import { StoreError } from '../../errors/store-error';
import { OperationMetrics } from '../../metrics/operation-metrics';
import { buildClientOptions } from './mongo-client-options';
import { describeTarget, translateMongoError } from './mongo-errors';
import { clusterTimeOf, describeServer, refuseWithoutChangeStreams, type ServerFacts } from './mongo-topology';

export interface CollectionNames {
  healthEvents: string;
  maintenanceEvents: string;
  tokens: string;
  consumers: string;
  deadLetters: string;
}

export function collectionNames(config: MongoConfig): CollectionNames {
  return {
    healthEvents: config.healthEventsCollection,
    maintenanceEvents: config.maintenanceEventsCollection,
    tokens: config.tokensCollection,
    consumers: config.consumersCollection ?? 'ConsoleConsumers',
    deadLetters: config.deadLetterCollection ?? 'ConsoleDeadLetters',
  };
}

export class MongoConnection {
  readonly metrics = new OperationMetrics();
  readonly names: CollectionNames;
  readonly target: string;
  private closed = false;

  private constructor(
    readonly client: MongoClient,
    readonly config: MongoConfig,
    readonly facts: ServerFacts,
    private readonly pool: { open: number; checkedOut: number; waiting: number },
  ) {
    this.names = collectionNames(config);
    this.target = describeTarget(config.uri, config.databaseName);
  }

  /** Connects, authenticates and refuses a server without change streams, each with a clear error. */
  static async open(config: MongoConfig): Promise<MongoConnection> {
    const target = describeTarget(config.uri, config.databaseName);
    const { options } = buildClientOptions(config);
    let client: MongoClient;
    try {
      client = new MongoClient(config.uri, options);
    } catch (error) {
      throw translateMongoError(error, target, 'connect');
    }
    const pool = { open: 0, checkedOut: 0, waiting: 0 };
    client.on('connectionCreated', () => (pool.open += 1));
    client.on('connectionClosed', () => (pool.open = Math.max(0, pool.open - 1)));
    client.on('connectionCheckOutStarted', () => (pool.waiting += 1));
    client.on('connectionCheckedOut', () => {
      pool.waiting = Math.max(0, pool.waiting - 1);
      pool.checkedOut += 1;
    });
    client.on('connectionCheckOutFailed', () => (pool.waiting = Math.max(0, pool.waiting - 1)));
    client.on('connectionCheckedIn', () => (pool.checkedOut = Math.max(0, pool.checkedOut - 1)));
    try {
      await client.connect();
      const facts = describeServer(await client.db(config.databaseName).command({ hello: 1 }));
      refuseWithoutChangeStreams(facts, target);
      return new MongoConnection(client, config, facts, pool);
    } catch (error) {
      await client.close().catch(() => {});
      throw translateMongoError(error, target, 'connect');
    }
  }

  get db(): Db {
    return this.client.db(this.config.databaseName);
  }

  collection<T extends Document = Document>(name: string): Collection<T> {
    return this.db.collection<T>(name);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  assertOpen(): void {
    if (this.closed) throw new StoreError('closed', 'the datastore is closed; open a new one with openDataStore()');
  }

  translate(error: unknown, operation?: string): unknown {
    return translateMongoError(error, this.target, operation);
  }

  /** Runs one store operation: refused when closed, timed, errors translated. */
  async run<T>(operation: string, work: () => Promise<T>, action?: string): Promise<T> {
    this.assertOpen();
    try {
      return await this.metrics.time(operation, work);
    } catch (error) {
      throw this.translate(error, action);
    }
  }

  /** The cluster's newest majority-committed time (what change streams can have delivered). */
  async clusterTime(): Promise<Timestamp> {
    const reply = await this.run('clusterTime', () => this.db.command({ hello: 1 }));
    const time = clusterTimeOf(reply);
    if (!time)
      throw new StoreError(
        'connect',
        `MongoDB at ${this.target} did not report its cluster time (is it a replica set?)`,
      );
    return time;
  }

  pooledConnections(): { total: number; idle: number; waiting: number; max: number } {
    const max = this.client.options.maxPoolSize ?? 100;
    return {
      total: this.pool.open,
      idle: Math.max(0, this.pool.open - this.pool.checkedOut),
      waiting: this.pool.waiting,
      max,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }
}
