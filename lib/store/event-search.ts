// Searching health events by what an on-call engineer knows — an XID, a GPU, the start of a node's
// name — and the same events counted per node. The three search fields are part of
// HealthEventFilter, and each provider applies them in its one filter builder, so `find`, `count`,
// `countByNode`, `throughput` and `groupByNode` all read them alike.
import { StoreError } from './errors/store-error';
import { ValidationError } from './errors/validation-error';
import type { Entity } from './model/health-event';

/**
 * How long a search statement may run before the server stops it (PostgreSQL's statement_timeout,
 * MongoDB's maxTimeMS). A page re-reads a relative range, and a request that went away does not
 * stop its statement: without a limit, a grouping over millions of rows runs on after its reader
 * left, and the next read stacks on it.
 */
export const SEARCH_TIMEOUT_MS = 10_000;

/** The StoreError code of a search the server stopped at SEARCH_TIMEOUT_MS. */
const SEARCH_TIMEOUT = 'search-timeout';

/** The error of a search the server stopped at its time limit: what happened and what to do. */
export function searchTimedOut(timeoutMs: number, cause: unknown): StoreError {
  const seconds = timeoutMs >= 1_000 ? String(Math.round(timeoutMs / 1_000)) : String(timeoutMs / 1_000);
  return new StoreError(
    SEARCH_TIMEOUT,
    `the event search was stopped after ${seconds} s, the longest one may run: narrow it (a shorter time range, a node name, an XID or an entity) and search again`,
    { cause },
  );
}

/** The search fields of HealthEventFilter (declared there; this module does not import it). */
interface SearchFields {
  errorCode?: string;
  entity?: Entity;
  nodePrefix?: string;
}

/** The events of one node that matched a filter. */
export interface NodeEventGroup {
  nodeName: string;
  count: number;
  /** How many of them were fatal. */
  fatal: number;
  /** Stored time of the oldest and the newest of them. */
  firstAt: Date;
  lastAt: Date;
  /**
   * The entities they impacted (a GPU, a NIC), each once, by type then value (numbers in number
   * order: GPU 2 before GPU 10), at most ENTITIES_PER_GROUP.
   */
  entities: Entity[];
}

export interface NodeGroupRequest {
  /** Nodes at most (1 to 10,000; 500 when absent). */
  limit?: number;
}

export interface NodeEventGroups {
  /** Newest activity first: by the newest matching event, then by name. */
  groups: NodeEventGroup[];
  /** More nodes matched than `limit`. */
  truncated: boolean;
}

export const ENTITIES_PER_GROUP = 16;

/** The search fields of a filter, type-checked (a value from an untyped caller never becomes an operator). */
export function searchFields(filter: SearchFields = {}): SearchFields {
  const { errorCode, entity, nodePrefix } = filter;
  if (errorCode !== undefined && (typeof errorCode !== 'string' || errorCode === ''))
    throw new ValidationError('filter.errorCode', 'must be a code such as "79"');
  if (entity !== undefined) {
    if (
      entity === null ||
      typeof entity !== 'object' ||
      typeof entity.entityType !== 'string' ||
      typeof entity.entityValue !== 'string' ||
      entity.entityType === '' ||
      entity.entityValue === ''
    )
      throw new ValidationError('filter.entity', 'must be {entityType, entityValue}, both text, such as GPU and 3');
  }
  if (nodePrefix !== undefined && (typeof nodePrefix !== 'string' || nodePrefix === ''))
    throw new ValidationError('filter.nodePrefix', 'must be the start of a node name');
  return {
    ...(errorCode !== undefined ? { errorCode } : {}),
    ...(entity !== undefined ? { entity: { entityType: entity.entityType, entityValue: entity.entityValue } } : {}),
    ...(nodePrefix !== undefined ? { nodePrefix } : {}),
  };
}

export function nodeGroupLimit(request: NodeGroupRequest = {}): number {
  const limit = request.limit ?? 500;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new ValidationError('limit', 'must be a whole number from 1 to 10000');
  return limit;
}

const entityOrder = new Intl.Collator('en', { numeric: true });

/** The entities of a group's events (lists as stored, either key casing), each once, in order, capped. */
export function groupEntities(lists: unknown): Entity[] {
  const seen = new Map<string, Entity>();
  for (const list of Array.isArray(lists) ? lists : []) {
    for (const item of Array.isArray(list) ? list : []) {
      if (!item || typeof item !== 'object') continue;
      const fields = new Map(Object.entries(item).map(([key, value]) => [key.toLowerCase(), value]));
      const entityType = String(fields.get('entitytype') ?? '');
      const entityValue = String(fields.get('entityvalue') ?? '');
      if (entityType || entityValue) seen.set(`${entityType}\u0000${entityValue}`, { entityType, entityValue });
    }
  }
  return [...seen.values()]
    .sort(
      (a, b) => entityOrder.compare(a.entityType, b.entityType) || entityOrder.compare(a.entityValue, b.entityValue),
    )
    .slice(0, ENTITIES_PER_GROUP);
}
