'use client';
// The stacked events-per-unit chart. Fixed height, no animation: live seconds move it in place.
// Every bar segment and legend entry is a link to the events behind it on the Events page
// (lib/queries/throughput-drill.ts). The chart is one Tab stop: the arrow keys move between its
// segments (./segment-navigation.ts) and Enter opens one. Dragging across the chart zooms into the
// buckets it crosses (./zoom-drag.ts), Z into the keyboard's segment's bucket; a click still opens.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type FocusEvent,
  type KeyboardEvent,
  type MouseEvent,
  type PointerEvent,
  type RefObject,
} from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  DefaultZIndexes,
  Tooltip,
  XAxis,
  YAxis,
  ZIndexLayer,
  usePlotArea,
  useXAxisScale,
  useYAxisScale,
  type TooltipContentProps,
} from 'recharts';

import { useDisplayZone } from '@/components/ui/display-zone';
import { formatRate } from '@/lib/format/rate';
import { zoneLabel } from '@/lib/format/time';
import { countOf } from '@/lib/live/live-messages';
import { drillName, segmentDrill, seriesDrill, seriesSearch } from '@/lib/queries/throughput-drill-view';
import { OTHER_KEY, type ThroughputSeries, type ThroughputZoom } from '@/lib/queries/throughput-view';

import { bucketClock, bucketSpan } from './bucket-time';
import { chartRows, type ChartRow } from './chart-rows';
import { firstSegment, moveSegment, type SegmentPosition } from './segment-navigation';
import { bucketsUnder, DRAG_THRESHOLD_PX, type BucketEdge } from './zoom-drag';

const PALETTE = ['#0ea5e9', '#8b5cf6', '#10b981', '#f59e0b', '#ec4899', '#14b8a6', '#6366f1', '#84cc16'];
const OTHER_COLOR = '#a1a1aa';

export function seriesColor(series: ThroughputSeries, index: number): string {
  const key = series.series[index]?.key;
  if (key === OTHER_KEY) return OTHER_COLOR;
  if (series.by === 'isFatal') return key === 'true' ? '#ef4444' : '#0ea5e9';
  return PALETTE[index % PALETTE.length];
}

const noSubscribe = () => () => {};

type Row = ChartRow & Record<`s${number}`, number>;

/** A segment named by what it shows rather than where it is drawn: live seconds shift positions. */
interface SegmentId {
  start: number;
  key: string;
}

/** A plain click opens the events in place; a modified or middle click is the browser's (a new tab). */
const opensInPlace = (event: MouseEvent) =>
  event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;

