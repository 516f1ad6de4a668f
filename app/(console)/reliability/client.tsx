'use client';
// The Reliability page: for the incidents of a range (a node's quarantine, as the breakfix MTBI
// design proposed in NVIDIA/NVSentinel pull request #1413 counts them; not part of NVSentinel as deployed),
// how long from the fault to quarantine, drain, remediation and release per check, agent or node,
// and the time between a node's incidents. Range and grouping live in the URL (?range=&by=); the
// figures are read again every minute.
import { useQuery } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useMemo, useState } from 'react';

import { IntervalTable } from '@/components/reliability/interval-table';
import { spreadText, StageTable } from '@/components/reliability/stage-table';
import { SegmentedControl } from '@/components/throughput/segmented-control';
import { cardClass, Panel } from '@/components/ui/panel';
import { fetchJson } from '@/lib/client/fetch-json';
import { useRefetchEvery } from '@/lib/client/use-refetch-every';
import { formatDuration } from '@/lib/format/time';
import {
  DIMENSION_LABELS,
  parseReliabilityParams,
  RELIABILITY_DIMENSIONS,
  RELIABILITY_RANGE_NAMES,
  RELIABILITY_RANGES,
  type ReliabilityDimension,
  type ReliabilityRange,
  type ReliabilityView,
} from '@/lib/queries/reliability-view';

function fetchReliability(range: ReliabilityRange, by: ReliabilityDimension): Promise<ReliabilityView> {
  return fetchJson<ReliabilityView>(`/api/reliability?range=${range}&by=${by}`);
}

