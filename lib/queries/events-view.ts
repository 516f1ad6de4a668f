// The Events page's data as JSON and its URL, shared by the server's read model and the browser (no
// server imports): the filters as they travel in the URL, the rows a search returns, and the links
// a row offers (its node page at the event's time, the same search narrowed to one node or entity).
import { NODE_RANGES, type NodeEventRow, type NodeRange } from './node-detail-view';

export const EVENT_RANGES = {
  '15m': 900_000,
  '1h': 3_600_000,
  '6h': 21_600_000,
  '24h': 86_400_000,
  '7d': 604_800_000,
  '30d': 2_592_000_000,
} as const;
export type EventRange = keyof typeof EVENT_RANGES;
export const EVENT_RANGE_NAMES = Object.keys(EVENT_RANGES) as EventRange[];
export const DEFAULT_EVENT_RANGE: EventRange = '24h';
/** The longest from/to span a search may ask for. */
export const MAX_SPAN_DAYS = 31;

export const EVENT_SEVERITIES = ['fatal', 'unhealthy', 'healthy'] as const;
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];
/**
 * What the severity filter takes: an event's severity, or `non-fatal` (every event not flagged
 * fatal, healthy or not), the Throughput chart's non-fatal bars.
 */
export const EVENT_SEVERITY_FILTERS = [...EVENT_SEVERITIES, 'non-fatal'] as const;
export type EventSeverityFilter = (typeof EVENT_SEVERITY_FILTERS)[number];

/** A check, agent or component class name as the search takes it (what NVSentinel's monitors write). */
export const EVENT_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,100}$/;

export const EVENT_VIEWS = ['events', 'nodes'] as const;
export type EventView = (typeof EVENT_VIEWS)[number];

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;
/** Nodes the grouped view shows at most. */
export const NODE_GROUPS_SHOWN = 500;
/** Rows an export holds at most (the newest); the file says when it was cut. */
export const EXPORT_LIMIT = 10_000;

/**
 * The search's URL parameters, in the order links write them. Every filter is here, so a search is
 * a link; `after` is the page (a cursor from the previous one), `view` events or nodes.
 */
export const EVENT_PARAMS = [
  'xid',
  'check',
  'agent',
  'component',
  'entity',
  'severity',
  'action',
  'node',
  'range',
  'from',
  'to',
  'view',
  'limit',
  'after',
] as const;
export type EventParam = (typeof EVENT_PARAMS)[number];
export type EventParams = Partial<Record<EventParam, string>>;

/** One event as the search shows it: the node page's row (every field) and its node. */
export interface EventSearchRow extends NodeEventRow {
  nodeName: string;
}

export interface NodeGroupRow {
  nodeName: string;
  count: number;
  fatal: number;
  firstAt: number;
  lastAt: number;
  entities: { entityType: string; entityValue: string }[];
}

interface SearchAnswer {
  /** The search as the server read it (normalised: `node` and `action` as matched), for links. */
  params: EventParams;
  /** The stored-time window searched, resolved from range or from/to when the server read it. */
  window: { from: number; to: number };
  provider: string;
  readAt: number;
}

export type EventSearchView =
  | (SearchAnswer & { view: 'events'; events: EventSearchRow[]; next: string | null })
  | (SearchAnswer & { view: 'nodes'; nodes: NodeGroupRow[]; truncated: boolean });

/** The URL query (without '?') of a search: its parameters in a fixed order, empty ones left out. */
export function eventSearchQuery(params: EventParams): string {
  const query = new URLSearchParams();
  for (const name of EVENT_PARAMS) {
    const value = params[name];
    if (value) query.set(name, value);
  }
  return query.toString();
}

/** `/events?…` for these parameters. */
export function eventSearchHref(params: EventParams): string {
  const query = eventSearchQuery(params);
  return query ? `/events?${query}` : '/events';
}

/**
 * The same search narrowed to one node (and one entity), shown as events from the newest: the
 * grouped view's links and an event's "this GPU's events".
 */
export function narrowedSearch(
  params: EventParams,
  nodeName: string,
  entity?: { entityType: string; entityValue: string },
): EventParams {
  return {
    ...params,
    node: nodeName,
    entity: entity ? entityText(entity) : params.entity,
    view: undefined,
    after: undefined,
  };
}

/** `GPU:3`, as the entity filter takes it. */
export const entityText = (entity: { entityType: string; entityValue: string }) =>
  `${entity.entityType}:${entity.entityValue}`;

/** `GPU 3`, as a person reads it. */
export const entityLabel = (entity: { entityType: string; entityValue: string }) =>
  `${entity.entityType} ${entity.entityValue}`.trim();

/**
 * The severity NVSentinel acts on: a healthy event is a recovery whatever its isFatal says
 * (fault-quarantine reads IsHealthy first: fault-quarantine/pkg/reconciler/reconciler.go:566 at
 * lalitadithya/NVSentinel@42672ae).
 */
export function severityOf(event: { isFatal: boolean; isHealthy: boolean }): EventSeverity {
  return event.isHealthy ? 'healthy' : event.isFatal ? 'fatal' : 'unhealthy';
}

