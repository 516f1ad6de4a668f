// Reads and writes of health events, the same for every provider.
// Filters and updates take the values this SDK knows (the *Name types); reads return the model,
// where a value it does not know is `unknown(<raw>)`.
import type { EvictionStatusName, QuarantineStatusName, RecommendedActionName } from './model/enums';
import type { CheckLatest } from './model/check-latest';
import type { EventCount, EventCountRequest } from './model/event-count';
import type { NodeEventGroups, NodeGroupRequest } from './event-search';
export type { NodeEventGroup, NodeEventGroups, NodeGroupRequest } from './event-search';
import { StoreError } from './errors/store-error';
import { ValidationError } from './errors/validation-error';
import type { Entity, HealthEvent, HealthEventStatus, HealthEventWithStatus } from './model/health-event';
import type { NewHealthEvent } from './model/new-health-event';
import type { Timestamp } from './model/timestamp';

export interface HealthEventFilter {
  nodeName?: string;
  /** Any of these nodes (a page of nodes; an empty list matches nothing). */
  nodeNames?: string[];
  agent?: string;
  checkName?: string;
  componentClass?: string;
  isFatal?: boolean;
  isHealthy?: boolean;
  /** `null` matches events fault-quarantine has not processed. */
  nodeQuarantined?: QuarantineStatusName | null;
  /** `''` matches events node-drainer has not looked at. */
  evictionStatus?: (EvictionStatusName | '')[];
  /** `null` matches events fault-remediation has not processed. */
  faultRemediated?: boolean | null;
  recommendedAction?: RecommendedActionName[];
  /** Events whose errorCode list holds this code (an XID such as "79", stored as text). */
  errorCode?: string;
  /** Events whose entitiesImpacted holds this entity (type and value exactly: GPU and 3). */
  entity?: Entity;
  /** Node names that start with this text (`nodeName` is the whole name). */
  nodePrefix?: string;
  /** Stored at or after (inclusive). */
  from?: Date;
  /** Stored before (exclusive). */
  to?: Date;
}

/** Keyset cursor: newest first, so the next page starts strictly before this event. */
export interface PageCursor {
  createdAt: string;
  recordId: string;
}

export interface Page<T> {
  items: T[];
  /** Present when more items exist. */
  next?: PageCursor;
}

export interface PageRequest {
  limit?: number;
  after?: PageCursor;
}

export type BucketKey = 'none' | 'agent' | 'checkName' | 'componentClass' | 'isFatal';

export interface ThroughputRequest {
  from: Date;
  to: Date;
  bucketSeconds: number;
  /**
   * The field to count by, or several (distinct): then each bucket is counted per combination of
   * their values, in one pass over the events, and each row's `keys` holds the values in this
   * order. `['agent', 'isFatal']` gives both the agent series (sum the rows by `key`) and the
   * fatal series (sum them by `keys[1]`) for the price of one.
   */
  groupBy?: BucketKey | readonly BucketKey[];
  filter?: Omit<HealthEventFilter, 'from' | 'to'>;
}

export interface ThroughputBucket {
  bucketStart: Date;
  /** Value of the (first) grouping field ('' when groupBy is none; 'true'/'false' for isFatal). */
  key: string;
  /** Value of every grouping field, in groupBy's order (`[key]` for a single field). */
  keys: string[];
  count: number;
}

/** How much of its message a timeline event keeps: a tooltip's worth. */
export const TIMELINE_MESSAGE_CHARS = 200;

/**
 * One event as a node's timeline draws it (HealthEventStore.nodeTimeline): when, which check, how
 * severe, what it named and where the pipeline has it; no metadata, overrides or other fields, and
 * the message cut to its first TIMELINE_MESSAGE_CHARS characters.
 */
export interface TimelineEvent {
  recordId: string;
  createdAt: Date;
  healthEvent: Pick<
    HealthEvent,
    | 'agent'
    | 'checkName'
    | 'isFatal'
    | 'isHealthy'
    | 'errorCode'
    | 'entitiesImpacted'
    | 'generatedTimestamp'
    | 'message'
  >;
  status: HealthEventStatus;
}

export interface NodeTimelineRequest {
  /** Stored at or after (inclusive). */
  from?: Date;
  /** Stored before (exclusive). */
  to?: Date;
  /** The newest this many events of the range are read (1 to 10000). */
  points: number;
  /** Of them, the newest this many (0 to points) come with every field too: the first page of the node's events. */
  pageSize: number;
}

