// The event search's parameters as they travel in the URL (the page, GET /api/events and its
// export read the same), checked one by one: a bad value is refused with a message naming the
// parameter, what it must be and what came. An unknown parameter is refused too (a misspelt
// filter, ignored, would search everything), and a known one given twice (which one was meant?).
// What NVSentinel writes in one spelling is read in that spelling: an XID without leading zeros,
// a known entity type in its case.
import { z } from 'zod';

import { RECOMMENDED_ACTIONS, type HealthEventFilter, type PageCursor, type RecommendedActionName } from '@/lib/store';

import {
  DEFAULT_EVENT_RANGE,
  DEFAULT_PAGE_SIZE,
  EVENT_PARAMS,
  EVENT_RANGE_NAMES,
  EVENT_NAME_PATTERN,
  EVENT_RANGES,
  EVENT_SEVERITY_FILTERS,
  EVENT_VIEWS,
  MAX_PAGE_SIZE,
  MAX_SPAN_DAYS,
  type EventParams,
  type EventRange,
  type EventSeverityFilter,
  type EventView,
  canonicalEntityType,
  entityText,
} from './events-view';

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface EventSearch {
  /** What the store is asked: the filters, with the window's from and to. */
  filter: HealthEventFilter & { from: Date; to: Date };
  view: EventView;
  limit: number;
  after?: PageCursor;
  /** The search normalised, as links and the page show it. */
  params: EventParams;
  format?: ExportFormat;
}

export type EventSearchParse = { ok: true; search: EventSearch } | { ok: false; error: string };

const ACTION_NAMES = Object.keys(RECOMMENDED_ACTIONS) as RecommendedActionName[];
const HOUR = 3_600_000;
const DAY = 86_400_000;
/**
 * The longest window a grouping by node may span when no node name, XID or entity narrows it:
 * such a grouping reads every event of the window (about 333,000 a day at 10,000,000 events over
 * 30 days; docs/benchmarks.md, "Event search").
 */
const MAX_UNNARROWED_GROUP_HOURS = 24;
const PARAM_NAMES: readonly string[] = [...EVENT_PARAMS, 'format'];
/** Names a person or a script may mean (the store's field names, other tools' words): the parameter meant. */
const MEANT: Record<string, string> = {
  errorcode: 'xid',
  code: 'xid',
  checkname: 'check',
  componentclass: 'component',
  entitytype: 'entity',
  entityvalue: 'entity',
  gpu: 'entity',
  nodename: 'node',
  nodeprefix: 'node',
  isfatal: 'severity',
  recommendedaction: 'action',
  since: 'from',
  until: 'to',
  cursor: 'after',
  pagesize: 'limit',
};
const shown = (value: string) => JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
const oneOf = (values: readonly string[]) => values.join(', ');

