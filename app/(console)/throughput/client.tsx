'use client';
// The Throughput page: events per unit time stacked by agent, check, severity or fatality, over a
// range kept in the URL (?range=&by=). Live seconds from the stream are added into the newest
// bucket (rolling to a new one as time passes); the server is asked again every 60 s for drift.
// Dragging across the chart (or Z on a segment) zooms into that time: ?from=&to= in the URL, a
// fixed window that is not live, left by "Reset zoom" or the back button.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useMemo, useRef, useState } from 'react';

import { useLiveSubscription } from '@/components/live/live-provider';
import { SegmentedControl } from '@/components/throughput/segmented-control';
import { useDisplayZone } from '@/components/ui/display-zone';
import { ThroughputChart, ThroughputLegend } from '@/components/throughput/throughput-chart';
import { ThroughputFigures } from '@/components/throughput/throughput-totals';
import { Panel } from '@/components/ui/panel';
import { RelativeTime } from '@/components/ui/relative-time';
import { formatClock, zoneLabel } from '@/lib/format/time';
import {
  applyLiveSecond,
  applyLiveSeconds,
  checkThroughputZoom,
  GROUPING_LABELS,
  parseThroughputParams,
  rateUnitSeconds,
  THROUGHPUT_GROUPINGS,
  THROUGHPUT_RANGE_NAMES,
  THROUGHPUT_RANGES,
  throughputTotals,
  type ThroughputGrouping,
  type ThroughputRange,
  type ThroughputZoom,
  widenZoom,
} from '@/lib/queries/throughput-view';
import type { ThroughputMessage } from '@/lib/live/live-messages';
import type { ThroughputView } from '@/lib/queries/throughput-view';
import { fetchJson } from '@/lib/client/fetch-json';
import { useRefetchEvery } from '@/lib/client/use-refetch-every';

/** Live seconds kept to re-apply on top of a refetch (what arrived while it was in flight). */
const LIVE_BUFFER = 120;

/** The page's query: the range and grouping, and a zoom's from and to. */
function throughputQuery(range: ThroughputRange, by: ThroughputGrouping, zoom: ThroughputZoom | null): string {
  const search = new URLSearchParams({ range, by });
  if (zoom) {
    search.set('from', new Date(zoom.from).toISOString());
    search.set('to', new Date(zoom.to).toISOString());
  }
  return search.toString();
}

function fetchThroughput(
  range: ThroughputRange,
  by: ThroughputGrouping,
  zoom: ThroughputZoom | null,
): Promise<ThroughputView> {
  return fetchJson<ThroughputView>(`/api/throughput?${throughputQuery(range, by, zoom)}`);
}

