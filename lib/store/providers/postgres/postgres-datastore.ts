// The PostgreSQL provider: NVSentinel's tables through `pg` (hot paths, LISTEN, the changelog),
// and the SDK's own tables (consumers, dead letters, retention) in the console database, which is
// the datastore itself unless `consoleConnectionString` names another (docs/decisions.md, "No DDL
// on NVSentinel's database").
import { PrismaPg } from '@prisma/adapter-pg';

import type { PostgresConfig } from '../../config/datastore-config';
import type { ChangelogRetentionResult, DataStore, ProviderStats } from '../../datastore';
import type { ChangeFeed, ChangeFeedOptions } from '../../feed/change-feed';
import { assertConsumerName } from '../../feed/consumer-name';
import { StoreError } from '../../errors/store-error';
import { ValidationError } from '../../errors/validation-error';
import type { EventCount } from '../../model/event-count';
import type { NodeStateRead, NodeStateReadOptions } from '../../node-state-read';
import type { OperationObserver } from '../../metrics/operation-metrics';
import { PrismaClient } from '../../../generated/prisma/client';
import { ProviderDataStore } from '../provider-datastore';
import { describeTarget, parsePostgresUrl } from './connection-error';
import { retainChangelog } from './feed/changelog-retention';
import { decodeCheckpoint, encodeCheckpoint } from './feed/feed-checkpoint';
import { PostgresChangeFeed } from './feed/postgres-change-feed';
import { PostgresConsumerRegistry } from './feed/postgres-consumer-registry';
import { PostgresConnection } from './postgres-connection';
import { PostgresDeadLetterStore } from './postgres-dead-letter-store';
import { PostgresHealthEventStore } from './postgres-health-event-store';
import { PostgresMaintenanceEventStore } from './postgres-maintenance-event-store';

export class PostgresDataStore extends ProviderDataStore<PostgresChangeFeed> implements DataStore {
  readonly provider = 'postgresql' as const;
  readonly capabilities = { changelogRetention: true, exactDocumentsBehind: true, beforeImages: true };
  readonly target: string;
  private readonly connection: PostgresConnection;
  /** The console database's connection: the datastore's own when they are one database. */
  private readonly consoleConnection: PostgresConnection;
  private readonly prisma: PrismaClient;
  protected readonly healthEventStore: PostgresHealthEventStore;
  protected readonly maintenanceEventStore: PostgresMaintenanceEventStore;
  protected readonly registry: PostgresConsumerRegistry;
  protected readonly deadLetterStore: PostgresDeadLetterStore;

  constructor(private readonly config: PostgresConfig) {
    super();
    parsePostgresUrl(config.connectionString);
    this.target = describeTarget(config.connectionString);
    this.connection = new PostgresConnection({
      connectionString: config.connectionString,
      ssl: config.ssl || undefined,
      poolSize: config.poolSize,
    });
    const apart =
      config.consoleConnectionString !== undefined && config.consoleConnectionString !== config.connectionString;
    this.consoleConnection = apart
      ? new PostgresConnection(
          { connectionString: config.consoleConnectionString!, poolSize: 4 },
          this.connection.metrics,
        )
      : this.connection;
    this.prisma = new PrismaClient({ adapter: new PrismaPg(this.consoleConnection.pool) });
    this.healthEventStore = new PostgresHealthEventStore(this.connection);
    this.maintenanceEventStore = new PostgresMaintenanceEventStore(this.connection);
    this.registry = new PostgresConsumerRegistry(this.connection, this.consoleConnection);
    this.deadLetterStore = new PostgresDeadLetterStore(this.prisma, this.consoleConnection);
  }