/** A Kubernetes node name (DNS-1123 subdomain), or the start of one followed by `*`. */
const NODE = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const NODE_PREFIX = /^[a-z0-9][-a-z0-9.]{0,251}\*$/;
/** ISO 8601 with a zone (a time without one would be read in the server's zone). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function text(name: string, pattern: RegExp, what: string) {
  return z
    .string()
    .optional()
    .refine((value) => value === undefined || pattern.test(value), {
      error: (issue) => `${name} must be ${what} (got ${shown(String(issue.input))})`,
    });
}

function time(name: string) {
  return z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined) return undefined;
      const at = new Date(value);
      if (!ISO_TIME.test(value) || Number.isNaN(at.getTime())) {
        context.addIssue({
          code: 'custom',
          message: `${name} must be an ISO 8601 time with its zone, such as 2026-12-06T10:00:00Z (got ${shown(value)})`,
        });
        return z.NEVER;
      }
      return at;
    });
}

function choice<T extends string>(name: string, values: readonly T[]) {
  return z
    .string()
    .optional()
    .refine((value) => value === undefined || (values as readonly string[]).includes(value), {
      error: (issue) => `${name} must be one of ${oneOf(values)} (got ${shown(String(issue.input))})`,
    })
    .transform((value) => value as T | undefined);
}

const schema = z.object({
  // The syslog monitor writes an XID with %d (syslog-health-monitor/pkg/xid/parser/csv.go:216): 079 is 79.
  xid: text('xid', /^\d{1,10}$/, 'an XID: digits only, such as 79').transform((value) =>
    value?.replace(/^0+(?=\d)/, ''),
  ),
  check: text('check', EVENT_NAME_PATTERN, 'a check name such as SysLogsXIDError'),
  agent: text('agent', EVENT_NAME_PATTERN, 'an agent name such as syslog-health-monitor'),
  component: text('component', EVENT_NAME_PATTERN, 'a component class such as GPU or NIC'),
  // A type may be a Kubernetes kind (v1/Pod, apps/v1/Deployment), as kubernetes-object-monitor writes it.
  entity: text(
    'entity',
    /^[A-Za-z][A-Za-z0-9_./-]{0,127}:[^\s]{1,256}$/,
    'TYPE:VALUE, such as GPU:3 or NIC:mlx5_0',
  ).transform((value) => {
    if (value === undefined) return undefined;
    const colon = value.indexOf(':');
    const type = canonicalEntityType(value.slice(0, colon));
    // A GPU's index is written with strconv.Itoa or str() (sxid_handler.go:86, platform_connector.py:361).
    const entityValue = type === 'GPU' ? value.slice(colon + 1).replace(/^0+(?=\d+$)/, '') : value.slice(colon + 1);
    return { entityType: type, entityValue };
  }),
  severity: choice<EventSeverityFilter>('severity', EVENT_SEVERITY_FILTERS),
  action: z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined) return undefined;
      const name = value.toUpperCase();
      if (!(ACTION_NAMES as string[]).includes(name)) {
        context.addIssue({
          code: 'custom',
          message: `action must be a recommended action: one of ${oneOf(ACTION_NAMES)} (got ${shown(value)})`,
        });
        return z.NEVER;
      }
      return name as RecommendedActionName;
    }),
  node: z
    .string()
    .optional()
    .refine((value) => value === undefined || (value.length <= 253 && (NODE.test(value) || NODE_PREFIX.test(value))), {
      error: (issue) =>
        `node must be a node name, or its start followed by * (lowercase letters, digits, "-" and "."; at most 253 characters) (got ${shown(String(issue.input))})`,
    }),
  range: choice<EventRange>('range', EVENT_RANGE_NAMES),
  from: time('from'),
  to: time('to'),
  view: choice<EventView>('view', EVENT_VIEWS),
  limit: text('limit', /^\d{1,3}$/, `a whole number from 1 to ${MAX_PAGE_SIZE}`)
    .transform((value) => (value === undefined ? undefined : Number(value)))
    .refine((value) => value === undefined || (value >= 1 && value <= MAX_PAGE_SIZE), {
      error: (issue) => `limit must be a whole number from 1 to ${MAX_PAGE_SIZE} (got ${String(issue.input)})`,
    }),
  after: z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined) return undefined;
      const match = /^(.+)_([0-9A-Za-z-]{1,64})$/.exec(value);
      const at = match ? new Date(match[1]) : null;
      if (!match || !ISO_TIME.test(match[1]) || Number.isNaN(at!.getTime())) {
        context.addIssue({
          code: 'custom',
          message: `after must be the cursor of a previous page, <time>_<id> (got ${shown(value)})`,
        });
        return z.NEVER;
      }
      return { createdAt: match[1], recordId: match[2] } satisfies PageCursor;
    }),
  format: choice<ExportFormat>('format', EXPORT_FORMATS),
});

type Input = URLSearchParams | Record<string, string | string[] | undefined>;

/** The first parameter the search does not take, named with the one perhaps meant and those it takes. */
function unknownParameter(input: Input): string | undefined {
  const names = input instanceof URLSearchParams ? [...input.keys()] : Object.keys(input);
  const unknown = names.find((name) => !PARAM_NAMES.includes(name));
  if (unknown === undefined) return undefined;
  const lower = unknown.toLowerCase();
  const meant = PARAM_NAMES.includes(lower) ? lower : MEANT[lower];
  return `unknown parameter ${shown(unknown)}${meant ? ` (did you mean ${meant}?)` : ''}; the search takes ${oneOf(PARAM_NAMES)}`;
}

