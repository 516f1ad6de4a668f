// The Reliability page's figures from incidents (./reliability-incidents.ts): per check, agent or
// node, how long from the fault to quarantine, drain, remediation and release (p50/p90), and per
// node the time between incidents, the MTBI of the breakfix design proposed in NVIDIA/NVSentinel
// pull request #1413 (not part of NVSentinel as deployed). Pure: the unit tests pin every definition.
import type { Incident } from './reliability-incidents';

export const RELIABILITY_RANGES = {
  '24h': { label: '24 hours', ms: 24 * 3_600_000 },
  '7d': { label: '7 days', ms: 7 * 86_400_000 },
  '30d': { label: '30 days', ms: 30 * 86_400_000 },
} as const;
export type ReliabilityRange = keyof typeof RELIABILITY_RANGES;
export const RELIABILITY_RANGE_NAMES = Object.keys(RELIABILITY_RANGES) as ReliabilityRange[];

export const RELIABILITY_DIMENSIONS = ['check', 'agent', 'node'] as const;
export type ReliabilityDimension = (typeof RELIABILITY_DIMENSIONS)[number];
export const DIMENSION_LABELS: Record<ReliabilityDimension, string> = { check: 'Check', agent: 'Agent', node: 'Node' };

export const STAGES = ['quarantine', 'drain', 'remediation', 'release'] as const;
export type Stage = (typeof STAGES)[number];

const DEFAULT_RANGE: ReliabilityRange = '7d';
const DEFAULT_DIMENSION: ReliabilityDimension = 'check';
/** Rows a table sends at most (a 10,000-node fleet has a row per node): the most incidents first. */
export const MAX_ROWS = 200;

/** Durations (ms) summarised; null percentiles when there are none. */
export interface Spread {
  count: number;
  p50: number | null;
  p90: number | null;
}

export interface StageFigures {
  /** Per stage: the incidents that reached it, and fault-to-stage time. */
  stages: Record<Stage, Spread>;
  drainFailed: number;
  remediationFailed: number;
  releasedByHand: number;
  /** Not released (yet, or without a release decision in the range). */
  held: number;
}

export interface DimensionRow extends StageFigures {
  key: string;
  incidents: number;
}

export interface NodeIntervals extends Spread {
  nodeName: string;
  incidents: number;
  /** Mean time between this node's incidents (ms): the proposal's MTBI for the node. */
  mean: number | null;
}

export interface ReliabilityView {
  range: ReliabilityRange;
  by: ReliabilityDimension;
  /** The window read (ms): incidents whose quarantining event was stored in it. */
  from: number;
  to: number;
  incidents: number;
  /** Decided events read (Quarantined, AlreadyQuarantined, UnQuarantined, Cancelled). */
  decisionsRead: number;
  fleet: StageFigures;
  /** Every interval between two incidents of one node, over the fleet. */
  fleetIntervals: Spread & { mean: number | null; nodes: number };
  rows: DimensionRow[];
  rowsTotal: number;
  nodes: NodeIntervals[];
  nodesTotal: number;
  provider: string;
  readAt: number;
}

/** Nearest-rank percentile of sorted values (p50 of [a, b] is a): always a duration that happened. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

export function spreadOf(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9) };
}

/** Fault to the stage's time; a stage stamped before the fault (monitor and server clocks apart) counts as 0. */
function stageTime(incident: Incident, stage: Stage): number | null {
  const at = {
    quarantine: incident.quarantinedAt,
    drain: incident.drain === 'done' ? incident.drainedAt : null,
    remediation: incident.remediation === 'done' ? incident.remediatedAt : null,
    release: incident.release === 'auto' ? incident.releasedAt : null,
  }[stage];
  return at === null ? null : Math.max(0, at - incident.faultAt);
}

export function stageFigures(incidents: readonly Incident[]): StageFigures {
  const stages = Object.fromEntries(
    STAGES.map((stage) => [
      stage,
      spreadOf(incidents.map((incident) => stageTime(incident, stage)).filter((time): time is number => time !== null)),
    ]),
  ) as Record<Stage, Spread>;
  return {
    stages,
    drainFailed: incidents.filter((incident) => incident.drain === 'failed').length,
    remediationFailed: incidents.filter((incident) => incident.remediation === 'failed').length,
    releasedByHand: incidents.filter((incident) => incident.release === 'hand').length,
    held: incidents.filter((incident) => incident.release === 'held').length,
  };
}

const keyOf: Record<ReliabilityDimension, (incident: Incident) => string> = {
  check: (incident) => incident.checkName,
  agent: (incident) => incident.agent,
  node: (incident) => incident.nodeName,
};

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(key(item));
    if (list) list.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

const mostFirst = (a: { incidents: number; key: string }, b: { incidents: number; key: string }) =>
  b.incidents - a.incidents || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

export function dimensionRows(incidents: readonly Incident[], by: ReliabilityDimension): DimensionRow[] {
  return [...groupBy(incidents, keyOf[by])]
    .map(([key, group]) => ({ key, incidents: group.length, ...stageFigures(group) }))
    .sort(mostFirst);
}

