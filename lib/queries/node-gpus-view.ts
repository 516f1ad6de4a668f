// The node page's GPU grid (every entity the node's events named in the range: a strip over the
// range, failures, XIDs, bursts) and its filter of the event table (one entity, fatal only), as
// plain JSON and pure functions the browser may load. The grid is built on the server by
// ./node-gpus.ts from the same events the page shows, so its counts and the filtered table agree.
// (It imports nothing of ./node-detail-view.ts, which names its types.)
/**
 * XID events of one entity separated by less than this much silence form one burst, as NVIDIA
 * Fleet Intelligence groups XIDs (issue 19 names its 3-minute rule).
 */
export const BURST_SILENCE_MS = 180_000;

/**
 * A cell's worst severity, one character a bucket in `cells`: f fatal, u unhealthy, h healthy
 * only, . no event, - not read (older than the events the page read).
 */
export type GridCell = 'fatal' | 'unhealthy' | 'healthy' | 'none' | 'unread';
const CELL_OF: Record<string, GridCell> = { f: 'fatal', u: 'unhealthy', h: 'healthy', '.': 'none', '-': 'unread' };
export const CELL_CODE: Record<GridCell, string> = { fatal: 'f', unhealthy: 'u', healthy: 'h', none: '.', unread: '-' };

export const gridCells = (cells: string): GridCell[] => [...cells].map((code) => CELL_OF[code] ?? 'none');

export interface EntityGridRow {
  entityType: string;
  entityValue: string;
  /** Events naming the entity. */
  events: number;
  /** Of them, unhealthy ones (fatal included). */
  failures: number;
  fatal: number;
  /** Distinct error codes (XIDs) of its failures, in numeric order. */
  xids: string[];
  /** Runs of its XID failures with less than BURST_SILENCE_MS between one and the next. */
  bursts: number;
  lastFailureAt: number | null;
  /** One character a bucket (see GridCell). */
  cells: string;
}

export interface EntityGrid {
  from: number;
  to: number;
  bucketMs: number;
  /** Events before this were not read (the range held more than the page reads); `from` when all were. */
  readFrom: number;
  /** GPUs first, then the other entity types (see compareEntities). */
  rows: EntityGridRow[];
}

/**
 * GPU first, then what names the same GPU (GPU_UUID, PCI), then the rest by type: NVSentinel's GPU
 * monitor names GPU, PCI and GPU_UUID on one event (gpu-health-monitor/.../platform_connector.py:361-373),
 * its syslog XID handler PCI and GPU_UUID (syslog-health-monitor/pkg/xid/xid_handler.go:501-513).
 */
const TYPE_RANK: Record<string, number> = { GPU: 0, GPU_UUID: 1, PCI: 2 };
const rankOf = (type: string) => TYPE_RANK[type] ?? 3;

export function compareEntities(
  a: { entityType: string; entityValue: string },
  b: { entityType: string; entityValue: string },
): number {
  return (
    rankOf(a.entityType) - rankOf(b.entityType) ||
    a.entityType.localeCompare(b.entityType) ||
    a.entityValue.localeCompare(b.entityValue, 'en', { numeric: true })
  );
}

/** `GPU:3`, as the filter (and the Events search's entity parameter) takes it. */
export const entityKey = (entity: { entityType: string; entityValue: string }) =>
  `${entity.entityType}:${entity.entityValue}`;

/** What the event table shows: one entity's events (`GPU:3`), fatal ones only, or both. */
export interface NodeEventFilter {
  entity: string | null;
  fatal: boolean;
}

export const NO_FILTER: NodeEventFilter = { entity: null, fatal: false };

export interface NodePageParams {
  filter: NodeEventFilter;
  /** An event to open (the Events search links here with `event=<recordId>`). */
  event: string | null;
  /** Parameters that were given wrong, each in words; they are left out. */
  problems: string[];
}

/** TYPE:VALUE as the Events search takes it (lib/queries/events-filter.ts). */
const ENTITY = /^[A-Za-z][A-Za-z0-9_-]{0,63}:\S{1,256}$/;

/** The node page's own parameters (range is parseNodeRange's). A wrong one is named and ignored. */
export function parseNodePageParams(params: Record<string, string | string[] | undefined>): NodePageParams {
  const problems: string[] = [];
  const one = (name: string): string | null => {
    const value = params[name];
    if (Array.isArray(value)) {
      problems.push(`${name} is given ${value.length} times: give it once`);
      return null;
    }
    return value || null;
  };
  let entity = one('entity');
  if (entity !== null && !ENTITY.test(entity)) {
    problems.push(`entity must be TYPE:VALUE, such as GPU:3 or NIC:mlx5_0 (got "${entity}")`);
    entity = null;
  }
  const fatal = one('fatal');
  if (fatal !== null && fatal !== '1' && fatal !== '0') problems.push(`fatal must be 1 or 0 (got "${fatal}")`);
  return { filter: { entity, fatal: fatal === '1' }, event: one('event'), problems };
}

interface FilteredEvent {
  isFatal: boolean;
  isHealthy: boolean;
  entities: { entityType: string; entityValue: string }[];
}

export function filterNodeEvents<T extends FilteredEvent>(events: T[], filter: NodeEventFilter): T[] {
  if (!filter.entity && !filter.fatal) return events;
  return events.filter(
    (event) =>
      (!filter.fatal || (event.isFatal && !event.isHealthy)) &&
      (!filter.entity || event.entities.some((entity) => entityKey(entity) === filter.entity)),
  );
}

/** The node page's query (without '?'): range, then the filter, then the event opened. */
export function nodePageQuery(range: string, filter: NodeEventFilter, event: string | null = null): string {
  const query = new URLSearchParams({ range });
  if (filter.entity) query.set('entity', filter.entity);
  if (filter.fatal) query.set('fatal', '1');
  if (event) query.set('event', event);
  return query.toString();
}
