// Builds the node page's GPU grid (./node-gpus-view.ts) from the events its timeline read (the
// same points it draws, not whole documents): per entity named, a strip of the range (worst
// severity per bucket), its failures, fatal ones, distinct XIDs and XID bursts. Pure.
import type { NodeRange, NodeTimelinePoint } from './node-detail-view';
import {
  BURST_SILENCE_MS,
  CELL_CODE,
  compareEntities,
  entityKey,
  type EntityGrid,
  type EntityGridRow,
  type GridCell,
} from './node-gpus-view';

/** One cell per bucket of the range: round steps, 30 to 60 cells a strip. */
const GRID_BUCKET_MS: Record<NodeRange, number> = {
  '1h': 120_000,
  '6h': 600_000,
  '24h': 1_800_000,
  '7d': 14_400_000,
  '30d': 43_200_000,
};

const WORSE: Record<GridCell, number> = { unread: 0, none: 1, healthy: 2, unhealthy: 3, fatal: 4 };

/** What the grid reads of an event: a timeline point's fields (an event table row has them too). */
type GridEvent = Pick<
  NodeTimelinePoint,
  'createdAt' | 'generatedAt' | 'isFatal' | 'isHealthy' | 'errorCode' | 'entities'
>;

const severity = (event: GridEvent): GridCell => (event.isHealthy ? 'healthy' : event.isFatal ? 'fatal' : 'unhealthy');

/** When the monitor saw it (the timeline's time), else when it was stored. */
const timeOf = (event: GridEvent) => event.generatedAt ?? event.createdAt;

/** Runs of times (ascending) in which each follows the one before by less than BURST_SILENCE_MS. */
export function countBursts(times: number[]): number {
  let bursts = 0;
  let previous = -Infinity;
  for (const time of times) {
    if (time - previous >= BURST_SILENCE_MS) bursts += 1;
    previous = time;
  }
  return bursts;
}

const numericOrder = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/**
 * The grid of `events` (a node's, stored in [from, to), newest first as read). `truncated`: the
 * range held more events than were read, so the strip marks what lies before the oldest read.
 */
export function entityGrid(
  events: GridEvent[],
  window: { range: NodeRange; from: number; to: number; truncated: boolean },
): EntityGrid {
  const { from, to } = window;
  const bucketMs = GRID_BUCKET_MS[window.range];
  const buckets = Math.max(1, Math.ceil((to - from) / bucketMs));
  const bucketOf = (at: number) => Math.min(buckets - 1, Math.max(0, Math.floor((at - from) / bucketMs)));
  const readFrom =
    window.truncated && events.length > 0 ? Math.max(from, Math.min(...events.map((event) => event.createdAt))) : from;
  const firstRead = bucketOf(readFrom);

  const byEntity = new Map<string, { entity: GridEvent['entities'][number]; events: GridEvent[] }>();
  for (const event of events)
    for (const entity of event.entities) {
      const key = entityKey(entity);
      const entry = byEntity.get(key) ?? { entity, events: [] };
      // An event naming one entity twice counts once.
      if (entry.events.at(-1) !== event) entry.events.push(event);
      byEntity.set(key, entry);
    }

  const rows: EntityGridRow[] = [...byEntity.values()].map(({ entity, events: own }) => {
    const cells: GridCell[] = Array.from({ length: buckets }, (_, index) => (index < firstRead ? 'unread' : 'none'));
    for (const event of own) {
      const index = bucketOf(timeOf(event));
      const cell = severity(event);
      if (WORSE[cell] > WORSE[cells[index]!]) cells[index] = cell;
    }
    const failures = own.filter((event) => !event.isHealthy);
    const xidFailures = failures.filter((event) => event.errorCode.length > 0);
    return {
      entityType: entity.entityType,
      entityValue: entity.entityValue,
      events: own.length,
      failures: failures.length,
      fatal: failures.filter((event) => event.isFatal).length,
      xids: [...new Set(failures.flatMap((event) => event.errorCode))].sort(numericOrder),
      bursts: countBursts(xidFailures.map(timeOf).sort((a, b) => a - b)),
      lastFailureAt: failures.length > 0 ? Math.max(...failures.map(timeOf)) : null,
      cells: cells.map((cell) => CELL_CODE[cell]).join(''),
    };
  });
  rows.sort(compareEntities);
  return { from, to, bucketMs, readFrom, rows };
}