  async changes(consumer: string, options: ChangeFeedOptions = {}): Promise<ChangeFeed> {
    this.connection.assertOpen();
    assertConsumerName(consumer);
    return this.openFeed(consumer, async (onClose) => {
      // Fail now, not on first iteration, for an unknown consumer, a lost position or a bad checkpoint.
      if (options.durable === false && options.from === undefined)
        throw new StoreError(
          'invalid',
          'from: a feed that keeps no position (durable: false) starts from a checkpoint',
        );
      if (options.durable !== false) await this.registry.loadPosition(consumer);
      if (options.from !== undefined) decodeCheckpoint(await this.registry.changelogOrder(), options.from);
      return new PostgresChangeFeed(consumer, this.connection, this.registry, {
        ...options,
        listenConnectionString: this.config.connectionString,
        onClose,
      });
    });
  }

  /**
   * One REPEATABLE READ transaction: the four reads and the changelog's head see the same committed
   * data, so the checkpoint has passed exactly the changes the reads saw. Run one after another on
   * its one connection; for a page of nodes each read uses NVSentinel's node_name index.
   */
  async readNodeState(options: NodeStateReadOptions = {}): Promise<NodeStateRead> {
    const nodeNames = options.nodeNames;
    if (nodeNames !== undefined && (!Array.isArray(nodeNames) || !nodeNames.every((name) => typeof name === 'string')))
      throw new ValidationError('nodeNames', 'must be a list of node names');
    const order = await this.registry.changelogOrder();
    return this.connection.readSnapshot('nodeState.read', async (snapshot) => {
      const events = new PostgresHealthEventStore(snapshot);
      const head = await order.snapshotHead(snapshot);
      const latestPerCheck = await events.latestPerCheck(nodeNames);
      const decisions = await events.latestQuarantineDecisions(nodeNames);
      const latestPerNode = await events.latestPerNode(nodeNames);
      const fatalCounts = await events.countByNode({ isFatal: true, ...(nodeNames ? { nodeNames } : {}) });
      const eventCounts: EventCount[][] = [];
      for (const request of options.eventCounts ?? [])
        eventCounts.push(await events.countByDimension(request, nodeNames ? { nodeNames } : undefined));
      return {
        latestPerCheck,
        decisions,
        latestPerNode,
        fatalCounts,
        ...(options.eventCounts ? { eventCounts } : {}),
        checkpoint: encodeCheckpoint(order, head.state, head.changedAt),
      };
    });
  }

  retainChangelog(options: { maxAgeMs: number }): Promise<ChangelogRetentionResult> {
    return retainChangelog(this.connection, this.consoleConnection, this.registry, options);
  }

  async stats(): Promise<ProviderStats> {
    const changelog = await this.connection.query<{ rows: string; oldest: Date | null }>(
      'stats.changelog',
      `SELECT (SELECT reltuples::bigint FROM pg_class WHERE oid = 'datastore_changelog'::regclass) AS rows,
              (SELECT changed_at FROM datastore_changelog ORDER BY id LIMIT 1) AS oldest`,
    );
    const holdBack = await this.registry.horizonHoldBack();
    return {
      provider: this.provider,
      operations: this.connection.metrics.snapshot(),
      pool: this.connection.pooledConnections(),
      feedStorage: {
        kind: 'changelog',
        label: 'Changelog',
        rows: Math.max(0, Number(changelog.rows[0].rows)),
        oldestAt: changelog.rows[0].oldest,
        holdBackSeconds: holdBack.oldestOpenTransactionSeconds,
        heldBackRows: holdBack.heldBackRows,
      },
    };
  }

  observeOperations(observer: OperationObserver): () => void {
    return this.connection.metrics.observe(observer);
  }

  ping(): Promise<{ latencyMs: number }> {
    return ProviderDataStore.timedPing(() => this.connection.query('ping', 'SELECT 1'));
  }

  async close(): Promise<void> {
    if (this.connection.isClosed) return;
    await this.closeOpenFeeds();
    await this.prisma.$disconnect().catch(() => {});
    if (this.consoleConnection !== this.connection) await this.consoleConnection.close();
    await this.connection.close();
  }
}

export async function openPostgresDataStore(config: PostgresConfig): Promise<DataStore> {
  return new PostgresDataStore(config);
}