/**
 * A healthy event that also says isFatal: NVSentinel treats it as a recovery (severityOf), while
 * the "fatal" filter, the fatal counts and the roll-ups count it as fatal. Shown beside its
 * severity so a row found by `severity=fatal` does not read as a plain "healthy".
 */
export const MARKED_FATAL_NOTE =
  'Marked fatal by its monitor, but healthy: NVSentinel treats it as a recovery; the fatal filter and fatal counts include it';

export const isMarkedFatalRecovery = (event: { isFatal: boolean; isHealthy: boolean }) =>
  event.isHealthy && event.isFatal;

/**
 * The node page with a range that holds the event (the smallest of its ranges reaching back to
 * it, with a margin: the link is opened later than it is drawn, by a clock that may differ),
 * naming the event, so the node's timeline and table include it.
 */
export function nodeEventHref(event: { nodeName: string; createdAt: number; recordId: string }, now: number): string {
  const age = Math.max(0, now - event.createdAt);
  const reach = age + Math.max(10 * 60_000, age / 10);
  const range = (Object.keys(NODE_RANGES) as NodeRange[]).find((name) => NODE_RANGES[name] >= reach) ?? '30d';
  return `/nodes/${encodeURIComponent(event.nodeName)}?range=${range}&event=${encodeURIComponent(event.recordId)}`;
}

/** The export's URL for a search: the same filters (from the newest, whatever page is shown). */
export function eventExportHref(params: EventParams, format: 'csv' | 'json'): string {
  const query = eventSearchQuery({ ...params, after: undefined, limit: undefined });
  return `/api/events?${query}${query ? '&' : ''}format=${format}`;
}

/**
 * The entity types NVSentinel's monitors write, as they spell them (lalitadithya/NVSentinel @ 42672ae):
 * GPU (gpu-health-monitor/.../platform_connector.py:112,361; syslog sxid_handler.go:86), GPU_UUID
 * and PCI (platform_connector.py:367-373; xid_handler.go:504-510), PCI_ID (gpufallen_handler.go:218),
 * NIC and NICPort (nic-health-monitor/pkg/checks/types.go:39-40), NVSWITCH and NVLINK
 * (sxid_handler.go:83-85), GPC, TPC, SM and REG0 to REG6 (xid_handler.go:461-495). Others write
 * their own: a Kubernetes kind as group/version/kind (kubernetes-object-monitor's GVK(), the slurm
 * drain monitor's v1/Pod), a cloud's resource type (csp-health-monitor).
 */
const ENTITY_TYPES = [
  'GPU',
  'GPU_UUID',
  'PCI',
  'PCI_ID',
  'NIC',
  'NICPort',
  'NVSWITCH',
  'NVLINK',
  'GPC',
  'TPC',
  'SM',
  ...Array.from({ length: 7 }, (_, index) => `REG${index}`),
];
const ENTITY_TYPE_OF = new Map(ENTITY_TYPES.map((type) => [type.toLowerCase(), type]));

/** A type NVSentinel writes, in its spelling whatever the case given (`gpu` is GPU); any other as given. */
export const canonicalEntityType = (type: string) => ENTITY_TYPE_OF.get(type.toLowerCase()) ?? type;

/**
 * Why a search by this entity (TYPE:VALUE) may find nothing: its type is none NVSentinel's monitors
 * write that the console knows, and a type is matched exactly. Null for a known type or a kind.
 */
export function entityTypeNote(entity: string | undefined): string | null {
  const type = entity?.slice(0, Math.max(0, entity.indexOf(':')));
  if (!type || ENTITY_TYPE_OF.has(type.toLowerCase()) || type.includes('/')) return null;
  return `NVSentinel's monitors write no entity type ${JSON.stringify(type)} that the console knows (${ENTITY_TYPES.filter((name) => !name.startsWith('REG')).join(', ')}, REG0 to REG6; Kubernetes kinds such as v1/Pod), and a type is matched exactly, case included`;
}

interface ReadWindow {
  params: EventParams;
  window: { from: number; to: number };
}

/**
 * The search pinned to the window an answer read: from and to in place of a range, so its older
 * pages and its export read that window however much later they are opened (a range read again
 * later is a later window: its oldest events would fall out between two pages).
 */
export function pinnedSearch(answer: ReadWindow): EventParams {
  return {
    ...answer.params,
    range: undefined,
    from: new Date(answer.window.from).toISOString(),
    to: new Date(answer.window.to).toISOString(),
    after: undefined,
  };
}

/** The page after an answer's last event (`next`), in the window the answer read. */
export function olderEventsHref(answer: ReadWindow, next: string): string {
  return eventSearchHref({ ...pinnedSearch(answer), after: next });
}

/**
 * From an older page back to the newest events: the relative range again when the window spans
 * one (an older page of "last 15 minutes" is one), else the first page of the window.
 */
export function newestEventsHref(answer: ReadWindow): string {
  const span = answer.window.to - answer.window.from;
  const range = answer.params.from ? EVENT_RANGE_NAMES.find((name) => EVENT_RANGES[name] === span) : undefined;
  return eventSearchHref(
    range
      ? { ...answer.params, from: undefined, to: undefined, range, after: undefined }
      : { ...answer.params, after: undefined },
  );
}