/**
 * The proposal's (NVIDIA/NVSentinel PR #1413) interval: generatedTimestamp(incident N+1) −
 * generatedTimestamp(incident N) of one node, counted only when positive (the proposal skips
 * non-positive ones: clock skew, out of order). `incidents` are one node's: those of the range and
 * the one before its first (begunBefore), so the first of the range has an interval when the node
 * had an incident before it.
 */
export function intervalsOf(incidents: readonly Incident[]): number[] {
  const faults = incidents.map((incident) => incident.faultAt).sort((a, b) => a - b);
  return faults
    .slice(1)
    .map((at, index) => at - faults[index])
    .filter((interval) => interval > 0);
}

const mean = (values: number[]) =>
  values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : null;

/** Per node with an incident in the range: its count and the time between its incidents (with the one before the range). */
export function nodeIntervals(incidents: readonly Incident[]): NodeIntervals[] {
  return [...groupBy(incidents, keyOf.node)]
    .map(([nodeName, group]) => {
      const intervals = intervalsOf(group);
      const inRange = group.filter((incident) => !incident.begunBefore).length;
      return { nodeName, incidents: inRange, ...spreadOf(intervals), mean: mean(intervals) };
    })
    .filter((node) => node.incidents > 0)
    .sort((a, b) => mostFirst({ ...a, key: a.nodeName }, { ...b, key: b.nodeName }));
}

/** The figures of the range's incidents; a begunBefore incident only starts its node's first interval. */
export function reliabilityFigures(
  incidents: readonly Incident[],
  request: { range: ReliabilityRange; by: ReliabilityDimension; from: number; to: number },
): Omit<ReliabilityView, 'decisionsRead' | 'provider' | 'readAt'> {
  const inRange = incidents.filter((incident) => !incident.begunBefore);
  const rows = dimensionRows(inRange, request.by);
  const nodes = nodeIntervals(incidents);
  const intervals = [...groupBy(incidents, keyOf.node).values()]
    .filter((group) => group.some((incident) => !incident.begunBefore))
    .flatMap(intervalsOf);
  return {
    ...request,
    incidents: inRange.length,
    fleet: stageFigures(inRange),
    fleetIntervals: { ...spreadOf(intervals), mean: mean(intervals), nodes: nodes.length },
    rows: rows.slice(0, MAX_ROWS),
    rowsTotal: rows.length,
    nodes: nodes.slice(0, MAX_ROWS),
    nodesTotal: nodes.length,
  };
}

const isRange = (value: string): value is ReliabilityRange => Object.hasOwn(RELIABILITY_RANGES, value);
const isDimension = (value: string): value is ReliabilityDimension =>
  (RELIABILITY_DIMENSIONS as readonly string[]).includes(value);

type Params = URLSearchParams | Record<string, string | string[] | undefined>;
const ACCEPTED = ['range', 'by'];

function values(params: Params, name: string): string[] {
  if (params instanceof URLSearchParams) return params.getAll(name);
  const value = params[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function names(params: Params): string[] {
  return params instanceof URLSearchParams ? [...new Set(params.keys())] : Object.keys(params);
}

/** The page's reading: anything unknown falls back to the default, so a stale link still opens. */
export function parseReliabilityParams(params: Params): { range: ReliabilityRange; by: ReliabilityDimension } {
  const [range] = values(params, 'range');
  const [by] = values(params, 'by');
  return {
    range: range !== undefined && isRange(range) ? range : DEFAULT_RANGE,
    by: by !== undefined && isDimension(by) ? by : DEFAULT_DIMENSION,
  };
}

export type ReliabilityParamsResult =
  { ok: true; range: ReliabilityRange; by: ReliabilityDimension } | { ok: false; error: string };

const shown = (value: string) => JSON.stringify(value.slice(0, 100));

/** The API's reading: a missing value is the default; an unknown, repeated or unexpected parameter is an error naming it. */
export function checkReliabilityParams(params: Params): ReliabilityParamsResult {
  const unknown = names(params).find((name) => !ACCEPTED.includes(name));
  if (unknown !== undefined)
    return { ok: false, error: `unknown parameter ${shown(unknown)}: only ${ACCEPTED.join(' and ')} are taken` };
  for (const name of ACCEPTED)
    if (values(params, name).length > 1) return { ok: false, error: `${name} is given more than once` };
  const [range] = values(params, 'range');
  if (range !== undefined && !isRange(range))
    return { ok: false, error: `range must be one of ${RELIABILITY_RANGE_NAMES.join(', ')} (got ${shown(range)})` };
  const [by] = values(params, 'by');
  if (by !== undefined && !isDimension(by))
    return { ok: false, error: `by must be one of ${RELIABILITY_DIMENSIONS.join(', ')} (got ${shown(by)})` };
  return { ok: true, range: range ?? DEFAULT_RANGE, by: by ?? DEFAULT_DIMENSION };
}
