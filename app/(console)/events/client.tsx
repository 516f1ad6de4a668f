'use client';
// The Events page: the search's filters, kept in the URL; its results as events (newest first,
// page by page) or grouped by node; the same search as CSV or JSON. A search over a recent range
// is read again 15 s after its last read ended, while the page is in view: never two at once, so
// a slow search does not stack up on the datastore. The first page of a recent range keeps the
// range in its URL (a bookmark stays "the last hour"); its older pages and its export carry the
// window that page read (from and to), so they read the same window however much later.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useMemo, useState } from 'react';

import { EventFilters } from '@/components/events/event-filters';
import { EventTable } from '@/components/events/event-table';
import { NodeGroupTable } from '@/components/events/node-group-table';
import { SegmentedControl } from '@/components/throughput/segmented-control';
import { Panel } from '@/components/ui/panel';
import { LocalTime } from '@/components/ui/relative-time';
import { fetchJson } from '@/lib/client/fetch-json';
import {
  EVENT_PARAMS,
  EXPORT_LIMIT,
  NODE_GROUPS_SHOWN,
  entityTypeNote,
  eventExportHref,
  eventSearchHref,
  newestEventsHref,
  olderEventsHref,
  pinnedSearch,
  type EventParams,
  type EventSearchView,
  type EventView,
} from '@/lib/queries/events-view';

const link = 'text-sky-700 hover:underline dark:text-sky-400';

function paramsOf(search: URLSearchParams): EventParams {
  const params: EventParams = {};
  for (const name of EVENT_PARAMS) {
    const value = search.get(name);
    if (value) params[name] = value;
  }
  return params;
}

export function EventsClient({
  initial,
  initialError,
}: {
  initial: EventSearchView | null;
  initialError: string | null;
}) {
  const router = useRouter();
  const search = useSearchParams();
  const params = useMemo(() => paramsOf(new URLSearchParams(search.toString())), [search]);
  // The URL's query as it is, unknown parameters included: the API refuses what the page refused.
  const query = search.toString();
  const [initialQuery] = useState(query);
  const result = useQuery({
    queryKey: ['events', query],
    queryFn: () => fetchJson<EventSearchView>(`/api/events${query ? `?${query}` : ''}`),
    initialData: query === initialQuery && initial ? initial : undefined,
    // What the server refused or could not read is not asked again on arrival (Search asks again).
    enabled: !(query === initialQuery && initialError),
    placeholderData: (previous) => previous,
    retry: false,
    // A relative range moves with the clock; a fixed from/to (an older page's too) does not. React
    // Query restarts this timer whenever the query changes (a read starting or ending), and while a
    // read runs or after one failed (a search the datastore stopped: Search runs it again) there is
    // none: the next read starts 15 s after the last one ended, never beside it.
    refetchInterval: (current) =>
      current.state.fetchStatus !== 'idle' || current.state.status === 'error'
        ? false
        : params.from
          ? 3_600_000
          : 15_000,
  });

  const go = (next: EventParams) => {
    const href = eventSearchHref(next);
    // The same search again (after an error, or to read it now): read it, as the URL does not change.
    if (href === (query ? `/events?${query}` : '/events')) void result.refetch();
    else router.replace(href, { scroll: false });
  };
  const view: EventView = params.view === 'nodes' ? 'nodes' : 'events';
  const data = result.data && result.data.view === view ? result.data : undefined;
  const error = result.error?.message ?? (query === initialQuery ? initialError : null);
  const shown = data ? (data.view === 'events' ? data.events.length : data.nodes.length) : 0;
  // The export reads the window shown (from its newest event), not the range read again later.
  const exported = data ? pinnedSearch(data) : params;
  const typeNote = entityTypeNote(params.entity);

  return (
    <div className="space-y-4">
      <EventFilters key={query} params={params} onSearch={go} />

      <div className="flex flex-wrap items-center gap-3 text-sm">
        <SegmentedControl
          label="Show the results as"
          options={[
            { value: 'events', label: 'Events' },
            { value: 'nodes', label: 'By node' },
          ]}
          value={view}
          onChange={(next) => go({ ...params, view: next === 'nodes' ? 'nodes' : undefined, after: undefined })}
          testId="event-view"
        />
        <span className="text-zinc-600 dark:text-zinc-400" data-testid="event-search-summary">
          {data ? (
            <>
              {data.view === 'events'
                ? `${shown.toLocaleString()} event${shown === 1 ? '' : 's'}${params.after ? ', an older page' : ''}${data.next ? ' (more below)' : ''}`
                : `${shown.toLocaleString()} node${shown === 1 ? '' : 's'}${data.truncated ? ` (the ${NODE_GROUPS_SHOWN} most recently active)` : ''}`}
              {' · '}
              {params.after ? 'of the window its first page read, ' : null}
              <LocalTime at={data.window.from} /> to <LocalTime at={data.window.to} />
            </>
          ) : null}
        </span>
        <span
          className="ml-auto flex items-center gap-2"
          title={`At most ${EXPORT_LIMIT.toLocaleString()} rows, the newest`}
        >
          <span className="text-xs text-zinc-500 dark:text-zinc-400">
            Export (up to {EXPORT_LIMIT.toLocaleString()} rows):
          </span>
          <a
            href={eventExportHref(exported, 'csv')}
            className="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700"
            data-testid="event-export-csv"
          >
            CSV
          </a>
          <a
            href={eventExportHref(exported, 'json')}
            className="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700"
            data-testid="event-export-json"
          >
            JSON
          </a>
        </span>
      </div>

      <Panel
        state={error && !data ? 'error' : !data ? 'loading' : shown === 0 ? 'empty' : 'ready'}
        error={error ?? undefined}
        emptyText={`${
          params.after
            ? 'No older events match this search in this window.'
            : 'No event matches this search in this time range.'
        }${typeNote ? ` ${typeNote}.` : ''}`}
        className="overflow-x-auto p-0!"
        testId="event-search-results"
      >
        {data?.view === 'events' ? <EventTable events={data.events} params={params} /> : null}
        {data?.view === 'nodes' ? <NodeGroupTable nodes={data.nodes} params={params} /> : null}
        {data?.view === 'events' && (data.next || params.after) ? (
          <div className="flex gap-4 border-t border-zinc-200 px-3 py-2 text-sm dark:border-zinc-800">
            {params.after ? (
              <Link href={newestEventsHref(data)} className={link} data-testid="event-search-newest">
                Newest events
              </Link>
            ) : null}
            {params.after && newestEventsHref(data) !== eventSearchHref({ ...params, after: undefined }) ? (
              <Link href={eventSearchHref({ ...params, after: undefined })} className={link}>
                First page of this window
              </Link>
            ) : null}
            {data.next ? (
              <Link href={olderEventsHref(data, data.next)} className={link} data-testid="event-search-older">
                Older events
              </Link>
            ) : null}
          </div>
        ) : null}
      </Panel>
      {error && data ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      ) : null}
    </div>
  );
}
