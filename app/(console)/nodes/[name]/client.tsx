'use client';
// One node: its state and the action it offers, in words why it is held and what happens next,
// its timeline (the range's newest events, only what is drawn), its GPUs (a grid that filters the
// event table), its events with every field a page at a time (older pages on request), and its
// maintenance events. New events and status changes arrive over the live stream. The URL is the
// page's state (range, event filter, the event opened): the back button shows what it says.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { usePathname, useSearchParams } from 'next/navigation';
import { useMemo, useRef, useState } from 'react';

import { useCan } from '@/components/auth/actor-context';
import { useLiveSubscription } from '@/components/live/live-provider';
import { ClusterPanel } from '@/components/nodes/cluster-panel';
import { EventRow } from '@/components/nodes/event-row';
import { GpuGrid } from '@/components/nodes/gpu-grid';
import { NodeActionButton } from '@/components/nodes/node-action-dialog';
import { NodeHeader } from '@/components/nodes/node-header';
import { NodeTimeline } from '@/components/nodes/node-timeline';
import { WhyPanel } from '@/components/nodes/why-panel';
import { useDisplayZone } from '@/components/ui/display-zone';
import { Panel } from '@/components/ui/panel';
import { LocalTime, RelativeTime } from '@/components/ui/relative-time';
import { zoneLabel } from '@/lib/format/time';
import { offeredAction } from '@/lib/node-state/node-view';
import {
  NODE_RANGES,
  parseNodeRange,
  refetchesNodeDetail,
  type LinkedEvent,
  type NodeDetail,
  type NodeEventRow,
  type NodeRange,
} from '@/lib/queries/node-detail-view';
import { joinEventPages, nodeEventsQuery, type NodeEventsPage } from '@/lib/queries/node-detail-events-view';
import {
  entityKey,
  filterNodeEvents,
  NO_FILTER,
  nodePageQuery,
  parseNodePageParams,
  type NodeEventFilter,
} from '@/lib/queries/node-gpus-view';
import { fetchJson } from '@/lib/client/fetch-json';

const nodeApi = (name: string) => `/api/nodes/${encodeURIComponent(name)}`;

/** The page's data for a range, with the first page of the event table for the filter. */
function fetchNode(name: string, range: NodeRange, filter: NodeEventFilter): Promise<NodeDetail> {
  const query = new URLSearchParams({ range });
  if (filter.entity) query.set('entity', filter.entity);
  if (filter.fatal) query.set('fatal', '1');
  return fetchJson<NodeDetail>(`${nodeApi(name)}?${query}`);
}

const sameFilter = (a: NodeEventFilter, b: NodeEventFilter) => a.entity === b.entity && a.fatal === b.fatal;

/** The query as parseNodePageParams takes it: a name given twice keeps both values (and is named wrong). */
function paramsOf(search: URLSearchParams): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const key of new Set(search.keys())) {
    const values = search.getAll(key);
    params[key] = values.length > 1 ? values : values[0]!;
  }
  return params;
}

