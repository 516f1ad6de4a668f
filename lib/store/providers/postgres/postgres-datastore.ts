// The PostgreSQL provider: NVSentinel's tables through `pg` (hot paths, LISTEN, the changelog),
// and the SDK's own tables (consumers, dead letters, retention) in the console database, which is
// the datastore itself unless `consoleConnectionString` names another (docs/decisions.md, "No DDL
// on NVSentinel's database").
import { PrismaPg } from '@prisma/adapter-pg';

import type { PostgresConfig } from '../../config/datastore-config';
import type { ChangelogRetentionResult, DataStore, ProviderStats } from '../../datastore';
import type { ChangeFeed, ChangeFeedOptions } from '../../feed/change-feed';
import { assertConsumerName } from '../../feed/consumer-name';
import type { OperationObserver } from '../../metrics/operation-metrics';
import { PrismaClient } from '../../../generated/prisma/client';
import { ProviderDataStore } from '../provider-datastore';
import { describeTarget, parsePostgresUrl } from './connection-error';
import { retainChangelog } from './feed/changelog-retention';
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
      // Fail now, not on first iteration, for an unknown consumer or a lost position.
      await this.registry.loadPosition(consumer);
      return new PostgresChangeFeed(consumer, this.connection, this.registry, {
        ...options,
        listenConnectionString: this.config.connectionString,
        onClose,
      });
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
