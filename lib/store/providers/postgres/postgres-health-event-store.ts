// Health events on PostgreSQL, in NVSentinel's `health_events` table.
//
// Status is read from the JSONB document (NVSentinel's writers do not keep every column in step);
// our own status updates write the JSONB and the matching columns together, as NVSentinel's
// store methods do, so either stays right.
import { StoreError, storeErrorCode } from '../../errors/store-error';
import { ValidationError } from '../../errors/validation-error';
import type { NodeEventGroups, NodeGroupRequest } from '../../event-search';
import type {
  BucketKey,
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
  TIMELINE_MESSAGE_CHARS,
  type TimelineEvent,
} from '../../health-event-store';
import { decodeStatusText, EVICTION_STATUSES, QUARANTINE_STATUSES } from '../../model/enums';
import type { CountDimension, EventCount, EventCountRequest } from '../../model/event-count';
import { toCheckLatest, type CheckLatest } from '../../model/check-latest';
import { initialStatus, type HealthEventWithStatus } from '../../model/health-event';
import type { NewHealthEvent } from '../../model/new-health-event';
import { timestampToDate, type Timestamp } from '../../model/timestamp';
import { byBucketThenKeys, eventCountBucket, throughputGroups } from '../../throughput-request';
import { decodeHealthEvent, decodeRow, decodeStatus, encodeTimestamp } from './health-event-codec';
import {
  UUID,
  QUARANTINED,
  agentOf,
  isFatalOf,
  isHealthyOf,
  AGENT,
  IS_FATAL,
  IS_HEALTHY,
  ENTITIES,
  GENERATED_JSON,
  GENERATED,
  DECISIONS,
  OVERRIDES,
  QUARANTINE_DECISIONS_BEFORE_SQL,
  QUARANTINE_HISTORY_SQL,
  buildFilter,
  pageLimit,
} from './health-event-sql';
import { insertHealthEvents } from './health-event-insert';
import { groupEventsByNode } from './node-event-groups';
import { cursorClause, CURSOR_AT, walkedPage, walksTheWindow } from './event-search-walk';
import type { PostgresConnection } from './postgres-connection';
import { searchStatements } from './search-statement';

export const DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024;
const COLUMNS = 'id, created_at, document';

const timestampJson = (timestamp: Timestamp | null | undefined) =>
  timestamp ? JSON.stringify(encodeTimestamp(timestamp)) : null;
const timestampDate = (timestamp: Timestamp | null | undefined) => (timestamp ? timestampToDate(timestamp) : null);

function assertRecordId(recordId: string): void {
  if (!UUID.test(recordId))
    throw new ValidationError('recordId', `must be a UUID (got ${JSON.stringify(recordId).slice(0, 60)})`);
}

/** SQL that adds `spanids[module] = id` to a document expression. */
function withSpan(expression: string, spanPlaceholder: string): string {
  return `CASE WHEN ${spanPlaceholder}::jsonb IS NULL THEN ${expression} ELSE jsonb_set(${expression}, '{healtheventstatus,spanids}',
    COALESCE(${expression}#>'{healtheventstatus,spanids}', '{}'::jsonb) || ${spanPlaceholder}::jsonb) END`;
}

/** A row of nodeTimeline's statement: the fields a timeline draws, either key spelling resolved. */
interface TimelineRow {
  id: string;
  /** The document's createdAt (what decodeRow reads), else the column's time. */
  created: string;
  agent: string | null;
  check_name: string | null;
  /** true only where the document holds JSON true, as the codec reads it. */
  is_fatal: boolean | null;
  is_healthy: boolean | null;
  error_code: unknown;
  entities: unknown;
  generated: unknown;
  message: string | null;
  status: unknown;
  /** The whole document and the page cursor's time, for the first `pageSize` rows only. */
  page_document: unknown;
  cursor_at: string | null;
  /** The range's events counted, on the row past the `points` read only. */
  total: string | null;
}

/**
 * A timeline row as a TimelineEvent, read by the codec as a whole document would be (the fields
 * it does not hold take the codec's defaults and are dropped), booleans and texts as the SQL gave them.
 */
