'use client';
// A node's events over time, one row per check, coloured by severity (fatal drawn over the rest),
// with the quarantine sessions as bands (orange: quarantined, blue: draining) and remediations as
// lines. The tooltip names the point under the pointer (or the keyboard's); a point is a link that
// opens its event in the table (?event=<id>). The chart is one Tab stop: the arrow keys move from
// point to point in time order and Enter opens one, like the Throughput chart's segments.
import { useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import {
  CartesianGrid,
  DefaultZIndexes,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  ZIndexLayer,
  usePlotArea,
  useXAxisScale,
  useYAxisScale,
  type ScatterShapeProps,
} from 'recharts';

import { useDisplayZone } from '@/components/ui/display-zone';
import { formatClock, formatTime } from '@/lib/format/time';
import type { NodeTimelinePoint } from '@/lib/queries/node-detail-view';

const DAY_MS = 24 * 3600_000;

interface Band {
  from: number;
  to: number;
  kind: 'quarantine' | 'drain';
}

/** Quarantine and drain periods, from the events' status fields. */
export function sessionBands(
  events: NodeTimelinePoint[],
  now: number,
): { bands: Band[]; remediations: { at: number; ok: boolean }[] } {
  const ordered = [...events].sort((a, b) => a.createdAt - b.createdAt);
  const bands: Band[] = [];
  const remediations: { at: number; ok: boolean }[] = [];
  let open: { from: number; event: NodeTimelinePoint } | null = null;
  const close = (to: number) => {
    if (!open) return;
    bands.push({ from: open.from, to, kind: 'quarantine' });
    const drain = open.event.status;
    if (drain.eviction === 'InProgress' || drain.drainFinishedAt)
      bands.push({ from: open.from, to: drain.drainFinishedAt ?? to, kind: 'drain' });
    open = null;
  };
  for (const event of ordered) {
    const decision = event.status.nodeQuarantined;
    if (decision === 'Quarantined') {
      close(event.createdAt);
      open = { from: event.status.quarantineFinishedAt ?? event.createdAt, event };
    } else if (decision === 'UnQuarantined') close(event.status.quarantineFinishedAt ?? event.createdAt);
    if (event.status.remediated !== null)
      remediations.push({
        at: event.status.remediatedAt ?? event.status.drainFinishedAt ?? event.createdAt,
        ok: event.status.remediated,
      });
  }
  // A session whose events were all Cancelled ended by hand; it shows as a band up to its last event.
  close(now);
  return { bands, remediations };
}

type Severity = 'fatal' | 'unhealthy' | 'healthy';
const SEVERITY_OF = (event: NodeTimelinePoint): Severity =>
  event.isHealthy ? 'healthy' : event.isFatal ? 'fatal' : 'unhealthy';
/** Drawing order: later is on top, so a fatal point is never hidden under a recovery at the same time. */
const DRAW_RANK: Record<Severity, number> = { healthy: 0, unhealthy: 1, fatal: 2 };
const FILL: Record<Severity, string> = { fatal: '#dc2626', unhealthy: '#f59e0b', healthy: '#10b981' };

export interface TimelinePoint {
  x: number;
  /** The check's row: its index in the checks, the same whatever the severities. */
  y: number;
  severity: Severity;
  event: NodeTimelinePoint;
}

/** The rows (checks, in name order) and the points in drawing order: healthy first, fatal last. */
export function timelinePoints(events: NodeTimelinePoint[]): { checks: string[]; points: TimelinePoint[] } {
  const checks = [...new Set(events.map((event) => event.checkName))].sort();
  const row = new Map(checks.map((check, index) => [check, index]));
  const points = events
    .map((event) => ({
      x: event.generatedAt ?? event.createdAt,
      y: row.get(event.checkName)!,
      severity: SEVERITY_OF(event),
      event,
    }))
    .sort((a, b) => DRAW_RANK[a.severity] - DRAW_RANK[b.severity] || a.x - b.x);
  return { checks, points };
}

/**
 * The point under the pointer, named: check, severity, time, entity, XID. One series only: recharts
 * 3 fills an item tooltip's payload from every Scatter at the hovered index (recharts issue 6075,
 * combineTooltipPayload), so with a series per severity it named another series' point.
 */
export function TimelineTooltip({ active, payload }: { active?: boolean; payload?: { payload?: TimelinePoint }[] }) {
  const zone = useDisplayZone();
  const point = payload?.[0]?.payload;
  if (!active || !point) return null;
  const { event } = point;
  return (
    <div
      className="max-w-xs rounded border border-zinc-200 bg-white p-2 text-xs text-zinc-900 shadow dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      data-testid="timeline-tooltip"
      data-record-id={event.recordId}
    >
      <p className="font-medium">
        {event.checkName} ·{' '}
        <span
          className={
            point.severity === 'fatal'
              ? 'text-red-700 dark:text-red-400'
              : point.severity === 'healthy'
                ? 'text-emerald-700 dark:text-emerald-400'
                : 'text-amber-700 dark:text-amber-400'
          }
        >
          {point.severity}
        </span>
      </p>
      <p className="text-zinc-600 dark:text-zinc-400">{formatTime(point.x, zone)}</p>
      {event.entities.length > 0 ? (
        <p>{event.entities.map((entity) => `${entity.entityType} ${entity.entityValue}`).join(', ')}</p>
      ) : null}
      {event.errorCode.length > 0 ? <p>XID {event.errorCode.join(', ')}</p> : null}
      {event.message ? <p className="break-words text-zinc-600 dark:text-zinc-400">{event.message}</p> : null}
      <p className="text-zinc-600 dark:text-zinc-400">from {event.agent}</p>
    </div>
  );
}

/** A plain click opens the event in place; a modified or middle click is the browser's (a new tab). */
const opensInPlace = (event: MouseEvent) =>
  event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;

/** A point's accessible name: check, severity, time (in the page's zone), entities, XID. */
export function pointName(point: TimelinePoint, zone: string): string {
  const { event } = point;
  const entities = event.entities.map((entity) => `${entity.entityType} ${entity.entityValue}`).join(', ');
  return [
    `${event.checkName}, ${point.severity}, ${formatTime(point.x, zone)}`,
    entities,
    event.errorCode.length > 0 ? `XID ${event.errorCode.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/**
 * The point the arrow keys move to from `at` (points in time order): ArrowLeft / ArrowRight the
 * previous or next, Home / End the oldest or newest; null for any other key or past either end.
 */
export function movePoint(count: number, at: number, key: string): number | null {
  const next =
    key === 'ArrowLeft' ? at - 1 : key === 'ArrowRight' ? at + 1 : key === 'Home' ? 0 : key === 'End' ? count - 1 : -1;
  return next >= 0 && next < count && next !== at ? next : null;
}

/** A point coloured by its severity (one series, so the colour is the point's, not the series'). */
function TimelineDot({ cx, cy, payload }: ScatterShapeProps) {
  const point = payload as TimelinePoint | undefined;
  if (cx === undefined || cy === undefined || !point) return <g />;
  return <circle cx={cx} cy={cy} r={4.5} fill={FILL[point.severity]} />;
}

/** The point a tooltip names, and where it is drawn. */
interface Shown {
  point: TimelinePoint;
  cx: number;
  cy: number;
  /** In the plot's right half: the tooltip opens to the left, so it stays on the page (a phone's too). */
  leftward: boolean;
}

/**
 * A link over every point, in a layer above them, keyed by its event. Recharts keys its scatter
 * symbols by position, and the axis ends at the page's read time, so every refetch (each live event
 * of the node) draws them anew: a link inside one would lose the focus, and a click in progress.
 */
function PointLinks({
  points,
  zone,
  activeId,
  href,
  onOpen,
  onShow,
}: {
  points: TimelinePoint[];
  zone: string;
  activeId: string | null;
  href: (recordId: string) => string;
  onOpen: (recordId: string) => void;
  onShow: (shown: Shown | null) => void;
}) {
  const x = useXAxisScale();
  const y = useYAxisScale();
  const plot = usePlotArea();
  if (!x || !y) return null;
  const middle = plot ? plot.x + plot.width / 2 : Infinity;
  return (
    <g>
      {points.map((point) => {
        const cx = x(point.x);
        const cy = y(point.y);
        if (cx === undefined || cy === undefined) return null;
        const recordId = point.event.recordId;
        const show = () => onShow({ point, cx, cy, leftward: cx > middle });
        return (
          <a
            key={recordId}
            href={href(recordId)}
            role="link"
            aria-label={`${pointName(point, zone)}: open this event`}
            tabIndex={recordId === activeId ? 0 : -1}
            data-record-id={recordId}
            onClick={(event) => {
              if (!opensInPlace(event)) return;
              event.preventDefault();
              onOpen(recordId);
            }}
            onMouseEnter={show}
            onMouseLeave={() => onShow(null)}
            onFocus={show}
            onBlur={() => onShow(null)}
            className="cursor-pointer outline-none"
          >
            {/* Wider than the dot, to point at; ringed when the keyboard is on it. */}
            <circle
              cx={cx}
              cy={cy}
              r={7.5}
              fill="transparent"
              strokeWidth={2}
              className="stroke-transparent [a:focus-visible>&]:stroke-sky-500"
            />
          </a>
        );
      })}
    </g>
  );
}

export function NodeTimeline({
  events,
  from,
  to,
  eventHref,
  onOpen,
}: {
  /** The range's newest events, as the server read them for the chart (at most MAX_TIMELINE_POINTS). */
  events: NodeTimelinePoint[];
  from: number;
  to: number;
  /** The page's address with the event opened (?event=<id>): a point is a link to it. */
  eventHref?: (recordId: string) => string;
  /** Opens a point's event in the table. */
  onOpen?: (recordId: string) => void;
}) {
  const { checks, points } = timelinePoints(events);
  const { bands, remediations } = sessionBands(events, to);
  const height = Math.max(160, 60 + checks.length * 28);
  const zone = useDisplayZone();
  const container = useRef<HTMLDivElement>(null);
  // The keyboard walks the points in time order; its Tab stop starts on the newest.
  const inTime = [...points].sort((a, b) => a.x - b.x);
  const [chosen, setChosen] = useState<string | null>(null);
  const activeId = inTime.some((point) => point.event.recordId === chosen)
    ? chosen
    : (inTime.at(-1)?.event.recordId ?? null);
  const focusPoint = (recordId: string) => {
    for (const element of container.current?.querySelectorAll<SVGAElement>('a[data-record-id]') ?? [])
      if (element.dataset.recordId === recordId) return element.focus();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = event.target;
    if (!(target instanceof SVGAElement) || target.dataset.recordId === undefined) return;
    const at = inTime.findIndex((point) => point.event.recordId === target.dataset.recordId);
    const next = at < 0 ? null : movePoint(inTime.length, at, event.key);
    if (next === null) return;
    event.preventDefault();
    const recordId = inTime[next].event.recordId;
    setChosen(recordId);
    focusPoint(recordId);
  };
  const [shown, setShown] = useState<Shown | null>(null);
  return (
    <div
      ref={container}
      style={{ height }}
      data-testid="node-timeline"
      // The axes' labels take this colour (recharts' own grey is 3:1 on the dark theme's panel).
      className="relative text-zinc-600 dark:text-zinc-400"
      role="figure"
      aria-label="Health events over time, a row per check; each point links to its event, the arrow keys move between points"
      onKeyDown={onKeyDown}
      onFocus={(event) => {
        const recordId = (event.target as Element).getAttribute('data-record-id');
        if (recordId) setChosen(recordId);
      }}
    >
      {/* A resize moves every point: a tooltip drawn where its point was would stand past the
          edge (a phone turned, a window narrowed), so it goes until the pointer or the keys show one again. */}
      <ResponsiveContainer width="100%" height="100%" onResize={() => setShown(null)}>
        <ScatterChart margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.1} />
          <XAxis
            type="number"
            dataKey="x"
            domain={[from, to]}
            scale="time"
            tickFormatter={(value: number) => formatClock(value, zone, { day: to - from > DAY_MS })}
            tick={{ fontSize: 11, fill: 'currentColor' }}
          />
          {/* A number axis of rows: the checks keep their order whatever order the points are drawn in. */}
          <YAxis
            type="number"
            dataKey="y"
            domain={[-0.5, checks.length - 0.5]}
            ticks={checks.map((_, index) => index)}
            tickFormatter={(index: number) => checks[index] ?? ''}
            interval={0}
            allowDecimals={false}
            reversed
            width={170}
            tick={{ fontSize: 11, fill: 'currentColor' }}
          />
          {bands.map((band, index) => (
            <ReferenceArea
              key={index}
              x1={Math.max(band.from, from)}
              x2={Math.min(band.to, to)}
              fill={band.kind === 'quarantine' ? '#f97316' : '#0ea5e9'}
              fillOpacity={band.kind === 'quarantine' ? 0.12 : 0.18}
              ifOverflow="hidden"
            />
          ))}
          {remediations.map((remediation, index) => (
            <ReferenceLine
              key={index}
              x={remediation.at}
              stroke={remediation.ok ? '#14b8a6' : '#dc2626'}
              strokeDasharray="4 2"
              ifOverflow="hidden"
            />
          ))}
          {/* Without links (no page to open events on), recharts' own tooltip follows the points. */}
          {eventHref && onOpen ? null : <Tooltip content={<TimelineTooltip />} cursor={{ strokeDasharray: '3 3' }} />}
          <Scatter name="Events" data={points} isAnimationActive={false} shape={TimelineDot} />
          {eventHref && onOpen ? (
            <ZIndexLayer zIndex={DefaultZIndexes.scatter + 1}>
              <PointLinks
                points={points}
                zone={zone}
                activeId={activeId}
                href={eventHref}
                onOpen={onOpen}
                onShow={setShown}
              />
            </ZIndexLayer>
          ) : null}
        </ScatterChart>
      </ResponsiveContainer>
      {shown ? (
        <div
          className="pointer-events-none absolute z-10"
          style={{
            ...(shown.leftward
              ? { right: `calc(100% - ${shown.cx - 12}px)`, maxWidth: shown.cx - 12 }
              : { left: shown.cx + 12, maxWidth: `calc(100% - ${shown.cx + 12}px)` }),
            top: shown.cy + 12,
          }}
        >
          <TimelineTooltip active payload={[{ payload: shown.point }]} />
        </div>
      ) : null}
    </div>
  );
}
