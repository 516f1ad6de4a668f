'use client';
// The Throughput page: events per unit time stacked by agent, check, severity or fatality, over a
// range kept in the URL (?range=&by=). Live seconds from the stream are added into the newest
// bucket (rolling to a new one as time passes); the server is asked again every 60 s for drift.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useMemo, useRef, useState } from 'react';

import { useLiveSubscription } from '@/components/live/live-provider';
import { SegmentedControl } from '@/components/throughput/segmented-control';
import { ThroughputChart, ThroughputLegend } from '@/components/throughput/throughput-chart';
import { ThroughputFigures } from '@/components/throughput/throughput-totals';
import { Panel } from '@/components/ui/panel';
import { RelativeTime } from '@/components/ui/relative-time';
import {
  applyLiveSecond,
  applyLiveSeconds,
  GROUPING_LABELS,
  parseThroughputParams,
  rateUnitSeconds,
  THROUGHPUT_GROUPINGS,
  THROUGHPUT_RANGE_NAMES,
  THROUGHPUT_RANGES,
  throughputTotals,
  type ThroughputGrouping,
  type ThroughputRange,
} from '@/lib/queries/throughput-view';
import type { ThroughputMessage } from '@/lib/live/live-messages';
import type { ThroughputView } from '@/lib/queries/throughput-view';
import { fetchJson } from '@/lib/client/fetch-json';
import { useRefetchEvery } from '@/lib/client/use-refetch-every';

/** Live seconds kept to re-apply on top of a refetch (what arrived while it was in flight). */
const LIVE_BUFFER = 120;

function fetchThroughput(range: ThroughputRange, by: ThroughputGrouping): Promise<ThroughputView> {
  return fetchJson<ThroughputView>(`/api/throughput?range=${range}&by=${by}`);
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
  const [initialKey] = useState(`${initialRange}:${initialBy}`);
  const queryClient = useQueryClient();
  const liveSeconds = useRef<ThroughputMessage[]>([]);
  const queryKey = useMemo(() => ['throughput', range, by] as const, [range, by]);

  const query = useQuery({
    queryKey,
    queryFn: async () => applyLiveSeconds(await fetchThroughput(range, by), liveSeconds.current),
    initialData: `${range}:${by}` === initialKey && initial ? initial : undefined,
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
      queryClient.setQueryData<ThroughputView>(queryKey, (view) => (view ? applyLiveSecond(view, message) : view));
    }
    if (type === 'reset') void queryClient.invalidateQueries({ queryKey });
  });

  const setParams = (next: { range?: ThroughputRange; by?: ThroughputGrouping }) => {
    const search = new URLSearchParams({ range: next.range ?? range, by: next.by ?? by });
    router.replace(`${pathname}?${search.toString()}`, { scroll: false });
  };

  const view = query.data;
  // Placeholder data is the previous range or grouping: shown dimmed until the new one arrives.
  const stale = query.isPlaceholderData;
  const totals = useMemo(() => (view && !stale ? throughputTotals(view) : null), [view, stale]);
  const error = query.error?.message ?? (view ? null : initialError);
  const unitSeconds = rateUnitSeconds(range);
  const unitLabel = unitSeconds === 1 ? 'events/s' : 'events/min';
  const rangeLabel = THROUGHPUT_RANGES[range].label;

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
        <span className="ml-auto text-xs text-zinc-500" aria-live="off">
          {view && !stale ? (
            <>
              counted up to <RelativeTime at={view.coveredUntil} />
            </>
          ) : query.isFetching ? (
            'Loading…'
          ) : null}
        </span>
      </div>

      <ThroughputFigures
        totals={totals}
        rangeLabel={rangeLabel}
        provider={view?.provider ?? null}
        source={view?.source ?? null}
      />

      <Panel
        title={`Health events per ${unitSeconds === 1 ? 'second' : 'minute'} by ${GROUPING_LABELS[by].toLowerCase()}, last ${rangeLabel} (${view ? `${view.bucketSeconds >= 60 ? `${view.bucketSeconds / 60}-min` : `${view.bucketSeconds}-s`} buckets` : '…'})`}
        state={!view ? (error ? 'error' : 'loading') : totals && totals.events === 0 ? 'empty' : 'ready'}
        error={error ?? undefined}
        emptyText={`No health events were stored in the last ${rangeLabel}. New ones appear here as they arrive.`}
        className="min-h-[25rem]"
        testId="throughput-panel"
      >
        {view ? (
          <div className={stale ? 'opacity-50 transition-opacity' : undefined} aria-busy={stale}>
            <ThroughputChart series={view} unitSeconds={unitSeconds} unitLabel={unitLabel} />
            <ThroughputLegend series={view} rangeLabel={rangeLabel} />
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
