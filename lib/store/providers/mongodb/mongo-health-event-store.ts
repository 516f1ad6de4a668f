// Health events on MongoDB, in NVSentinel's HealthEvents collection. Reads are the pure pipelines
// of ./pipelines; writes are single atomic operations, and insertMany is one transaction.
import { BSON, ObjectId, type Document, type Timestamp } from 'mongodb';

import { StoreError, storeErrorCode } from '../../errors/store-error';
import {
  groupEntities,
  nodeGroupLimit,
  SEARCH_TIMEOUT_MS,
  searchTimedOut,
  type NodeEventGroups,
  type NodeGroupRequest,
} from '../../event-search';
import { ValidationError } from '../../errors/validation-error';
import type {
  EvictionUpdate,
  HealthEventFilter,
  HealthEventStore,
  InsertOptions,
  NodeTimeline,
  NodeTimelineRequest,
  Page,
  PageRequest,
  QuarantineHistoryEvent,
  QuarantineUpdate,
  RemediationUpdate,
  ThroughputBucket,
  ThroughputRequest,
} from '../../health-event-store';
import {
  nodeTimelineRequest,
  QUARANTINE_HISTORY_TIMEOUT_MS,
  quarantineHistoryRange,
  quarantineHistoryTimedOut,
  toTimelineEvent,
} from '../../health-event-store';
import { toCheckLatest, type CheckLatest } from '../../model/check-latest';
import {
  COUNT_DIMENSIONS,
  type CountDimension,
  type EventCount,
  type EventCountRequest,
} from '../../model/event-count';
import type { HealthEventWithStatus } from '../../model/health-event';
import { toHealthEventWithStatus, type NewHealthEvent } from '../../model/new-health-event';
import { decodeHealthEventDocument, encodeHealthEventDocument, idCandidates, recordIdOf } from './health-event-codec';
import type { MongoConnection } from './mongo-connection';
import { healthEventMatch } from './pipelines/health-event-filter';
import { nodeGroupsPipeline } from './pipelines/node-groups';
import {
  countByNodePipeline,
  countPipeline,
  healthEventPagePipeline,
  latestPerCheckPipeline,
  latestPerNodePipeline,
  latestQuarantineDecisionsPipeline,
  quarantineDecisionsBeforePipeline,
  quarantineHistoryPipeline,
  nodeTimelinePipeline,
} from './pipelines/health-event-queries';
import { nodeNamesPipeline } from './pipelines/node-names';
import {
  cancelQuarantineUpdate,
  evictionUpdatePipeline,
  quarantineUpdatePipeline,
  remediationUpdatePipeline,
} from './pipelines/status-updates';
import { countByDimensionPipeline, throughputPipeline, throughputRowKeys } from './pipelines/throughput';

export const DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024;

function pageLimit(page?: PageRequest): number {
  const limit = page?.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new ValidationError('page.limit', 'must be a whole number from 1 to 10000');
  return limit;
}

export class MongoHealthEventStore implements HealthEventStore {
  /**
   * `readAt`: the aggregations (latestPerCheck, latestQuarantineDecisions, latestPerNode,
   * countByNode, …) read the data as it was at that cluster time, every one the same
   * (readNodeState's store; MongoDB 5.0+). Other reads and writes are not affected.
   */
  constructor(
    private readonly connection: MongoConnection,
    private readonly maxDocumentBytes = DEFAULT_MAX_DOCUMENT_BYTES,
    private readonly readAt?: Timestamp,
  ) {}

  private get collection() {
    return this.connection.collection(this.connection.names.healthEvents);
  }