function Figure({ label, value, note, testId }: { label: string; value: string; note?: string; testId: string }) {
  return (
    <div className={cardClass} data-testid={testId}>
      <div className="text-xs text-zinc-500 dark:text-zinc-400">{label}</div>
      <div className="mt-1 text-xl font-semibold tabular-nums">{value}</div>
      {note ? <div className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">{note}</div> : null}
    </div>
  );
}

const more = (shown: number, total: number, what: string) =>
  total > shown ? (
    <p className="mt-2 text-xs text-zinc-500 dark:text-zinc-400">
      The {shown.toLocaleString()} {what} with the most incidents of {total.toLocaleString()}.
    </p>
  ) : null;

export function ReliabilityClient({
  initial,
  initialError,
  initialRange,
  initialBy,
}: {
  initial: ReliabilityView | null;
  initialError: string | null;
  initialRange: ReliabilityRange;
  initialBy: ReliabilityDimension;
}) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const { range, by } = useMemo(() => parseReliabilityParams(new URLSearchParams(params.toString())), [params]);
  const [initialKey] = useState(`${initialRange}:${initialBy}`);
  const queryKey = useMemo(() => ['reliability', range, by] as const, [range, by]);
  const query = useQuery({
    queryKey,
    queryFn: () => fetchReliability(range, by),
    initialData: `${range}:${by}` === initialKey && initial ? initial : undefined,
    initialDataUpdatedAt: initial?.readAt,
    staleTime: 30_000,
    placeholderData: (previous) => previous,
  });
  useRefetchEvery(queryKey, 60_000);

  const setParams = (next: { range?: ReliabilityRange; by?: ReliabilityDimension }) => {
    const search = new URLSearchParams({ range: next.range ?? range, by: next.by ?? by });
    router.replace(`${pathname}?${search.toString()}`, { scroll: false });
  };

  const view = query.data;
  const stale = query.isPlaceholderData;
  const error = query.error?.message ?? (view ? null : initialError);
  const rangeLabel = RELIABILITY_RANGES[range].label;
  const intervals = view?.fleetIntervals;
  const state = !view ? (error ? 'error' : 'loading') : view.incidents === 0 ? 'empty' : 'ready';
  const empty = `No node was quarantined in the last ${rangeLabel}.`;
  // Said under the interval figures while no node of the range has had a second incident (one in it
  // and its last before it count as two).
  const noInterval =
    intervals && intervals.count === 0 ? 'no node had a second incident (its last before the range counts)' : undefined;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <SegmentedControl
          label="Time range"
          testId="range-picker"
          options={RELIABILITY_RANGE_NAMES.map((name) => ({ value: name, label: name }))}
          value={range}
          onChange={(next) => setParams({ range: next })}
        />
        <SegmentedControl
          label="Per"
          testId="dimension-picker"
          options={RELIABILITY_DIMENSIONS.map((name) => ({ value: name, label: DIMENSION_LABELS[name] }))}
          value={by}
          onChange={(next) => setParams({ by: next })}
        />
        <span className="ml-auto text-xs text-zinc-500 dark:text-zinc-400" aria-live="off">
          {query.isFetching && stale ? 'Loading…' : null}
        </span>
      </div>

      <div
        className={`grid grid-cols-2 gap-3 lg:grid-cols-4 ${stale ? 'opacity-50 transition-opacity' : ''}`}
        aria-busy={stale}
      >
        <Figure
          label={`Incidents, last ${rangeLabel}`}
          value={view ? view.incidents.toLocaleString() : '…'}
          testId="figure-incidents"
        />
        <Figure
          label="Fault to release, p50 / p90"
          value={view ? spreadText(view.fleet.stages.release) : '…'}
          testId="figure-release"
        />
        <Figure
          label="Fleet MTBI (mean time between a node's incidents)"
          value={intervals ? (intervals.mean === null ? '—' : formatDuration(intervals.mean / 1000)) : '…'}
          note={noInterval}
          testId="figure-mtbi"
        />
        <Figure
          label="Time between incidents, p50 / p90"
          value={intervals ? spreadText(intervals) : '…'}
          note={
            intervals && intervals.count > 0
              ? `${intervals.count.toLocaleString()} intervals on ${intervals.nodes.toLocaleString()} nodes with incidents`
              : noInterval
          }
          testId="figure-intervals"
        />
      </div>

      <Panel
        title={`Fault to each stage per ${DIMENSION_LABELS[by].toLowerCase()}, last ${rangeLabel}: p50 / p90 (incidents timed)`}
        state={state}
        error={error ?? undefined}
        emptyText={empty}
        className="overflow-x-auto"
        testId="stage-panel"
      >
        {view && view.incidents > 0 ? (
          <div className={stale ? 'opacity-50 transition-opacity' : undefined} aria-busy={stale}>
            <StageTable rows={view.rows} by={view.by} fleet={view.fleet} incidents={view.incidents} />
            {more(view.rows.length, view.rowsTotal, `${DIMENSION_LABELS[view.by].toLowerCase()}s`)}
          </div>
        ) : null}
        {view && query.error ? (
          <p role="alert" className="mt-2 text-xs text-amber-700 dark:text-amber-400">
            Could not refresh from the server ({query.error.message}); showing the figures read before.
          </p>
        ) : null}
      </Panel>

      <Panel
        title={`Time between incidents per node, last ${rangeLabel}`}
        state={state}
        error={error ?? undefined}
        emptyText={empty}
        className="overflow-x-auto"
        testId="interval-panel"
      >
        {view && view.incidents > 0 ? (
          <div className={stale ? 'opacity-50 transition-opacity' : undefined}>
            <IntervalTable nodes={view.nodes} />
            {more(view.nodes.length, view.nodesTotal, 'nodes')}
          </div>
        ) : null}
      </Panel>

      <p className="text-xs text-zinc-500 dark:text-zinc-400">
        An incident is a node&apos;s quarantine, as the breakfix MTBI design proposed in NVIDIA/NVSentinel pull request
        #1413 counts them (not part of NVSentinel as deployed), timed from its quarantining event&apos;s fault
        (generatedTimestamp) to fault-quarantine&apos;s, node-drainer&apos;s and fault-remediation&apos;s finish
        timestamps and to the healthy event that released the node. A release by hand records no time and is only
        counted. Incidents whose quarantining event was stored in the range; a quarantine begun before it is not one of
        them, and a node&apos;s first interval is from its last incident before the range. Read at most a minute ago.
        {view ? ` ${view.decisionsRead.toLocaleString()} decided events read from ${view.provider}.` : null}
      </p>
    </div>
  );
}