/** Each known parameter's single value ('' counts as absent), or the error for one given twice or unknown. */
function single(input: Input): { ok: true; raw: Record<string, string> } | { ok: false; error: string } {
  const unknown = unknownParameter(input);
  if (unknown) return { ok: false, error: unknown };
  const raw: Record<string, string> = {};
  for (const name of PARAM_NAMES) {
    const values = (input instanceof URLSearchParams ? input.getAll(name) : [input[name] ?? []].flat()).filter(
      (value) => value !== '',
    );
    if (values.length > 1) return { ok: false, error: `${name} is given ${values.length} times: give it once` };
    if (values.length === 1) raw[name] = values[0].trim();
  }
  return { ok: true, raw };
}

/** Reads a search; `now` ends a range (the window is [now − range, now)). */
export function parseEventSearch(input: Input, now = Date.now()): EventSearchParse {
  const given = single(input);
  if (!given.ok) return given;
  const parsed = schema.safeParse(given.raw);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0].message };
  const value = parsed.data;

  if (value.range && (value.from || value.to)) return { ok: false, error: 'give either range or from/to, not both' };
  if (value.to && !value.from) return { ok: false, error: 'to needs a from: the search starts at from' };
  // A range read again is a later window: the events between its old and its new start would fall
  // out between two pages.
  if (value.after && !value.from)
    return {
      ok: false,
      error:
        'after continues the window its first page read: give it with from and to (the Older events link carries them), not with range',
    };
  const to = value.to ?? new Date(now);
  const from = value.from ?? new Date(to.getTime() - EVENT_RANGES[value.range ?? DEFAULT_EVENT_RANGE]);
  if (!(from < to))
    return { ok: false, error: `from must be before to (from ${from.toISOString()}, to ${to.toISOString()})` };
  if (to.getTime() - from.getTime() > MAX_SPAN_DAYS * DAY)
    return {
      ok: false,
      error: `from and to may be at most ${MAX_SPAN_DAYS} days apart (they are ${((to.getTime() - from.getTime()) / DAY).toFixed(1)} days apart)`,
    };

  const span = to.getTime() - from.getTime();
  if (
    value.view === 'nodes' &&
    !value.xid &&
    !value.entity &&
    !NODE.test(value.node ?? '') &&
    span > MAX_UNNARROWED_GROUP_HOURS * HOUR
  )
    return {
      ok: false,
      error: `view=nodes without a node name, an XID or an entity groups every event of the window, so its window may span at most ${MAX_UNNARROWED_GROUP_HOURS} hours (this one spans ${span < 72 * HOUR ? `${(span / HOUR).toFixed(1)} hours` : `${(span / DAY).toFixed(1)} days`}): choose a range of ${MAX_UNNARROWED_GROUP_HOURS}h or less, or give node, xid or entity`,
    };

  const filter: EventSearch['filter'] = { from, to };
  if (value.xid) filter.errorCode = value.xid;
  if (value.check) filter.checkName = value.check;
  if (value.agent) filter.agent = value.agent;
  if (value.component) filter.componentClass = value.component;
  if (value.entity) filter.entity = value.entity;
  if (value.severity === 'fatal') filter.isFatal = true;
  if (value.severity === 'healthy') filter.isHealthy = true;
  if (value.severity === 'unhealthy') Object.assign(filter, { isFatal: false, isHealthy: false });
  if (value.severity === 'non-fatal') filter.isFatal = false;
  if (value.action) filter.recommendedAction = [value.action];
  if (value.node?.endsWith('*')) filter.nodePrefix = value.node.slice(0, -1);
  else if (value.node) filter.nodeName = value.node;

  const params: EventParams = {
    xid: value.xid,
    check: value.check,
    agent: value.agent,
    component: value.component,
    entity: value.entity ? entityText(value.entity) : undefined,
    severity: value.severity,
    action: value.action,
    node: value.node,
    ...(value.from
      ? { from: from.toISOString(), to: value.to ? to.toISOString() : undefined }
      : { range: value.range ?? DEFAULT_EVENT_RANGE }),
    view: value.view,
    limit: value.limit === undefined ? undefined : String(value.limit),
    after: given.raw.after,
  };
  return {
    ok: true,
    search: {
      filter,
      view: value.view ?? 'events',
      limit: value.limit ?? DEFAULT_PAGE_SIZE,
      after: value.after,
      params: Object.fromEntries(Object.entries(params).filter(([, text]) => text !== undefined)),
      format: value.format,
    },
  };
}