export interface NodeTimeline {
  /** The node's newest events in the range, newest first, at most `points`. */
  events: TimelineEvent[];
  /** Events of the node in the range: `events.length` when that is all of them, else all counted. */
  total: number;
  /** The newest `pageSize` events with every field; `next` goes on with findByNode (same order and cursor). */
  page: Page<HealthEventWithStatus>;
}

/** A NodeTimelineRequest checked, or a ValidationError naming what is wrong. */
export function nodeTimelineRequest(nodeName: unknown, request: NodeTimelineRequest): NodeTimelineRequest {
  if (typeof nodeName !== 'string' || nodeName === '') throw new ValidationError('nodeName', 'must not be empty');
  const { from, to, points, pageSize } = request ?? ({} as NodeTimelineRequest);
  for (const [field, value] of [
    ['from', from],
    ['to', to],
  ] as const)
    if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime())))
      throw new ValidationError(`request.${field}`, 'must be a valid date');
  if (!Number.isInteger(points) || points < 1 || points > 10_000)
    throw new ValidationError('request.points', `must be a whole number from 1 to 10000 (got ${String(points)})`);
  if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > points)
    throw new ValidationError(
      'request.pageSize',
      `must be a whole number from 0 to points, ${points} (got ${String(pageSize)}): the page is the newest of the events read`,
    );
  return { from, to, points, pageSize };
}

/** A decoded event as a timeline event: the fields it keeps, its message cut in code points (as PostgreSQL's left() cuts it). */
export function toTimelineEvent(event: HealthEventWithStatus): TimelineEvent {
  const { healthEvent: e } = event;
  const message =
    e.message.length <= TIMELINE_MESSAGE_CHARS
      ? e.message
      : [...e.message.slice(0, TIMELINE_MESSAGE_CHARS * 2)].slice(0, TIMELINE_MESSAGE_CHARS).join('');
  return {
    recordId: event.recordId,
    createdAt: event.createdAt,
    healthEvent: {
      agent: e.agent,
      checkName: e.checkName,
      isFatal: e.isFatal,
      isHealthy: e.isHealthy,
      errorCode: e.errorCode,
      entitiesImpacted: e.entitiesImpacted,
      generatedTimestamp: e.generatedTimestamp,
      message,
    },
    status: event.status,
  };
}

/**
 * One event fault-quarantine decided (HealthEventStore.quarantineHistory): who reported it, when,
 * and every status field the pipeline wrote on it; nothing else of the event.
 */
export interface QuarantineHistoryEvent {
  recordId: string;
  createdAt: Date;
  nodeName: string;
  agent: string;
  checkName: string;
  generatedTimestamp: Timestamp | null;
  status: HealthEventStatus;
}

/** The longest range quarantineHistory reads at once: NVSentinel's MongoDB keeps events 30 days. */
export const QUARANTINE_HISTORY_MAX_DAYS = 31;

/** How long the server may run one quarantineHistory or quarantineDecisionsBefore read. */
export const QUARANTINE_HISTORY_TIMEOUT_MS = 15_000;

/** The error of a quarantine-history read the server stopped at its time limit: what happened and what to do. */
export function quarantineHistoryTimedOut(timeoutMs: number, cause: unknown): StoreError {
  return new StoreError(
    'reliability-timeout',
    `the read of quarantine decisions was stopped after ${Math.round(timeoutMs / 1_000)} s, the longest it may run: choose a shorter range`,
    { cause },
  );
}

/** A quarantineHistory range checked, or a ValidationError naming what is wrong. */
export function quarantineHistoryRange(range: { from: Date; to: Date }): { from: Date; to: Date } {
  const { from, to } = range ?? ({} as { from: Date; to: Date });
  for (const [field, value] of [
    ['from', from],
    ['to', to],
  ] as const)
    if (!(value instanceof Date) || Number.isNaN(value.getTime()))
      throw new ValidationError(`range.${field}`, 'must be a valid date');
  if (to.getTime() <= from.getTime()) throw new ValidationError('range.to', 'must be after range.from');
  if (to.getTime() - from.getTime() > QUARANTINE_HISTORY_MAX_DAYS * 86_400_000)
    throw new ValidationError('range', `must span at most ${QUARANTINE_HISTORY_MAX_DAYS} days`);
  return { from, to };
}

export interface InsertOptions {
  /** Rows per statement (PostgreSQL: per COPY chunk; MongoDB: per insertMany); the whole call is still one transaction. */
  chunkSize?: number;
}