  /** A stored document to the model, or a StoreError that names the record, the collection and the field. */
  private decode(document: Document): HealthEventWithStatus {
    try {
      return decodeHealthEventDocument(document);
    } catch (error) {
      const where = `${this.connection.config.databaseName}.${this.connection.names.healthEvents}`;
      throw new StoreError(
        'malformed',
        `health event ${recordIdOf(document?._id)} in ${where} is not in NVSentinel's shape: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /**
   * With `maxTimeMS` (the event search's), the server stops the aggregation at that time, whether
   * or not anyone still waits for it; a stopped one is the search-timeout StoreError.
   */
  private async aggregate(operation: string, pipeline: Document[], maxTimeMS?: number): Promise<Document[]> {
    try {
      return await this.connection.run(operation, () =>
        this.readAt
          ? this.connection.db.runCursorCommand(this.snapshotAggregate(pipeline, this.readAt, maxTimeMS)).toArray()
          : this.collection.aggregate(pipeline, { allowDiskUse: true, ...(maxTimeMS ? { maxTimeMS } : {}) }).toArray(),
      );
    } catch (error) {
      // MaxTimeMSExpired (code 50), which translateMongoError passes through unchanged.
      if (maxTimeMS && (error as { code?: unknown })?.code === 50) throw searchTimedOut(maxTimeMS, error);
      throw error;
    }
  }

  /**
   * The aggregate command reading at `time`. Written out as a command because the driver's
   * aggregate() keeps only the level of a readConcern option (ReadConcern.fromOptions), and a
   * snapshot session picks its own time; runCursorCommand sends the read concern as written.
   */
  private snapshotAggregate(pipeline: Document[], time: Timestamp, maxTimeMS?: number): Document {
    return {
      aggregate: this.connection.names.healthEvents,
      pipeline,
      cursor: {},
      allowDiskUse: true,
      readConcern: { level: 'snapshot', atClusterTime: time },
      ...(maxTimeMS ? { maxTimeMS } : {}),
    };
  }

  async insertMany(events: NewHealthEvent[], options: InsertOptions = {}): Promise<HealthEventWithStatus[]> {
    this.connection.assertOpen();
    if (!Array.isArray(events)) throw new ValidationError('events', 'must be an array');
    const chunkSize = options.chunkSize ?? 500;
    if (!Number.isInteger(chunkSize) || chunkSize < 1)
      throw new ValidationError('chunkSize', 'must be a whole number, at least 1');
    const now = new Date();
    // Validate and encode everything before the first write: a bad event refuses the whole call.
    const rows = events.map((input, index) => {
      const event = toHealthEventWithStatus(input, `events[${index}]`, now);
      const id = new ObjectId();
      const document = encodeHealthEventDocument(event, id);
      const bytes = BSON.calculateObjectSize(document);
      if (bytes > this.maxDocumentBytes)
        throw new ValidationError(
          `events[${index}]`,
          `document is ${bytes} bytes, over the ${this.maxDocumentBytes}-byte limit`,
        );
      return { id, event, document };
    });
    if (rows.length === 0) return [];
    await this.connection.run(
      'healthEvents.insertMany',
      async () => {
        const session = this.connection.client.startSession();
        try {
          await session.withTransaction(async () => {
            for (let start = 0; start < rows.length; start += chunkSize) {
              await this.collection.insertMany(
                rows.slice(start, start + chunkSize).map((row) => row.document),
                { session, ordered: true },
              );
            }
          });
        } finally {
          await session.endSession();
        }
      },
      'insert health events',
    );
    return rows.map((row) => ({ recordId: row.id.toHexString(), ...row.event }));
  }

  async get(recordId: string): Promise<HealthEventWithStatus | undefined> {
    const ids = idCandidates(recordId);
    const document = await this.connection.run('healthEvents.get', () =>
      this.collection.findOne({ _id: { $in: ids } } as Document),
    );
    return document ? this.decode(document) : undefined;
  }

  async findByNode(
    nodeName: string,
    range: { from?: Date; to?: Date } = {},
    page?: PageRequest,
  ): Promise<Page<HealthEventWithStatus>> {
    if (typeof nodeName !== 'string' || nodeName === '') throw new ValidationError('nodeName', 'must not be empty');
    return this.page('healthEvents.findByNode', { nodeName, ...range }, page);
  }

  async find(filter: HealthEventFilter, page?: PageRequest): Promise<Page<HealthEventWithStatus>> {
    return this.page('healthEvents.find', filter, page, SEARCH_TIMEOUT_MS);
  }

  /**
   * Up to three aggregations, not one snapshot as on PostgreSQL: the timeline's events (projected to
   * what it draws) beside the first page (whole documents, the page pipeline's), and the range
   * counted only when it holds more than `points`.
   */
  async nodeTimeline(nodeName: string, request: NodeTimelineRequest): Promise<NodeTimeline> {
    const { from, to, points, pageSize } = nodeTimelineRequest(nodeName, request);
    const filter = { nodeName, from, to };
    const [read, page] = await Promise.all([
      this.aggregate('healthEvents.nodeTimeline', nodeTimelinePipeline(filter, points)),
      pageSize > 0 ? this.page('healthEvents.nodeTimeline', filter, { limit: pageSize }) : { items: [] },
    ]);
    const events = read.slice(0, points).map((document) => toTimelineEvent(this.decode(document)));
    const total =
      read.length > points
        ? Number((await this.aggregate('healthEvents.nodeTimeline', countPipeline(filter)))[0]?.count ?? 0)
        : events.length;
    return { events, total, page };
  }

  private async page(
    operation: string,
    filter: HealthEventFilter,
    page?: PageRequest,
    maxTimeMS?: number,
  ): Promise<Page<HealthEventWithStatus>> {
    const limit = pageLimit(page);
    const documents = await this.aggregate(
      operation,
      healthEventPagePipeline(filter, { limit, after: page?.after }),
      maxTimeMS,
    );
    const items = documents.slice(0, limit).map((document) => this.decode(document));
    const last = items[items.length - 1];
    return {
      items,
      next:
        documents.length > limit && last
          ? { createdAt: last.createdAt.toISOString(), recordId: last.recordId }
          : undefined,
    };
  }

  async latestPerNode(nodeNames?: string[]): Promise<HealthEventWithStatus[]> {
    return (await this.aggregate('healthEvents.latestPerNode', latestPerNodePipeline(nodeNames))).map((document) =>
      this.decode(document),
    );
  }

  async latestPerCheck(nodeNames?: string[]): Promise<CheckLatest[]> {
    return (await this.aggregate('healthEvents.latestPerCheck', latestPerCheckPipeline(nodeNames))).map((document) =>
      toCheckLatest(this.decode(document)),
    );
  }

  async quarantineHistory(range: { from: Date; to: Date }): Promise<QuarantineHistoryEvent[]> {
    return this.readDecisions(
      'healthEvents.quarantineHistory',
      quarantineHistoryPipeline(quarantineHistoryRange(range)),
    );
  }

  async quarantineDecisionsBefore(nodeNames: string[], before: Date): Promise<QuarantineHistoryEvent[]> {
    if (!(before instanceof Date) || Number.isNaN(before.getTime()))
      throw new ValidationError('before', 'must be a valid date');
    if (!nodeNames.length) return [];
    return this.readDecisions(
      'healthEvents.quarantineDecisionsBefore',
      quarantineDecisionsBeforePipeline(nodeNames, before),
    );
  }

  /** Decided events in quarantineHistory's shape; the server stops the read at QUARANTINE_HISTORY_TIMEOUT_MS. */
  private async readDecisions(operation: string, pipeline: Document[]): Promise<QuarantineHistoryEvent[]> {
    let documents: Document[];
    try {
      documents = await this.aggregate(operation, pipeline, QUARANTINE_HISTORY_TIMEOUT_MS);
    } catch (error) {
      if (storeErrorCode(error) === 'search-timeout')
        throw quarantineHistoryTimedOut(QUARANTINE_HISTORY_TIMEOUT_MS, error);
      throw error;
    }
    return documents.map((document) => {
      const { recordId, createdAt, healthEvent, status } = this.decode(document);
      const { nodeName, agent, checkName, generatedTimestamp } = healthEvent;
      return { recordId, createdAt, nodeName, agent, checkName, generatedTimestamp, status };
    });
  }

  async latestQuarantineDecisions(nodeNames?: string[]): Promise<HealthEventWithStatus[]> {
    return (
      await this.aggregate('healthEvents.latestQuarantineDecisions', latestQuarantineDecisionsPipeline(nodeNames))
    ).map((document) => this.decode(document));
  }

  async nodeNames(page: { after?: string; limit: number }): Promise<string[]> {
    const rows = await this.aggregate('healthEvents.nodeNames', nodeNamesPipeline(page ?? {}));
    return rows.map((row) => row._id as string);
  }

  async countByNode(filter?: HealthEventFilter): Promise<Map<string, number>> {
    const rows = await this.aggregate('healthEvents.countByNode', countByNodePipeline(filter));
    return new Map(
      rows.filter((row) => typeof row._id === 'string').map((row) => [row._id as string, Number(row.count)]),
    );
  }

  async groupByNode(filter: HealthEventFilter, request?: NodeGroupRequest): Promise<NodeEventGroups> {
    const limit = nodeGroupLimit(request);
    const rows = await this.aggregate('healthEvents.groupByNode', nodeGroupsPipeline(filter, limit), SEARCH_TIMEOUT_MS);
    const groups = rows.filter((row) => typeof row._id === 'string');
    return {
      groups: groups.slice(0, limit).map((row) => ({
        nodeName: row._id as string,
        count: Number(row.count),
        fatal: Number(row.fatal),
        firstAt: new Date(row.firstAt),
        lastAt: new Date(row.lastAt),
        entities: groupEntities(row.entities),
      })),
      truncated: groups.length > limit,
    };
  }

  private async update(operation: string, recordId: string, pipeline: Document[]): Promise<HealthEventWithStatus> {
    const ids = idCandidates(recordId);
    const updated = await this.connection.run(
      operation,
      () => this.collection.findOneAndUpdate({ _id: { $in: ids } } as Document, pipeline, { returnDocument: 'after' }),
      'update health events',
    );
    if (!updated) throw new StoreError('not-found', `no health event with id ${recordId}`);
    return this.decode(updated);
  }

  async updateQuarantine(recordId: string, update: QuarantineUpdate): Promise<HealthEventWithStatus> {
    return this.update('healthEvents.updateQuarantine', recordId, quarantineUpdatePipeline(update));
  }

  async updateEviction(recordId: string, update: EvictionUpdate): Promise<HealthEventWithStatus> {
    return this.update('healthEvents.updateEviction', recordId, evictionUpdatePipeline(update));
  }

  async updateRemediation(recordId: string, update: RemediationUpdate): Promise<HealthEventWithStatus> {
    return this.update('healthEvents.updateRemediation', recordId, remediationUpdatePipeline(update));
  }

  async cancelQuarantine(nodeName: string, since: Date): Promise<number> {
    const { filter, update } = cancelQuarantineUpdate(nodeName, since);
    const result = await this.connection.run(
      'healthEvents.cancelQuarantine',
      () => this.collection.updateMany(filter, update),
      'update health events',
    );
    return result.modifiedCount;
  }

  async throughput(request: ThroughputRequest): Promise<ThroughputBucket[]> {
    const pipeline = throughputPipeline(request);
    const groups = Array.isArray(request.groupBy) ? request.groupBy.length : 1;
    const rows = await this.aggregate('healthEvents.throughput', pipeline);
    return rows.map((row) => {
      const keys = throughputRowKeys(row._id, groups);
      return { bucketStart: new Date(row._id.bucket), key: keys[0], keys, count: Number(row.count) };
    });
  }

  async countByDimension(request: EventCountRequest, filter?: HealthEventFilter): Promise<EventCount[]> {
    const rows = await this.aggregate('healthEvents.countByDimension', countByDimensionPipeline(request, filter));
    return rows
      .filter((row) => (COUNT_DIMENSIONS as readonly unknown[]).includes(row._id?.dimension))
      .map((row) => ({
        bucket: new Date(row._id.bucket),
        dimension: row._id.dimension as CountDimension,
        value: String(row._id.value ?? ''),
        isFatal: row._id.isFatal === true,
        count: Number(row.count),
      }));
  }

  async count(filter?: HealthEventFilter): Promise<number> {
    const query = healthEventMatch(filter);
    return this.connection.run('healthEvents.count', () => this.collection.countDocuments(query));
  }
}