export function ThroughputClient({
  initial,
  initialError,
  initialRange,
  initialBy,
}: {
  initial: ThroughputView | null;
  initialError: string | null;
  initialRange: ThroughputRange;
  initialBy: ThroughputGrouping;
}) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const { range, by } = useMemo(() => parseThroughputParams(new URLSearchParams(params.toString())), [params]);
  // A zoom's time that cannot be read is named in place of the chart.
  const zoomRead = useMemo(() => checkThroughputZoom(new URLSearchParams(params.toString())), [params]);
  const zoom = zoomRead.ok ? zoomRead.zoom : null;
  const zone = useDisplayZone();
  const [initialKey] = useState(`${initialRange}:${initialBy}:${zoom?.from}:${zoom?.to}`);
  const queryClient = useQueryClient();
  const liveSeconds = useRef<ThroughputMessage[]>([]);
  const queryKey = useMemo(
    () => ['throughput', range, by, zoom?.from ?? null, zoom?.to ?? null] as const,
    [range, by, zoom?.from, zoom?.to],
  );

  const query = useQuery({
    queryKey,
    // A zoom is a fixed window: the live seconds, which roll the newest bucket, are not added to it.
    queryFn: async () =>
      zoom
        ? fetchThroughput(range, by, zoom)
        : applyLiveSeconds(await fetchThroughput(range, by, null), liveSeconds.current),
    enabled: zoomRead.ok,
    initialData: `${range}:${by}:${zoom?.from}:${zoom?.to}` === initialKey && initial ? initial : undefined,
    initialDataUpdatedAt: initial?.readAt,
    // Live seconds keep the figures current; the server corrects drift (and missed seconds) every minute.
    staleTime: 30_000,
    placeholderData: (previous) => previous,
  });
  useRefetchEvery(queryKey, 60_000);

  useLiveSubscription(['throughput'], (type, data) => {
    if (type === 'throughput') {
      const message = data as ThroughputMessage;
      liveSeconds.current.push(message);
      if (liveSeconds.current.length > LIVE_BUFFER)
        liveSeconds.current.splice(0, liveSeconds.current.length - LIVE_BUFFER);
      if (!zoom)
        queryClient.setQueryData<ThroughputView>(queryKey, (view) => (view ? applyLiveSecond(view, message) : view));
    }
    if (type === 'reset') void queryClient.invalidateQueries({ queryKey });
  });

  // A new range leaves the zoom; a new grouping keeps it.
  const setParams = (next: { range?: ThroughputRange; by?: ThroughputGrouping }) =>
    router.replace(`${pathname}?${throughputQuery(next.range ?? range, next.by ?? by, next.range ? null : zoom)}`, {
      scroll: false,
    });
  // Pushed, so the back button leaves a zoom (or returns to it).
  const zoomTo = (next: ThroughputZoom | null) =>
    router.push(`${pathname}?${throughputQuery(range, by, next && widenZoom(next))}`, { scroll: false });

  // A zoom that cannot be read shows no chart (not the one before it), only what is wrong.
  const view = zoomRead.ok ? query.data : undefined;
  // Placeholder data is the previous range, grouping or zoom: shown dimmed until the new one arrives.
  const stale = query.isPlaceholderData;
  const totals = useMemo(() => (view && !stale ? throughputTotals(view) : null), [view, stale]);
  const error = (zoomRead.ok ? null : zoomRead.error) ?? query.error?.message ?? (view ? null : initialError);
  const unitSeconds = rateUnitSeconds(range, zoom);
  const unitLabel = unitSeconds === 1 ? 'events/s' : 'events/min';
  const rangeLabel = THROUGHPUT_RANGES[range].label;
  const zoomed = zoom !== null || !zoomRead.ok;
  const zoomText = zoom
    ? `${formatClock(zoom.from, zone, { day: true })} – ${formatClock(zoom.to, zone, { day: true })} (${zoneLabel(zoom.from, zone)})`
    : null;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <SegmentedControl
          label="Time range"
          testId="range-picker"
          options={THROUGHPUT_RANGE_NAMES.map((name) => ({ value: name, label: name }))}
          value={range}
          onChange={(next) => setParams({ range: next })}
        />
        <SegmentedControl
          label="Stack by"
          testId="grouping-picker"
          options={THROUGHPUT_GROUPINGS.map((name) => ({ value: name, label: GROUPING_LABELS[name] }))}
          value={by}
          onChange={(next) => setParams({ by: next })}
        />
        <span className="ml-auto text-xs text-zinc-500 dark:text-zinc-400" aria-live="off">
          {view && !stale ? (
            <>
              counted up to <RelativeTime at={view.coveredUntil} />
            </>
          ) : query.isFetching ? (
            'Loading…'
          ) : null}
        </span>
      </div>

      {zoomed ? (
        <div
          className="flex flex-wrap items-center gap-x-3 gap-y-1 rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-950 dark:border-sky-900 dark:bg-sky-950/40 dark:text-sky-100"
          data-testid="throughput-zoom"
        >
          <span>
            {zoomText ? (
              <>
                Zoomed to <strong className="font-medium">{zoomText}</strong>: a fixed window, not live.
              </>
            ) : (
              'This zoom cannot be shown.'
            )}
          </span>
          <button
            type="button"
            onClick={() => zoomTo(null)}
            className="rounded border border-sky-300 bg-white px-2 py-0.5 text-xs font-medium hover:bg-sky-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-sky-800 dark:bg-zinc-900 dark:hover:bg-sky-900"
            data-testid="throughput-reset-zoom"
          >
            Reset zoom (last {rangeLabel})
          </button>
        </div>
      ) : null}

      <ThroughputFigures
        totals={totals}
        rangeLabel={zoom ? null : rangeLabel}
        provider={view?.provider ?? null}
        source={view?.source ?? null}
      />

      <Panel
        title={`Health events per ${unitSeconds === 1 ? 'second' : 'minute'} by ${GROUPING_LABELS[by].toLowerCase()}, ${zoomText ?? `last ${rangeLabel}`} (${view ? `${view.bucketSeconds >= 60 ? `${view.bucketSeconds / 60}-min` : `${view.bucketSeconds}-s`} buckets` : '…'})`}
        state={!view ? (error ? 'error' : 'loading') : totals && totals.events === 0 ? 'empty' : 'ready'}
        error={error ?? undefined}
        emptyText={
          zoom
            ? 'No health events were stored in the zoomed time.'
            : `No health events were stored in the last ${rangeLabel}. New ones appear here as they arrive.`
        }
        className="min-h-[25rem]"
        testId="throughput-panel"
      >
        {view ? (
          <div className={stale ? 'opacity-50 transition-opacity' : undefined} aria-busy={stale}>
            <ThroughputChart series={view} unitSeconds={unitSeconds} unitLabel={unitLabel} onZoom={zoomTo} />
            <ThroughputLegend series={view} when={zoom ? 'the zoomed time' : `last ${rangeLabel}`} />
          </div>
        ) : null}
        {view && query.error ? (
          <p role="alert" className="mt-2 text-xs text-amber-700 dark:text-amber-400">
            Could not refresh from the server ({query.error.message}); showing the figures counted so far.
          </p>
        ) : null}
      </Panel>
    </div>
  );
}