export interface QuarantineUpdate {
  status: QuarantineStatusName;
  finishedAt?: Timestamp | null;
  /** Tracing span of the module that wrote it, stored under spanids[module]. */
  span?: { module: string; id: string };
}

export interface EvictionUpdate {
  status: EvictionStatusName;
  message?: string;
  finishedAt?: Timestamp | null;
  span?: { module: string; id: string };
}

export interface RemediationUpdate {
  remediated: boolean;
  at?: Timestamp | null;
  span?: { module: string; id: string };
}

export interface HealthEventStore {
  /** Validates every event first (nothing is written if one is bad), then writes all in one transaction. */
  insertMany(events: NewHealthEvent[], options?: InsertOptions): Promise<HealthEventWithStatus[]>;
  get(recordId: string): Promise<HealthEventWithStatus | undefined>;
  /** A node's events, newest first, within an optional time range. */
  findByNode(
    nodeName: string,
    range?: { from?: Date; to?: Date },
    page?: PageRequest,
  ): Promise<Page<HealthEventWithStatus>>;
  find(filter: HealthEventFilter, page?: PageRequest): Promise<Page<HealthEventWithStatus>>;
  /**
   * What a node's timeline draws, from one read of the node's events in the range: the newest
   * `points` of them with only the fields a chart, its tooltip and a GPU grid use, how many the
   * range holds, and the newest `pageSize` with every field (findByNode's first page).
   */
  nodeTimeline(nodeName: string, request: NodeTimelineRequest): Promise<NodeTimeline>;
  /** The newest event of every node (optionally only the named nodes). */
  latestPerNode(nodeNames?: string[]): Promise<HealthEventWithStatus[]>;
  /**
   * The newest event (by generatedTimestamp, then createdAt) of every (node, checkName,
   * entitiesImpacted) seen: whether each tracked fault is open or recovered. Node-state
   * projections start from it instead of scanning every event.
   */
  latestPerCheck(nodeNames?: string[]): Promise<CheckLatest[]>;
  /**
   * Every event stored in the range (from inclusive, to exclusive) that fault-quarantine decided
   * (Quarantined, AlreadyQuarantined, UnQuarantined, Cancelled), oldest first (createdAt, then
   * recordId), with only what reliability figures read: read through an index of the decision, not
   * every event of the range.
   */
  quarantineHistory(range: { from: Date; to: Date }): Promise<QuarantineHistoryEvent[]>;
  /**
   * For each node given, what was decided on it before `before` (a quarantineHistory range's
   * start), oldest first, in quarantineHistory's shape: the newest event decided Quarantined or
   * Cancelled (its last incident's: Cancelled when that session was released by hand, which
   * overwrites its Quarantined) and the newest decided UnQuarantined (whether it was released
   * automatically since); at most two events a node. Read through an index of the decision.
   */
  quarantineDecisionsBefore(nodeNames: string[], before: Date): Promise<QuarantineHistoryEvent[]>;
  /** Per node, the newest event whose nodeQuarantined is Quarantined, UnQuarantined or Cancelled. */
  latestQuarantineDecisions(nodeNames?: string[]): Promise<HealthEventWithStatus[]>;
  /** Events matching the filter, counted per node (nodes with none are absent). */
  countByNode(filter?: HealthEventFilter): Promise<Map<string, number>>;
  /** Names of the nodes that have events, ascending, the first `limit` after `after`: a build's pages. */
  nodeNames(page: { after?: string; limit: number }): Promise<string[]>;
  /** Events matching the filter per node (count, fatal, first and last, entities), newest activity first, bounded. */
  groupByNode(filter: HealthEventFilter, request?: NodeGroupRequest): Promise<NodeEventGroups>;
  updateQuarantine(recordId: string, update: QuarantineUpdate): Promise<HealthEventWithStatus>;
  updateEviction(recordId: string, update: EvictionUpdate): Promise<HealthEventWithStatus>;
  updateRemediation(recordId: string, update: RemediationUpdate): Promise<HealthEventWithStatus>;
  /** NVSentinel's manual-release path: the node's quarantining events since `since` become Cancelled. */
  cancelQuarantine(nodeName: string, since: Date): Promise<number>;
  throughput(request: ThroughputRequest): Promise<ThroughputBucket[]>;
  /**
   * Events matching the filter per bucket of creation, counted separately by agent, check,
   * component class and severity, each with fatality (a page of nodes' history: the roll-ups' backfill).
   */
  countByDimension(request: EventCountRequest, filter?: HealthEventFilter): Promise<EventCount[]>;
  count(filter?: HealthEventFilter): Promise<number>;
}