function timelineEventOf(row: TimelineRow): TimelineEvent {
  const { errorCode, entitiesImpacted, generatedTimestamp } = decodeHealthEvent({
    errorCode: row.error_code,
    entitiesImpacted: row.entities,
    generatedTimestamp: row.generated,
  });
  return {
    recordId: row.id,
    createdAt: new Date(row.created),
    healthEvent: {
      agent: row.agent ?? '',
      checkName: row.check_name ?? '',
      isFatal: row.is_fatal === true,
      isHealthy: row.is_healthy === true,
      errorCode,
      entitiesImpacted,
      generatedTimestamp,
      message: row.message ?? '',
    },
    status: decodeStatus(row.status),
  };
}

export class PostgresHealthEventStore implements HealthEventStore {
  constructor(
    private readonly connection: PostgresConnection,
    private readonly maxDocumentBytes = DEFAULT_MAX_DOCUMENT_BYTES,
  ) {}

  async insertMany(events: NewHealthEvent[], options: InsertOptions = {}): Promise<HealthEventWithStatus[]> {
    return insertHealthEvents(this.connection, events, options, this.maxDocumentBytes);
  }

  async get(recordId: string): Promise<HealthEventWithStatus | undefined> {
    assertRecordId(recordId);
    const result = await this.connection.query<{ id: string; created_at: Date; document: unknown }>(
      'healthEvents.get',
      `SELECT ${COLUMNS} FROM health_events WHERE id = $1`,
      [recordId],
    );
    return result.rows[0] ? decodeRow(result.rows[0]) : undefined;
  }

  async findByNode(
    nodeName: string,
    range: { from?: Date; to?: Date } = {},
    page?: PageRequest,
  ): Promise<Page<HealthEventWithStatus>> {
    if (typeof nodeName !== 'string' || nodeName === '') throw new ValidationError('nodeName', 'must not be empty');
    return this.page('healthEvents.findByNode', { nodeName, ...range }, page);
  }

  /**
   * One statement: the node's newest `points` events in the range (its rows come through
   * idx_health_events_node_name or _node_type, and a bounded sort keeps the newest), of each only
   * the fields a timeline draws, read out of its document once; the first `pageSize` also whole,
   * with their cursors; and, only when the range holds more than `points` (a lazy InitPlan on the
   * row past the last), the range's events counted on the same snapshot. What was measured on
   * 2,000,000 events, 1,000 of them the node's in 30 days: the node's rows are read whatever the
   * shape (no index of NVSentinel's orders one node's events by time, and every row's created_at is
   * needed to know the newest), and the statement's own time hardly differs between shapes; what
   * the fields save is the client's: whole documents took about twice as long to parse and decode.
   * Fields come as text and booleans where their meaning allows (a JSON value per column costs a
   * parse each); a jsonb_build_object of them cost the server more than sending the documents.
   */
  async nodeTimeline(nodeName: string, request: NodeTimelineRequest): Promise<NodeTimeline> {
    const { from, to, points, pageSize } = nodeTimelineRequest(nodeName, request);
    const sql = buildFilter({ nodeName, from, to });
    const bound = sql.values.length;
    sql.values.push(points + 1, pageSize, TIMELINE_MESSAGE_CHARS);
    const [rows, page, chars] = [bound + 1, bound + 2, bound + 3].map((index) => `$${index}`);
    /** A field of the event under either spelling NVSentinel's writers have used (`->` JSON, `->>` text). */
    const field = (get: '->' | '->>', camel: string) =>
      `COALESCE(he${get}'${camel}', he${get}'${camel.toLowerCase()}')`;
    const result = await this.connection.query<TimelineRow>(
      'healthEvents.nodeTimeline',
      `SELECT id, COALESCE(document->>'createdAt', document->>'createdat', ${CURSOR_AT}) AS created,
              he->>'agent' AS agent, ${field('->>', 'checkName')} AS check_name,
              ${field('->', 'isFatal')} = 'true'::jsonb AS is_fatal, ${field('->', 'isHealthy')} = 'true'::jsonb AS is_healthy,
              ${field('->', 'errorCode')} AS error_code, ${field('->', 'entitiesImpacted')} AS entities,
              ${field('->', 'generatedTimestamp')} AS generated, left(he->>'message', ${chars}) AS message,
              document->'healtheventstatus' AS status,
              CASE WHEN n <= ${page} THEN document END AS page_document,
              CASE WHEN n <= ${page} THEN ${CURSOR_AT} END AS cursor_at,
              CASE WHEN n = ${rows} THEN (SELECT count(*) FROM health_events ${sql.where()}) END AS total
       FROM (SELECT newest.*, document->'healthevent' AS he,
                    row_number() OVER (ORDER BY created_at DESC, id DESC) AS n
             FROM (SELECT id, created_at, document FROM health_events ${sql.where()}
                   ORDER BY created_at DESC, id DESC LIMIT ${rows}) AS newest
             OFFSET 0) AS numbered
       ORDER BY created_at DESC, id DESC`,
      sql.values,
    );
    const read = result.rows.slice(0, points);
    const pageRows = read.slice(0, pageSize);
    const last = pageRows[pageRows.length - 1];
    const beyond = result.rows[points];
    return {
      events: read.map(timelineEventOf),
      total: beyond ? Number(beyond.total) : read.length,
      page: {
        items: pageRows.map((row) => decodeRow({ id: row.id, created_at: row.created, document: row.page_document })),
        next: last && result.rows.length > pageSize ? { createdAt: last.cursor_at!, recordId: last.id } : undefined,
      },
    };
  }