export function NodeClient({ initial }: { initial: NodeDetail }) {
  const name = initial.name;
  const pathname = usePathname();
  // Read from the URL, which a choice writes with history.replaceState (Next's router follows it,
  // and useSearchParams with it): no state of its own that a back or forward could leave stale.
  // Next brings the written URL to useSearchParams a render later, so what a choice wrote is shown
  // at once (a checkbox must not spring back for a moment) until the URL read catches up or changes.
  const urlSearch = useSearchParams();
  const [written, setWritten] = useState<string | null>(null);
  const [seen, setSeen] = useState(urlSearch.toString());
  if (seen !== urlSearch.toString()) {
    setSeen(urlSearch.toString());
    setWritten(null);
  }
  const search = useMemo(() => new URLSearchParams(written ?? urlSearch.toString()), [written, urlSearch]);
  const range = parseNodeRange(search.getAll('range'));
  // The event table's filter (an entity, fatal only) and the event opened; wrong parameters of a
  // link are named until a choice writes the URL again without them.
  const { filter, event: focus, problems } = useMemo(() => parseNodePageParams(paramsOf(search)), [search]);
  const queryClient = useQueryClient();
  // The table's first page is read with the page for the filter; while a new filter's is read, the
  // rows shown are the previous page's that match it (see `table` below).
  const query = useQuery({
    queryKey: ['node', name, range, filter.entity, filter.fatal],
    queryFn: () => fetchNode(name, range, filter),
    initialData: range === initial.range && sameFilter(filter, initial.filter) ? initial : undefined,
    placeholderData: (previous) => previous,
  });
  const refetchTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useLiveSubscription([`node:${name}`], (type) => {
    if (!refetchesNodeDetail(type)) return;
    // A burst of events refetches once.
    if (refetchTimer.current) return;
    refetchTimer.current = setTimeout(() => {
      refetchTimer.current = undefined;
      void queryClient.invalidateQueries({ queryKey: ['node', name] });
    }, 250);
  });

  const detail = query.data ?? initial;
  const view = detail.view;
  // Release is an uncordon: offered only with cluster access (the panel below says why not).
  const offered = view ? offeredAction(view) : null;
  const action = offered === 'release' && !detail.cluster.configured ? null : offered;
  // Viewers see the state, never the buttons (the server refuses them anyway).
  const mayAct = useCan('nodes:quarantine');
  const zone = useDisplayZone();
  // Written only on a choice, so a link's URL stays as it came.
  const writeUrl = (nextRange: NodeRange, nextFilter: NodeEventFilter, nextFocus: string | null) => {
    // The History API, which Next's router follows, rather than router.replace: the page's data is
    // this tab's query (read per range and filter), so the server renders nothing again per click.
    const query = nodePageQuery(nextRange, nextFilter, nextFocus);
    setWritten(query);
    window.history.replaceState(null, '', `${pathname}?${query}`);
  };
  const chooseRange = (next: NodeRange) => writeUrl(next, filter, focus);
  const chooseFilter = (next: NodeEventFilter) => writeUrl(range, next, null);
  // A timeline point opens its event; a filter that hides it is lifted.
  const filterShowing = (recordId: string) => {
    const point = detail.timeline.points.find((each) => each.recordId === recordId);
    return point && filterNodeEvents([point], filter).length > 0 ? filter : NO_FILTER;
  };
  const openEvent = (recordId: string) => writeUrl(range, filterShowing(recordId), recordId);
  const eventHref = (recordId: string) => `${pathname}?${nodePageQuery(range, filterShowing(recordId), recordId)}`;
  const { points, total } = detail.timeline;
  const capped = total > points.length;
  const filtered = filter.entity !== null || filter.fatal;
  // Events of the range the filter matches, as far as the timeline's points tell (all of them unless capped).
  const matching = filtered ? filterNodeEvents(points, filter).length : total;
  const table = useEventTable(name, range, filter, detail);
  const entityLabel = filter.entity?.replace(':', ' ') ?? null;
  const entitySeen = filter.entity === null || detail.gpus.rows.some((row) => entityKey(row) === filter.entity);

  return (
    <div className="space-y-4">
      <NodeHeader
        name={name}
        view={view}
        headline={detail.headline}
        action={
          mayAct ? (
            <NodeActionButton
              nodeName={name}
              action={action}
              disabledReason={
                view?.quarantineRequested
                  ? 'Quarantine requested'
                  : offered === 'release'
                    ? 'Release needs cluster access'
                    : 'No action'
              }
            />
          ) : null
        }
      />

      <WhyPanel why={detail.why} />

      <ClusterPanel cluster={detail.cluster} />

      {/* grid-cols-1 (minmax(0, 1fr)), so a long list of agents is cut rather than widening the page. */}
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-4">
        <Fact label="Fatal events" value={view?.fatalCount.toLocaleString() ?? '—'} />
        <Fact label="Open faults" value={String(view?.openFaults ?? '—')} />
        <Fact label="Last event" value={<RelativeTime at={view?.lastEventAt ?? null} />} />
        <Fact label="Agents" value={view?.agents.join(', ') || '—'} />
      </div>

      <Panel
        title={`Timeline, last ${detail.range}`}
        actions={
          <div role="group" aria-label="Time range" className="flex gap-1">
            {(Object.keys(NODE_RANGES) as NodeRange[]).map((option) => (
              <button
                key={option}
                type="button"
                aria-pressed={option === range}
                onClick={() => chooseRange(option)}
                className="rounded px-2 py-0.5 text-xs aria-pressed:bg-zinc-900 aria-pressed:text-white dark:aria-pressed:bg-zinc-100 dark:aria-pressed:text-zinc-900"
              >
                {option}
              </button>
            ))}
          </div>
        }
        state={query.isError && !query.data ? 'error' : points.length === 0 ? 'empty' : 'ready'}
        error={query.error?.message}
        emptyText={`No health events in the last ${detail.range}.`}
      >
        <NodeTimeline events={points} from={detail.from} to={detail.to} eventHref={eventHref} onOpen={openEvent} />
        <p className="mt-2 text-xs text-zinc-600 dark:text-zinc-400" data-testid="timeline-caption">
          Red: fatal (drawn on top) · amber: unhealthy · green: recovered · orange band: quarantined · blue band:
          draining · dashed line: remediation · a point (or Enter on it; the arrow keys move between points) opens its
          event below · times in {zoneLabel(detail.to, zone)}
          {capped
            ? ` · showing the newest ${points.length.toLocaleString()} of ${total.toLocaleString()} events of the range`
            : ''}
        </p>
      </Panel>

      <Panel
        title="GPUs"
        testId="gpu-panel"
        state={detail.gpus.rows.length === 0 ? 'empty' : 'ready'}
        emptyText={`No event named a GPU or another entity in the last ${detail.range}.`}
      >
        <GpuGrid
          grid={detail.gpus}
          selected={filter.entity}
          onSelect={(entity) => chooseFilter({ ...filter, entity })}
        />
      </Panel>

      <Panel
        title={
          <span data-testid="node-events-count">
            Events (
            {filtered
              ? `${matching.toLocaleString()} of ${points.length.toLocaleString()}${capped ? '+' : ''}`
              : total.toLocaleString()}
            )
          </span>
        }
        actions={
          <div className="flex flex-wrap items-center justify-end gap-2 text-sm">
            {filter.entity ? (
              <button
                type="button"
                onClick={() => chooseFilter({ ...filter, entity: null })}
                className="rounded bg-sky-700 px-2 py-0.5 text-xs text-white hover:bg-sky-800 dark:bg-sky-300 dark:text-zinc-900 dark:hover:bg-sky-200"
                data-testid="events-filter-entity"
                data-entity={filter.entity}
                title="Show the events of every entity"
              >
                {entityLabel} <span aria-hidden="true">×</span>
                <span className="sr-only"> (remove this filter)</span>
              </button>
            ) : null}
            <label className="flex items-center gap-1.5 text-zinc-700 dark:text-zinc-300">
              <input
                type="checkbox"
                checked={filter.fatal}
                onChange={(event) => chooseFilter({ ...filter, fatal: event.target.checked })}
                data-testid="events-fatal-only"
              />
              Fatal only
            </label>
          </div>
        }
        testId="node-events-panel"
        className="overflow-x-auto"
      >
        {problems.length > 0 ? (
          <ul role="alert" className="mb-2 text-sm text-red-700 dark:text-red-400" data-testid="node-params-problems">
            {problems.map((problem) => (
              <li key={problem}>{problem} (left out)</li>
            ))}
          </ul>
        ) : null}
        {focus && !table.events.some((event) => event.recordId === focus) ? (
          <OutsideEvent recordId={focus} name={name} shown={table.events} detail={detail} initial={initial} />
        ) : null}
        {!entitySeen ? (
          <p className="mb-2 text-sm text-zinc-600 dark:text-zinc-400">
            No event of {entityLabel} in the last {detail.range}.
          </p>
        ) : null}
        {table.events.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            {filtered ? 'No events match this filter in this range.' : 'No events in this range.'}
          </p>
        ) : (
          <EventTable table={table} focus={focus} of={`${matching.toLocaleString()}${filtered && capped ? '+' : ''}`} />
        )}
      </Panel>

      <Panel
        title="Maintenance events"
        state={detail.maintenance.length === 0 ? 'empty' : 'ready'}
        emptyText="No cloud maintenance recorded for this node."
        className="overflow-x-auto"
      >
        <table className="w-full text-left text-sm">
          <thead className="text-xs text-zinc-600 dark:text-zinc-400">
            <tr>
              <th className="py-1">Event</th>
              <th>CSP</th>
              <th>Type</th>
              <th>Status</th>
              <th>CSP status</th>
              <th>Scheduled</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {detail.maintenance.map((event) => (
              <tr key={event.eventId} className="border-t border-zinc-100 dark:border-zinc-800">
                <td className="py-1 font-mono text-xs">{event.eventId}</td>
                <td>{event.csp}</td>
                <td>{event.maintenanceType}</td>
                <td>{event.status}</td>
                <td>{event.cspStatus}</td>
                <td>
                  <LocalTime at={event.scheduledStartTime} />
                </td>
                <td>
                  <RelativeTime at={event.lastUpdatedTimestamp} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
    </div>
  );
}

function Fact({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div className="min-w-0 rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900">
      <p className="text-xs text-zinc-600 dark:text-zinc-400">{label}</p>
      <p className="mt-1 truncate text-lg font-semibold tabular-nums">{value}</p>
    </div>
  );
}

/**
 * The event the URL opens when the table's rows leave it out (older than the range, or on a page
 * not shown): shown on its own as the server read it by its id (with the page, or asked for now),
 * else named.
 */
function OutsideEvent({
  recordId,
  name,
  shown,
  detail,
  initial,
}: {
  recordId: string;
  name: string;
  shown: NodeEventRow[];
  detail: NodeDetail;
  initial: NodeDetail;
}) {
  // The server's first read of the page holds the linked event; a point opened later is read by its id.
  const served = [detail.linkedEvent, initial.linkedEvent].find((each) => each?.recordId === recordId) ?? null;
  const asked = useQuery({
    queryKey: ['node', name, 'event', recordId],
    queryFn: () => fetchJson<LinkedEvent>(`${nodeApi(name)}/events/${encodeURIComponent(recordId)}`),
    enabled: served === null,
    staleTime: 60_000,
  });
  const linked = served ?? asked.data ?? null;
  const event = linked?.event ?? null;
  const read = `the ${shown.length.toLocaleString()} events read for the last ${detail.range}`;
  const note = 'mb-2 text-sm text-zinc-600 dark:text-zinc-400';
  if (event) {
    const why = event.createdAt < detail.from ? ': it is older' : ', the newest of the range';
    return (
      <div className="mb-3" data-testid="node-linked-event">
        <p className={note}>
          The event opened is not among {read}
          {why}. It is shown here on its own.
        </p>
        <table className="w-full text-left text-sm">
          <EventTableHead />
          <tbody>
            <EventRow event={event} focused />
          </tbody>
        </table>
      </div>
    );
  }
  if (linked)
    return (
      <p role="alert" className="mb-2 text-sm text-red-700 dark:text-red-400" data-testid="node-linked-event">
        No event of this node has the id “{recordId}”{linked.refused ? ` (${linked.refused})` : ''}.
      </p>
    );
  return (
    <p className={note} data-testid="node-linked-event">
      The event opened ({recordId}) is not among {read}.
    </p>
  );
}

function EventTableHead() {
  return (
    <thead className="text-xs text-zinc-600 dark:text-zinc-400">
      <tr>
        <th className="py-1 pr-3 font-medium">Stored</th>
        <th className="pr-3 font-medium">Check</th>
        <th className="pr-3 font-medium">Entity</th>
        <th className="pr-3 font-medium">Severity</th>
        <th className="pr-3 font-medium">Message</th>
        <th className="pr-3 font-medium">Quarantine</th>
        <th className="pr-3 font-medium">Drain</th>
        <th className="font-medium">Remediated</th>
      </tr>
    </thead>
  );
}

/**
 * The rows of the event table: the first page read with the page's data for this filter, then the
 * older pages asked for, joined again whenever the first page is read again (a live update). While
 * a new filter's first page is read, the previous page's rows that match it stand in (no older).
 */
function useEventTable(name: string, range: NodeRange, filter: NodeEventFilter, detail: NodeDetail) {
  const key = `${range} ${filter.entity} ${filter.fatal}`;
  const [older, setOlder] = useState<{ key: string; shown: NodeEventsPage } | null>(null);
  const [reading, setReading] = useState<{ key: string; error: string | null } | null>(null);
  const first = sameFilter(detail.filter, filter) && detail.range === range;
  const shown: NodeEventsPage = first
    ? joinEventPages({ events: detail.events, older: detail.older }, older?.key === key ? older.shown : null)
    : { events: filterNodeEvents(detail.events, filter), older: null };
  const state = reading?.key === key ? reading : null;
  const readOlder = async () => {
    if (!shown.older || state?.error === null) return;
    setReading({ key, error: null });
    try {
      const page = await fetchJson<NodeEventsPage>(
        `${nodeApi(name)}/events?${nodeEventsQuery({ from: detail.from, to: detail.to, filter, older: shown.older })}`,
      );
      setOlder({ key, shown: { events: [...shown.events, ...page.events], older: page.older } });
      setReading(null);
    } catch (error) {
      setReading({ key, error: (error as Error).message });
    }
  };
  return { ...shown, reading: state !== null && state.error === null, error: state?.error ?? null, readOlder };
}

function EventTable({
  table,
  focus,
  of,
}: {
  table: ReturnType<typeof useEventTable>;
  focus: string | null;
  /** How many events the table has in all (the range's, or those the filter matches). */
  of: string;
}) {
  return (
    <>
      <table className="w-full text-left text-sm" data-testid="node-events">
        <EventTableHead />
        <tbody>
          {table.events.map((event) => (
            <EventRow key={event.recordId} event={event} focused={event.recordId === focus} />
          ))}
        </tbody>
      </table>
      {table.older ? (
        <div className="mt-2 flex flex-wrap items-center gap-3 text-sm">
          <span className="text-zinc-600 dark:text-zinc-400" data-testid="node-events-shown">
            The newest {table.events.length.toLocaleString()} of {of}
          </span>
          <button
            type="button"
            onClick={() => void table.readOlder()}
            disabled={table.reading}
            className="text-sky-700 hover:underline disabled:text-zinc-500 disabled:no-underline dark:text-sky-400"
            data-testid="node-events-older"
          >
            {table.reading ? 'Reading older events…' : 'Older events'}
          </button>
          {table.error ? (
            <span role="alert" className="text-red-700 dark:text-red-400">
              Older events could not be read: {table.error}
            </span>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