export function ThroughputChart({
  series,
  unitSeconds,
  unitLabel,
  onZoom,
}: {
  series: ThroughputSeries;
  unitSeconds: number;
  unitLabel: string;
  /** Shows the time of the buckets a drag crossed (or the keyboard's segment's bucket). */
  onZoom?: (zoom: ThroughputZoom) => void;
}) {
  // recharts measures its container: draw after hydration.
  const mounted = useSyncExternalStore(
    noSubscribe,
    () => true,
    () => false,
  );
  const rows = useMemo(
    () =>
      chartRows(series, unitSeconds).map(
        (row) => Object.assign({ ...row }, ...row.rates.map((rate, index) => ({ [`s${index}`]: rate }))) as Row,
      ),
    [series, unitSeconds],
  );
  const zone = useDisplayZone();
  const container = useRef<HTMLDivElement>(null);
  const [chosen, setChosen] = useState<SegmentId | null>(null);
  // Whether a segment holds the focus (the caption names it; a segment whose bucket rolled off the
  // chart gives the focus to the one that takes its place).
  const focused = useRef(false);
  const [keyboardIn, setKeyboardIn] = useState(false);

  const positionOf = (id: SegmentId | null): SegmentPosition | null => {
    if (!id) return null;
    const row = rows.findIndex((entry) => entry.start === id.start);
    const at = series.series.findIndex((entry) => entry.key === id.key);
    return row >= 0 && at >= 0 && rows[row].counts[at] > 0 ? { row, series: at } : null;
  };
  const idOf = (at: SegmentPosition): SegmentId => ({ start: rows[at.row].start, key: series.series[at.series].key });
  const active = positionOf(chosen) ?? firstSegment(rows);
  const activeId = active ? idOf(active) : null;

  const segmentElement = useCallback((id: SegmentId | null) => {
    if (!id) return null;
    for (const element of container.current?.querySelectorAll<SVGAElement>('a[data-segment-start]') ?? [])
      if (element.dataset.segmentStart === String(id.start) && element.dataset.segmentKey === id.key) return element;
    return null;
  }, []);
  const activeKey = activeId ? `${activeId.start}|${activeId.key}` : null;
  useEffect(() => {
    const lost = document.activeElement === null || document.activeElement === document.body;
    if (focused.current && lost) segmentElement(activeId)?.focus();
    // activeKey names activeId: the focus is given back when the segment changes, not on every drawing.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [activeKey, segmentElement]);

  // Dragging: where the pointer went down and now (the chart's x, in pixels); the buckets' edges
  // as drawn, from the layer inside the chart. A drag swallows the click that ends it.
  const edges = useRef<BucketEdge[]>([]);
  const drag = useRef<{ pointerId: number; from: number; to: number; moved: boolean } | null>(null);
  const swallowClick = useRef(false);
  const [selection, setSelection] = useState<{ from: number; to: number } | null>(null);
  const chartX = (event: PointerEvent) => {
    const surface = container.current?.querySelector('svg.recharts-surface');
    return surface ? event.clientX - surface.getBoundingClientRect().left : event.clientX;
  };
  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (!onZoom || !event.isPrimary || event.button !== 0) return;
    const x = chartX(event);
    drag.current = { pointerId: event.pointerId, from: x, to: x, moved: false };
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const now = drag.current;
    if (!now || now.pointerId !== event.pointerId) return;
    now.to = chartX(event);
    if (!now.moved && Math.abs(now.to - now.from) < DRAG_THRESHOLD_PX) return;
    if (!now.moved) {
      now.moved = true;
      // The rest of the drag is the chart's, wherever the pointer goes: the click it ends in too.
      event.currentTarget.setPointerCapture(event.pointerId);
    }
    setSelection({ from: now.from, to: now.to });
  };
  const endDrag = (event: PointerEvent<HTMLDivElement>, zoom: boolean) => {
    const ended = drag.current;
    if (!ended || ended.pointerId !== event.pointerId) return;
    drag.current = null;
    setSelection(null);
    if (!ended.moved) return;
    swallowClick.current = true;
    // A click follows a pointerup at once, if at all: nothing waits for one that never comes.
    setTimeout(() => (swallowClick.current = false), 0);
    const crossed = zoom ? bucketsUnder(edges.current, ended.from, ended.to) : null;
    if (crossed && onZoom) onZoom(crossed);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (!active || !(event.target instanceof SVGAElement)) return;
    if ((event.key === 'z' || event.key === 'Z') && onZoom && !event.metaKey && !event.ctrlKey && !event.altKey) {
      event.preventDefault();
      onZoom({ from: rows[active.row].start, to: rows[active.row].end });
      return;
    }
    const next = moveSegment(rows, active, event.key);
    if (!next) return;
    event.preventDefault();
    const id = idOf(next);
    setChosen(id);
    // Only segments with events are reachable, and each is drawn: it is there to take the focus.
    segmentElement(id)?.focus();
  };
  const onFocus = (event: FocusEvent<HTMLDivElement>) => {
    const element = event.target;
    if (!(element instanceof SVGAElement) || element.dataset.segmentStart === undefined) return;
    focused.current = true;
    setKeyboardIn(true);
    setChosen({ start: Number(element.dataset.segmentStart), key: element.dataset.segmentKey ?? '' });
  };
  const onBlur = (event: FocusEvent<HTMLDivElement>) => {
    if (event.relatedTarget instanceof Node && container.current?.contains(event.relatedTarget)) return;
    const left = event.target;
    // A segment whose bucket rolled off loses the focus without the user moving it: the effect
    // above gives it to the new active segment; otherwise the focus went elsewhere.
    setTimeout(() => {
      if (!left.isConnected) return;
      focused.current = false;
      setKeyboardIn(false);
    }, 0);
  };

  const activeRow = active ? rows[active.row] : null;
  const activeEntry = active ? series.series[active.series] : null;
  const when = (row: ChartRow) => bucketSpan(row, series.bucketSeconds, zone);
  return (
    <div>
      <div
        ref={container}
        className="relative h-80 w-full touch-pan-y text-zinc-500 select-none dark:text-zinc-400 [&_a:focus-visible_rect]:stroke-zinc-900 [&_a:focus-visible_rect]:stroke-2 dark:[&_a:focus-visible_rect]:stroke-white"
        data-testid="throughput-chart"
        role="figure"
        aria-label={`Stacked bars of ${unitLabel} per bucket; each segment links to its events, the arrow keys move between segments, Z zooms into a segment's time, a drag across the chart zooms into the time it crosses`}
        onKeyDown={onKeyDown}
        onFocus={onFocus}
        onBlur={onBlur}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={(event) => endDrag(event, true)}
        onPointerCancel={(event) => endDrag(event, false)}
        onClickCapture={(event) => {
          if (!swallowClick.current) return;
          swallowClick.current = false;
          event.preventDefault();
          event.stopPropagation();
        }}
        // A segment is a link, which the browser would drag away: the chart's drag is a zoom.
        onDragStart={(event) => event.preventDefault()}
      >
        {mounted ? (
          <BarChart
            responsive
            style={{ width: '100%', height: '100%' }}
            data={rows}
            barCategoryGap={1}
            margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
            // The segment links are the chart's keyboard access: recharts' own layer would be a
            // second Tab stop taking the same arrow keys.
            accessibilityLayer={false}
          >
            <CartesianGrid vertical={false} stroke="currentColor" strokeOpacity={0.2} />
            <XAxis
              dataKey="start"
              tickFormatter={(value: number) => bucketClock(value, series.bucketSeconds, zone)}
              minTickGap={32}
              tick={{ fill: 'currentColor', fontSize: 12 }}
              stroke="currentColor"
              strokeOpacity={0.4}
            />
            <YAxis
              width="auto"
              allowDecimals
              tickFormatter={(value: number) => formatRate(value)}
              tick={{ fill: 'currentColor', fontSize: 12 }}
              stroke="currentColor"
              strokeOpacity={0.4}
            />
            <Tooltip
              cursor={{ fill: 'currentColor', fillOpacity: 0.08 }}
              isAnimationActive={false}
              content={(props: TooltipContentProps) => (
                <ChartTooltip {...props} series={series} unitLabel={unitLabel} zone={zone} />
              )}
            />
            {series.series.map((entry, index) => (
              <Bar
                key={entry.key}
                dataKey={`s${index}`}
                name={entry.label}
                stackId="events"
                fill={seriesColor(series, index)}
                isAnimationActive={false}
              />
            ))}
            <ZIndexLayer zIndex={DefaultZIndexes.bar + 1}>
              <SegmentLinks series={series} rows={rows} activeId={activeId} when={when} />
            </ZIndexLayer>
            <ZIndexLayer zIndex={DefaultZIndexes.bar + 2}>
              <ZoomLayer rows={rows} edgesRef={edges} selection={selection} />
            </ZIndexLayer>
          </BarChart>
        ) : null}
      </div>
      {/* The keyboard's segment, for those who see it (the tooltip follows only the pointer). */}
      <div className="mt-1 flex gap-3 text-xs text-zinc-500 dark:text-zinc-400">
        <p className="h-4 min-w-0 flex-1 truncate" aria-hidden>
          {keyboardIn && activeRow && activeEntry && active
            ? `${drillName({ label: activeEntry.label, when: when(activeRow), count: activeRow.counts[active.series] })}.${onZoom ? ' Z zooms into its time;' : ''} Enter opens them.`
            : `A bar segment or a legend entry opens its events on the Events page${onZoom ? '; drag across the chart to zoom into a time' : ''}.`}
        </p>
        <p className="shrink-0" data-testid="throughput-zone">
          Times in {zoneLabel(series.coveredUntil, zone)}
        </p>
      </div>
    </div>
  );
}

/**
 * A link over every drawn segment, in a layer above the bars. Recharts draws its bars anew whenever
 * their data changes (every live second), which would take the focus and a click in progress away
 * from a link inside a bar; these are keyed by bucket and series, so they stay while the bars move.
 */
function SegmentLinks({
  series,
  rows,
  activeId,
  when,
}: {
  series: ThroughputSeries;
  rows: Row[];
  activeId: SegmentId | null;
  when: (row: ChartRow) => string;
}) {
  const router = useRouter();
  const x = useXAxisScale();
  const y = useYAxisScale();
  if (!x || !y) return null;
  return (
    <g>
      {rows.flatMap((row) => {
        const left = x(row.start, { position: 'start' });
        const right = x(row.start, { position: 'end' });
        if (left === undefined || right === undefined) return [];
        let below = 0;
        return series.series.map((entry, index) => {
          const base = below;
          below += row.rates[index];
          const count = row.counts[index];
          const bottom = y(base);
          const top = y(below);
          if (count <= 0 || bottom === undefined || top === undefined) return null;
          const drill = segmentDrill(series.by, entry.key, { start: row.start, bucketSeconds: series.bucketSeconds });
          const isActive = activeId?.start === row.start && activeId.key === entry.key;
          return (
            <a
              key={`${row.start}|${entry.key}`}
              href={drill.href}
              role="link"
              aria-label={drillName({
                label: entry.label,
                when: `${when(row)}${row.inProgress ? ' (in progress)' : ''}`,
                count,
                note: drill.note,
              })}
              tabIndex={isActive ? 0 : -1}
              data-segment-start={row.start}
              data-segment-key={entry.key}
              data-segment-end={row.end}
              data-segment-count={count}
              data-segment-exact={drill.exact ? 'true' : 'false'}
              onClick={(event) => {
                if (!opensInPlace(event)) return;
                event.preventDefault();
                router.push(drill.href);
              }}
              className="cursor-pointer outline-none"
            >
              <rect
                x={left + 1}
                width={Math.max(1, right - left - 2)}
                y={top}
                height={Math.max(0, bottom - top)}
                fill="transparent"
              />
            </a>
          );
        });
      })}
    </g>
  );
}

/**
 * Inside the chart: publishes where each bucket is drawn (for a drag's pixels to become buckets) and
 * draws the drag's selection over the plot.
 */
function ZoomLayer({
  rows,
  edgesRef,
  selection,
}: {
  rows: Row[];
  edgesRef: RefObject<BucketEdge[]>;
  selection: { from: number; to: number } | null;
}) {
  const x = useXAxisScale();
  const plot = usePlotArea();
  useEffect(() => {
    if (!x) return;
    edgesRef.current = rows.flatMap((row) => {
      const left = x(row.start, { position: 'start' });
      const right = x(row.start, { position: 'end' });
      return left === undefined || right === undefined ? [] : [{ start: row.start, end: row.end, left, right }];
    });
  });
  if (!selection || !plot) return null;
  const left = Math.max(plot.x, Math.min(selection.from, selection.to));
  const right = Math.min(plot.x + plot.width, Math.max(selection.from, selection.to));
  return (
    <rect
      x={left}
      y={plot.y}
      width={Math.max(0, right - left)}
      height={plot.height}
      className="fill-sky-500/20 stroke-sky-600 dark:fill-sky-400/20 dark:stroke-sky-400"
      pointerEvents="none"
      data-testid="throughput-zoom-selection"
    />
  );
}

function ChartTooltip({
  active,
  payload,
  series,
  unitLabel,
  zone,
}: TooltipContentProps & { series: ThroughputSeries; unitLabel: string; zone: string }) {
  const row = payload?.[0]?.payload as Row | undefined;
  if (!active || !row) return null;
  const wider = series.series.filter(
    (entry, index) => row.counts[index] > 0 && 'note' in seriesSearch(series.by, entry.key),
  );
  return (
    <div className="rounded-md border border-zinc-200 bg-white px-3 py-2 text-xs text-zinc-900 shadow-md dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100">
      <p className="mb-1 font-medium">
        {bucketSpan(row, series.bucketSeconds, zone)} {zoneLabel(row.start, zone)}
        {row.inProgress ? (
          <span className="ml-1 font-normal text-zinc-500 dark:text-zinc-400">(in progress)</span>
        ) : null}
      </p>
      <table className="tabular-nums">
        <tbody>
          {series.series.map((entry, index) =>
            row.counts[index] > 0 ? (
              <tr key={entry.key}>
                <td className="pr-2">
                  <span
                    aria-hidden
                    className="mr-1.5 inline-block h-2 w-2 rounded-sm"
                    style={{ backgroundColor: seriesColor(series, index) }}
                  />
                  {entry.label}
                  {wider.includes(entry) ? '*' : null}
                </td>
                <td className="pr-2 text-right">{formatRate(row.rates[index])}</td>
                <td className="text-right text-zinc-500 dark:text-zinc-400">{row.counts[index].toLocaleString()}</td>
              </tr>
            ) : null,
          )}
          <tr className="border-t border-zinc-200 dark:border-zinc-700">
            <td className="pr-2 font-medium">total</td>
            <td className="pr-2 text-right font-medium">
              {formatRate(row.rates.reduce((sum, rate) => sum + rate, 0))}
            </td>
            <td className="text-right text-zinc-500 dark:text-zinc-400">{row.total.toLocaleString()}</td>
          </tr>
        </tbody>
      </table>
      <p className="mt-1 text-zinc-500 dark:text-zinc-400">{unitLabel}; events in the bucket on the right</p>
      <p className="text-zinc-500 dark:text-zinc-400">Click a segment for its events</p>
      {wider.map((entry) => {
        const found = seriesSearch(series.by, entry.key);
        return 'note' in found ? (
          <p key={entry.key} className="max-w-64 text-amber-700 dark:text-amber-400">
            * {entry.label}: {found.note}
          </p>
        ) : null;
      })}
    </div>
  );
}

/** `when` names the chart's time in a legend link's name: "last 15 min", "the zoomed time". */
export function ThroughputLegend({ series, when }: { series: ThroughputSeries; when: string }) {
  return (
    <ul
      className="mt-3 flex min-h-5 flex-wrap gap-x-4 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400"
      aria-label="Series"
    >
      {series.series.map((entry, index) => {
        const drill = seriesDrill(series.by, entry.key, series);
        const count = series.buckets.reduce((sum, bucket) => sum + countOf(bucket.counts, entry.key), 0);
        const swatch = (
          <span
            aria-hidden
            className="inline-block h-2.5 w-2.5 rounded-sm"
            style={{ backgroundColor: seriesColor(series, index) }}
          />
        );
        const label = <span className={entry.key === OTHER_KEY ? 'italic' : 'font-mono'}>{entry.label}</span>;
        return (
          <li key={entry.key}>
            {drill ? (
              <Link
                href={drill.href}
                // The links change as buckets roll: prefetching each would read the datastore for nothing.
                prefetch={false}
                aria-label={drillName({ label: entry.label, when, count, note: drill.note })}
                title={
                  drill.note ? `${entry.label}: ${drill.note}` : `${entry.label}: its events over the chart's range`
                }
                className="flex items-center gap-1.5 rounded hover:text-zinc-900 hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 dark:hover:text-zinc-100"
                data-testid="throughput-legend-link"
              >
                {swatch}
                {label}
              </Link>
            ) : (
              <span className="flex items-center gap-1.5">
                {swatch}
                {label}
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