  async find(filter: HealthEventFilter, page?: PageRequest): Promise<Page<HealthEventWithStatus>> {
    const planned = () => this.page('healthEvents.find', filter, page);
    return walksTheWindow(filter) ? walkedPage(this.connection, 'healthEvents.find', filter, page, planned) : planned();
  }

  private async page(
    operation: string,
    filter: HealthEventFilter,
    page?: PageRequest,
  ): Promise<Page<HealthEventWithStatus>> {
    const limit = pageLimit(page);
    const sql = buildFilter(filter);
    if (page?.after)
      sql.clauses.push(
        cursorClause(page.after, (value) => {
          sql.values.push(value);
          return `$${sql.values.length}`;
        }),
      );
    sql.values.push(limit + 1);
    const result = await this.connection.query<{ id: string; created_at: Date; document: unknown; cursor_at: string }>(
      operation,
      `SELECT ${COLUMNS}, ${CURSOR_AT} AS cursor_at FROM health_events ${sql.where()}
       ORDER BY created_at DESC, id DESC LIMIT $${sql.values.length}`,
      sql.values,
    );
    const rows = result.rows.slice(0, limit);
    const last = rows[rows.length - 1];
    return {
      items: rows.map(decodeRow),
      next: result.rows.length > limit && last ? { createdAt: last.cursor_at, recordId: last.id } : undefined,
    };
  }

  async latestPerNode(nodeNames?: string[]): Promise<HealthEventWithStatus[]> {
    const result = await this.connection.query<{ id: string; created_at: Date; document: unknown }>(
      'healthEvents.latestPerNode',
      `SELECT DISTINCT ON (node_name) ${COLUMNS} FROM health_events
       ${nodeNames ? 'WHERE node_name = ANY($1)' : ''}
       ORDER BY node_name, created_at DESC, id DESC`,
      nodeNames ? [nodeNames] : [],
    );
    return result.rows.map(decodeRow);
  }

  async latestPerCheck(nodeNames?: string[]): Promise<CheckLatest[]> {
    // A slim healthevent of only the fields a projection needs, decoded by the same codec, so a
    // hub loading 10,000 nodes holds hundreds of thousands of small records, not whole documents.
    // At 1M events the sort behind DISTINCT ON dominates (about 20 s here); see docs/decisions.md.
    const result = await this.connection.query<{
      id: string;
      created_at: Date;
      healthevent: unknown;
      quarantined: string | null;
    }>(
      'healthEvents.latestPerCheck',
      `SELECT DISTINCT ON (node_name, event_type, ${ENTITIES}) id, created_at, ${QUARANTINED} AS quarantined,
              jsonb_build_object('nodeName', node_name, 'checkName', event_type, 'agent', ${AGENT}, 'entitiesImpacted', ${ENTITIES},
                'isFatal', ${IS_FATAL}, 'isHealthy', ${IS_HEALTHY}, 'generatedTimestamp', ${GENERATED_JSON}, 'quarantineOverrides', ${OVERRIDES}) AS healthevent
       FROM health_events
       ${nodeNames ? 'WHERE node_name = ANY($1)' : ''}
       ORDER BY node_name, event_type, ${ENTITIES}, ${GENERATED('seconds')} DESC, ${GENERATED('nanos')} DESC, created_at DESC, id DESC`,
      nodeNames ? [nodeNames] : [],
    );
    return result.rows.map((row) => {
      const healthEvent = decodeHealthEvent(row.healthevent);
      return toCheckLatest({
        recordId: row.id,
        createdAt: row.created_at,
        healthEvent,
        status: {
          ...initialStatus(),
          nodeQuarantined: row.quarantined
            ? decodeStatusText(QUARANTINE_STATUSES, row.quarantined, 'nodeQuarantined')
            : null,
        },
      });
    });
  }

  /** The range's decided events: QUARANTINE_HISTORY_SQL says how it is index-backed. */
  async quarantineHistory(range: { from: Date; to: Date }): Promise<QuarantineHistoryEvent[]> {
    const { from, to } = quarantineHistoryRange(range);
    return this.readDecisions('healthEvents.quarantineHistory', QUARANTINE_HISTORY_SQL, [from, to]);
  }

  /** QUARANTINE_DECISIONS_BEFORE_SQL, oldest first. */
  async quarantineDecisionsBefore(nodeNames: string[], before: Date): Promise<QuarantineHistoryEvent[]> {
    if (!(before instanceof Date) || Number.isNaN(before.getTime()))
      throw new ValidationError('before', 'must be a valid date');
    if (!nodeNames.length) return [];
    const events = await this.readDecisions('healthEvents.quarantineDecisionsBefore', QUARANTINE_DECISIONS_BEFORE_SQL, [
      nodeNames,
      before,
    ]);
    return events.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.recordId < b.recordId ? -1 : 1));
  }

  /**
   * A read of decided events in quarantineHistory's shape, in a transaction of its own whose
   * statement the server stops at QUARANTINE_HISTORY_TIMEOUT_MS (search-statement.ts says why the
   * server and not the client).
   */
  private async readDecisions(operation: string, sql: string, values: unknown[]): Promise<QuarantineHistoryEvent[]> {
    type Row = {
      id: string;
      created: string;
      node_name: string;
      agent: string | null;
      check_name: string | null;
      generated: unknown;
      status: unknown;
    };
    let rows: Row[];
    try {
      rows = await searchStatements(
        this.connection,
        operation,
        async (query) => (await query<Row>(sql, values)).rows,
        QUARANTINE_HISTORY_TIMEOUT_MS,
      );
    } catch (error) {
      if (storeErrorCode(error) === 'search-timeout')
        throw quarantineHistoryTimedOut(QUARANTINE_HISTORY_TIMEOUT_MS, error);
      throw error;
    }
    return rows.map((row) => ({
      recordId: row.id,
      createdAt: new Date(row.created),
      nodeName: row.node_name,
      agent: row.agent ?? '',
      checkName: row.check_name ?? '',
      generatedTimestamp: decodeHealthEvent({ generatedTimestamp: row.generated }).generatedTimestamp,
      status: decodeStatus(row.status),
    }));
  }

  async latestQuarantineDecisions(nodeNames?: string[]): Promise<HealthEventWithStatus[]> {
    const result = await this.connection.query<{ id: string; created_at: Date; document: unknown }>(
      'healthEvents.latestQuarantineDecisions',
      `SELECT DISTINCT ON (node_name) ${COLUMNS} FROM health_events
       WHERE ${QUARANTINED} IN ${DECISIONS} ${nodeNames ? 'AND node_name = ANY($1)' : ''}
       ORDER BY node_name, created_at DESC, id DESC`,
      nodeNames ? [nodeNames] : [],
    );
    return result.rows.map(decodeRow);
  }

  async countByNode(filter?: HealthEventFilter): Promise<Map<string, number>> {
    const sql = buildFilter(filter);
    const result = await this.connection.query<{ node_name: string; n: string }>(
      'healthEvents.countByNode',
      `SELECT node_name, count(*) AS n FROM health_events ${sql.where()} GROUP BY node_name`,
      sql.values,
    );
    return new Map(result.rows.map((row) => [row.node_name, Number(row.n)]));
  }

  async nodeNames(page: { after?: string; limit: number }): Promise<string[]> {
    if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > 100_000)
      throw new ValidationError('limit', 'must be a whole number from 1 to 100000');
    // A skip scan over NVSentinel's node_name index: one index probe per node instead of reading
    // every event (the planner has no skip scan of its own before PostgreSQL 18).
    const result = await this.connection.query<{ node_name: string }>(
      'healthEvents.nodeNames',
      `WITH RECURSIVE names AS (
         (SELECT node_name FROM health_events WHERE $1::text IS NULL OR node_name > $1 ORDER BY node_name LIMIT 1)
         UNION ALL
         SELECT (SELECT next.node_name FROM health_events next WHERE next.node_name > names.node_name ORDER BY next.node_name LIMIT 1)
         FROM names WHERE names.node_name IS NOT NULL
       )
       SELECT node_name FROM names WHERE node_name IS NOT NULL LIMIT $2`,
      [page.after ?? null, page.limit],
    );
    return result.rows.map((row) => row.node_name);
  }

  async groupByNode(filter: HealthEventFilter, request?: NodeGroupRequest): Promise<NodeEventGroups> {
    return groupEventsByNode(this.connection, filter, request);
  }

  private async updated(
    operation: string,
    sql: string,
    values: unknown[],
    recordId: string,
  ): Promise<HealthEventWithStatus> {
    assertRecordId(recordId);
    const result = await this.connection.query<{ id: string; created_at: Date; document: unknown }>(
      operation,
      sql,
      values,
    );
    if (!result.rows[0]) throw new StoreError('not-found', `no health event with id ${recordId}`);
    return decodeRow(result.rows[0]);
  }

  async updateQuarantine(recordId: string, update: QuarantineUpdate): Promise<HealthEventWithStatus> {
    if (!QUARANTINE_STATUSES.includes(update.status)) {
      throw new ValidationError('status', `must be one of ${QUARANTINE_STATUSES.join(', ')}`);
    }
    const doc = `jsonb_set(document, '{healtheventstatus,nodequarantined}', to_jsonb($1::text))`;
    const withFinish = `CASE WHEN $2::jsonb IS NULL THEN ${doc} ELSE jsonb_set(${doc}, '{healtheventstatus,quarantinefinishtimestamp}', $2::jsonb) END`;
    return this.updated(
      'healthEvents.updateQuarantine',
      `UPDATE health_events SET node_quarantined = $1::text, quarantine_finish_timestamp = COALESCE($3, quarantine_finish_timestamp),
         document = ${withSpan(`(${withFinish})`, '$4')}, updated_at = NOW()
       WHERE id = $5 RETURNING ${COLUMNS}`,
      [
        update.status,
        timestampJson(update.finishedAt),
        timestampDate(update.finishedAt),
        update.span ? JSON.stringify({ [update.span.module]: update.span.id }) : null,
        recordId,
      ],
      recordId,
    );
  }

  async updateEviction(recordId: string, update: EvictionUpdate): Promise<HealthEventWithStatus> {
    if (!EVICTION_STATUSES.includes(update.status)) {
      throw new ValidationError('status', `must be one of ${EVICTION_STATUSES.join(', ')}`);
    }
    // Merged into the stored object, not replacing it: keys a newer node-drainer keeps there
    // survive; `message` goes when the update has none, as node-drainer's writes leave it out.
    const eviction = update.message ? { status: update.status, message: update.message } : { status: update.status };
    const stored = `CASE WHEN jsonb_typeof(document#>'{healtheventstatus,userpodsevictionstatus}') = 'object'
      THEN document#>'{healtheventstatus,userpodsevictionstatus}' ELSE '{}'::jsonb END`;
    const doc = `jsonb_set(document, '{healtheventstatus,userpodsevictionstatus}', ((${stored}) - 'message') || $1::jsonb)`;
    const withFinish = `CASE WHEN $4::jsonb IS NULL THEN ${doc} ELSE jsonb_set(${doc}, '{healtheventstatus,drainfinishtimestamp}', $4::jsonb) END`;
    return this.updated(
      'healthEvents.updateEviction',
      `UPDATE health_events SET user_pods_eviction_status = $2, user_pods_eviction_message = $3,
         drain_finish_timestamp = COALESCE($5, drain_finish_timestamp),
         document = ${withSpan(`(${withFinish})`, '$6')}, updated_at = NOW()
       WHERE id = $7 RETURNING ${COLUMNS}`,
      [
        JSON.stringify(eviction),
        update.status,
        update.message ?? '',
        timestampJson(update.finishedAt),
        timestampDate(update.finishedAt),
        update.span ? JSON.stringify({ [update.span.module]: update.span.id }) : null,
        recordId,
      ],
      recordId,
    );
  }

  async updateRemediation(recordId: string, update: RemediationUpdate): Promise<HealthEventWithStatus> {
    if (typeof update.remediated !== 'boolean') throw new ValidationError('remediated', 'must be true or false');
    const doc = `jsonb_set(document, '{healtheventstatus,faultremediated}', jsonb_build_object('value', $1::boolean))`;
    const withAt = `CASE WHEN $2::jsonb IS NULL THEN ${doc} ELSE jsonb_set(${doc}, '{healtheventstatus,lastremediationtimestamp}', $2::jsonb) END`;
    return this.updated(
      'healthEvents.updateRemediation',
      `UPDATE health_events SET fault_remediated = $1, last_remediation_timestamp = COALESCE($3, last_remediation_timestamp),
         document = ${withSpan(`(${withAt})`, '$4')}, updated_at = NOW()
       WHERE id = $5 RETURNING ${COLUMNS}`,
      [
        update.remediated,
        timestampJson(update.at),
        timestampDate(update.at),
        update.span ? JSON.stringify({ [update.span.module]: update.span.id }) : null,
        recordId,
      ],
      recordId,
    );
  }

  async cancelQuarantine(nodeName: string, since: Date): Promise<number> {
    if (typeof nodeName !== 'string' || nodeName === '') throw new ValidationError('nodeName', 'must not be empty');
    const result = await this.connection.query(
      'healthEvents.cancelQuarantine',
      `UPDATE health_events SET node_quarantined = 'Cancelled',
         document = jsonb_set(document, '{healtheventstatus,nodequarantined}', '"Cancelled"'), updated_at = NOW()
       WHERE node_name = $1 AND created_at >= $2 AND ${QUARANTINED} IN ('Quarantined', 'AlreadyQuarantined')`,
      [nodeName, since],
    );
    return result.rowCount ?? 0;
  }

  /**
   * One pass over the range's rows, however many grouping fields (the Throughput page's day is
   * 66,000 rows at 2,000,000 events: 52 ms for agent and isFatal together, where each field alone
   * took 105 ms). What that took: the grouping is left unordered, so PostgreSQL hashes it (it cannot
   * estimate how many groups JSONB fields make, assumes one per row, and with an ORDER BY sorted
   * every row instead, to disk past work_mem: 127 ms, hashed 93); buckets are `date_bin`, timestamp
   * arithmetic (`extract(epoch …)` is numeric: 93 ms, date_bin 54); each row's `healthevent` is
   * taken out of the document once, in a fenced subquery (else the planner repeats it per field:
   * 54 ms, fenced 52). The few hundred rows are sorted here.
   */
  async throughput(request: ThroughputRequest): Promise<ThroughputBucket[]> {
    const groups = throughputGroups(request);
    const keyOf: Record<BucketKey, string> = {
      none: `''`,
      agent: agentOf('healthevent'),
      checkName: 'event_type',
      componentClass: 'severity',
      isFatal: `${isFatalOf('healthevent')}::text`,
    };
    const sql = buildFilter({ ...request.filter, from: request.from, to: request.to });
    sql.values.push(request.bucketSeconds);
    const keys = groups.map((group, index) => `COALESCE(${keyOf[group]}, '') AS key${index}`);
    const result = await this.connection.query<{ bucket: Date; count: string } & Record<`key${number}`, string>>(
      'healthEvents.throughput',
      `SELECT date_bin(make_interval(secs => $${sql.values.length}), created_at, timestamptz 'epoch') AS bucket,
              ${keys.join(', ')}, count(*) AS count
       FROM (SELECT created_at, event_type, severity, document->'healthevent' AS healthevent
             FROM health_events ${sql.where()} OFFSET 0) AS events
       GROUP BY ${Array.from({ length: keys.length + 1 }, (_, index) => index + 1).join(', ')}`,
      sql.values,
    );
    return result.rows
      .map((row) => {
        const values = groups.map((_, index) => row[`key${index}`]);
        return { bucketStart: row.bucket, key: values[0], keys: values, count: Number(row.count) };
      })
      .sort(byBucketThenKeys);
  }

  /**
   * One pass with GROUPING SETS: a row per (bucket, value, fatality) of each dimension, so a bucket
   * holds as many rows as the fields have values. Each row's `healthevent` is taken out once, and a
   * page of nodes' history is read through NVSentinel's node_name index.
   */
  async countByDimension(request: EventCountRequest, filter?: HealthEventFilter): Promise<EventCount[]> {
    const bucketSeconds = eventCountBucket(request);
    const sql = buildFilter({ ...filter, ...(request.since ? { from: request.since } : {}) });
    // created_at may be NULL in NVSentinel's table (a default, not a constraint): such a row has no bucket.
    sql.clauses.push('created_at IS NOT NULL');
    sql.values.push(bucketSeconds);
    const result = await this.connection.query<{
      bucket: Date;
      dimension: CountDimension;
      value: string;
      is_fatal: boolean;
      count: string;
    }>(
      'healthEvents.countByDimension',
      `SELECT bucket,
              CASE WHEN GROUPING(agent) = 0 THEN 'agent' WHEN GROUPING(check_name) = 0 THEN 'checkName'
                   WHEN GROUPING(component_class) = 0 THEN 'componentClass' ELSE 'severity' END AS dimension,
              CASE WHEN GROUPING(agent) = 0 THEN agent WHEN GROUPING(check_name) = 0 THEN check_name
                   WHEN GROUPING(component_class) = 0 THEN component_class ELSE severity END AS value,
              is_fatal, count(*) AS count
       FROM (SELECT date_bin(make_interval(secs => $${sql.values.length}), created_at, timestamptz 'epoch') AS bucket,
                    COALESCE(${agentOf('healthevent')}, '') AS agent, COALESCE(event_type, '') AS check_name,
                    COALESCE(severity, '') AS component_class, ${isFatalOf('healthevent')} AS is_fatal,
                    CASE WHEN ${isFatalOf('healthevent')} THEN 'fatal' WHEN ${isHealthyOf('healthevent')} THEN 'healthy'
                         ELSE 'unhealthy' END AS severity
             FROM (SELECT created_at, event_type, severity, document->'healthevent' AS healthevent
                   FROM health_events ${sql.where()} OFFSET 0) AS events) AS fields
       GROUP BY GROUPING SETS ((bucket, agent, is_fatal), (bucket, check_name, is_fatal),
                               (bucket, component_class, is_fatal), (bucket, severity, is_fatal))`,
      sql.values,
    );
    return result.rows.map((row) => ({
      bucket: row.bucket,
      dimension: row.dimension,
      value: row.value,
      isFatal: row.is_fatal,
      count: Number(row.count),
    }));
  }

  async count(filter?: HealthEventFilter): Promise<number> {
    const sql = buildFilter(filter);
    const result = await this.connection.query<{ n: string }>(
      'healthEvents.count',
      `SELECT count(*) AS n FROM health_events ${sql.where()}`,
      sql.values,
    );
    return Number(result.rows[0].n);
  }
}
