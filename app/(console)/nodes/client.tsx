'use client';
// The Nodes page: counts per state, filters and the column sort kept in the URL, and the table of
// nodes in view, kept current (and in order) by the live stream's node diffs (no polling).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useMemo, useRef, useState } from 'react';

import { useCan } from '@/components/auth/actor-context';
import { useLiveSubscription } from '@/components/live/live-provider';
import { BulkActionBar } from '@/components/nodes/bulk-action-bar';
import { isSelected, noSelection, tick, type NodeSelection } from '@/components/nodes/node-selection';
import { NodeRow } from '@/components/nodes/node-row';
import { OptOutMark } from '@/components/nodes/opt-out-mark';
import { withPinnedRows, type PinnedRow } from '@/components/nodes/pinned-rows';
import { SortHeader } from '@/components/nodes/sort-header';
import { cardClass, Panel } from '@/components/ui/panel';
import type { ClusterMessage, NodesMessage } from '@/lib/live/live-messages';
import { nodeFilterToSearch, parseNodeFilter, type NodeFilter } from '@/lib/node-state/node-filter';
import { parseNodePage } from '@/lib/node-state/node-order';
import { nextSort, nodeSortToSearch, parseNodeSort, type NodeSort } from '@/lib/node-state/node-sort';
import { NODE_STATE_LABELS, NODE_STATES, type NodeState, type NodeView } from '@/lib/node-state/node-view';
import {
  applyNodesMessage,
  clusterMessageRefetches,
  nodesMessageMovesPage,
  type NodesPage,
} from '@/lib/queries/nodes-view';
import { fetchJson } from '@/lib/client/fetch-json';

/** The sort (?sort=&dir=) and the page (?page=, 1-based) in the URL beside the filter. */
function pageSearch(search: string, sort: NodeSort, page: number): string {
  const params = new URLSearchParams(search);
  for (const [key, value] of new URLSearchParams(nodeSortToSearch(sort))) params.set(key, value);
  if (page > 0) params.set('page', String(page + 1));
  return params.toString();
}

function fetchNodes(search: string, sort: NodeSort, page: number): Promise<NodesPage> {
  return fetchJson<NodesPage>(`/api/nodes?${pageSearch(search, sort, page)}`);
}

/** Why a row holds its place: the pointer is over it, or keyboard focus is in it (components/nodes/pinned-rows.ts). */
type PinReason = 'pointer' | 'focus';

export function NodesClient({ initial, initialError }: { initial: NodesPage | null; initialError: string | null }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const filter = useMemo(() => parseNodeFilter(new URLSearchParams(params.toString())), [params]);
  const search = nodeFilterToSearch(filter);
  const page = parseNodePage(new URLSearchParams(params.toString())).page;
  const sort = useMemo(() => parseNodeSort(new URLSearchParams(params.toString())).sort, [params]);
  const sortSearch = nodeSortToSearch(sort);
  const [initialKey] = useState(`${search}#${sortSearch}#${page}`);
  const queryClient = useQueryClient();
  const queryKey = useMemo(() => ['nodes', search, sortSearch, page], [search, sortSearch, page]);
  const query = useQuery({
    queryKey,
    queryFn: () => fetchNodes(search, sort, page),
    initialData: `${search}#${sortSearch}#${page}` === initialKey && initial ? initial : undefined,
    placeholderData: (previous) => previous,
  });
  const searchTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const refetchTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const lastRefetch = useRef(0);
  const [pins, setPins] = useState<Partial<Record<PinReason, PinnedRow<NodeView>>>>({});
  const mayAct = useCan('nodes:quarantine');
  const [selection, setSelection] = useState<NodeSelection>(() => noSelection(''));
  const selected = selection.search === search ? selection : noSelection(search);
  // With all matching selected, unticking a row leaves it out ("all matching except these").
  const select = (names: string[], checked: boolean) => setSelection(tick(selected, names, checked));
  const clearSelection = () => setSelection(noSelection(search));

  // The server pages and orders the list; the stream brings diffs of every matching node. Rows on
  // this page change and are sorted again at once; when a change can alter which nodes belong on this
  // page (a node entering or leaving the filter, or crossing the page's first or last row) the page
  // is fetched again: at once, then at most once a second.
  const refetchSoon = () => {
    if (refetchTimer.current) return;
    const wait = Math.max(0, lastRefetch.current + 1_000 - Date.now());
    refetchTimer.current = setTimeout(() => {
      refetchTimer.current = undefined;
      lastRefetch.current = Date.now();
      void queryClient.invalidateQueries({ queryKey, exact: true });
    }, wait);
  };
  useLiveSubscription(
    ['nodes'],
    (type, data) => {
      if (type === 'reset') return void queryClient.invalidateQueries({ queryKey, exact: true });
      if (type === 'cluster') {
        const list = queryClient.getQueryData<NodesPage>(queryKey);
        if (list && clusterMessageRefetches(data as ClusterMessage, list, filter)) refetchSoon();
        return;
      }
      if (type !== 'nodes') return;
      const message = data as NodesMessage;
      // Decided on the page as shown before this message: its first and last rows bound it.
      const before = queryClient.getQueryData<NodesPage>(queryKey);
      const movesPage = !before || nodesMessageMovesPage(message, before, sort);
      queryClient.setQueryData<NodesPage>(queryKey, (list) => (list ? applyNodesMessage(list, message, sort) : list));
      // A pinned row the page may no longer have still shows its newest values.
      const views = new Map([...message.new, ...message.updated].map((view) => [view.name, view]));
      setPins((current) => {
        let next = current;
        for (const reason of ['pointer', 'focus'] as const) {
          const view = current[reason] && views.get(current[reason].name);
          if (view) next = { ...next, [reason]: { ...current[reason]!, view } };
        }
        return next;
      });
      if (movesPage) refetchSoon();
    },
    `${search}${search ? '&' : ''}snapshot=0`,
  );

  const go = (next: NodeFilter, nextPage = 0, nextOrder = sort) => {
    const query = pageSearch(nodeFilterToSearch(next), nextOrder, nextPage);
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };
  const setFilter = (next: NodeFilter) => go(next, 0);
  const setPage = (next: number) => go(filter, next);
  const sortBy = (column: NodeSort['column']) => go(filter, 0, nextSort(sort, column));
  const sortHeader = { sort, onSort: sortBy };
  const toggleState = (state: NodeState) => {
    const states = new Set(filter.states ?? []);
    if (states.has(state)) states.delete(state);
    else states.add(state);
    setFilter({ ...filter, states: [...states] });
  };

  const list = query.data;
  const pinned = Object.values(pins);
  const shown = withPinnedRows(list?.nodes ?? [], pinned);
  const holdPlace = (reason: PinReason, view: NodeView, index: number) => (on: boolean) =>
    setPins((current) => {
      if (!on) {
        if (current[reason]?.name !== view.name) return current;
        const rest = { ...current };
        delete rest[reason];
        return rest;
      }
      if (current[reason]?.name === view.name) return current;
      return { ...current, [reason]: { name: view.name, index, view } };
    });
  const pages = list?.pages ?? 1;
  const current = list?.page ?? 0;
  const error = query.error?.message ?? (list ? null : initialError);
  const pageSelected = shown.length > 0 && shown.every((view) => isSelected(selected, view.name));

  return (
    <div className="space-y-4">
      <div
        className="grid grid-cols-3 gap-2 sm:grid-cols-5 lg:grid-cols-9"
        role="group"
        aria-label="Nodes per state (select to filter)"
      >
        {NODE_STATES.map((state) => {
          const selected = filter.states?.includes(state) ?? false;
          return (
            <button
              key={state}
              type="button"
              aria-pressed={selected}
              onClick={() => toggleState(state)}
              data-testid={`count-${state}`}
              className={`${cardClass} p-2! text-left focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 ${selected ? 'ring-2 ring-sky-500' : ''}`}
            >
              <span className="block text-xs text-zinc-500 dark:text-zinc-400">{NODE_STATE_LABELS[state]}</span>
              <span className="block text-xl font-semibold tabular-nums">
                {list ? list.counts[state].toLocaleString() : '—'}
              </span>
            </button>
          );
        })}
      </div>

      <div className="flex flex-wrap items-end gap-3">
        <label className="text-sm">
          <span className="block text-xs text-zinc-500 dark:text-zinc-400">Node name</span>
          <input
            type="search"
            defaultValue={filter.search ?? ''}
            placeholder="Search nodes"
            onChange={(event) => {
              // Typing waits for a pause before the URL (and the server) hear of it.
              const value = event.target.value.trim() || undefined;
              clearTimeout(searchTimer.current);
              searchTimer.current = setTimeout(() => setFilter({ ...filter, search: value }), 250);
            }}
            className="mt-1 w-56 rounded border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
          />
        </label>
        <FilterSelect
          label="Agent"
          value={filter.agent}
          options={list?.agents ?? []}
          onChange={(agent) => setFilter({ ...filter, agent })}
        />
        <FilterSelect
          label="Check"
          value={filter.check}
          options={list?.checks ?? []}
          onChange={(check) => setFilter({ ...filter, check })}
        />
        <label
          className="flex items-center gap-1 text-sm"
          title="Quarantined in the datastore but schedulable in the cluster, cordoned outside NVSentinel, or cordoned before NVSentinel"
        >
          <input
            type="checkbox"
            checked={filter.disagree ?? false}
            disabled={list ? !list.cluster.configured : false}
            onChange={(event) => setFilter({ ...filter, disagree: event.target.checked || undefined })}
            data-testid="filter-disagree"
          />
          Disagrees with the cluster
        </label>
        <label
          className="flex items-center gap-1 text-sm"
          title="Out of NVSentinel's hands: k8saas.nvidia.com/ManagedByNVSentinel=false (the maintenance opt-out) or janitor's managed=false"
        >
          <input
            type="checkbox"
            checked={filter.optedOut ?? false}
            disabled={list ? !list.cluster.configured : false}
            onChange={(event) => setFilter({ ...filter, optedOut: event.target.checked || undefined })}
            data-testid="filter-opted-out"
          />
          Opted out
        </label>
        {search ? (
          <button
            type="button"
            onClick={() => setFilter({})}
            className="rounded px-2 py-1 text-sm text-sky-700 hover:underline dark:text-sky-400"
          >
            Clear filters
          </button>
        ) : null}
        <span className="ml-auto text-sm text-zinc-500 dark:text-zinc-400" data-testid="nodes-shown">
          {list ? `${list.matching.toLocaleString()} of ${list.total.toLocaleString()} nodes` : ''}
        </span>
      </div>

      {mayAct ? (
        <BulkActionBar
          selected={[...selected.names]}
          all={selected.all}
          except={[...selected.except]}
          matching={list?.matching ?? 0}
          filter={search}
          onSelectAll={() => setSelection({ ...noSelection(search), all: true })}
          onClear={clearSelection}
        />
      ) : null}

      <Panel
        state={error && !list ? 'error' : !list ? 'loading' : list.matching === 0 ? 'empty' : 'ready'}
        error={error ?? undefined}
        emptyText={list?.total === 0 ? 'No node has reported a health event yet.' : 'No node matches these filters.'}
        className="overflow-x-auto p-0!"
      >
        <table className="w-full text-left text-sm" data-testid="nodes-table">
          <thead className="border-b border-zinc-200 text-xs text-zinc-500 dark:text-zinc-400 dark:border-zinc-800">
            <tr>
              {mayAct ? (
                <th className="w-8 py-2 pl-3">
                  <input
                    type="checkbox"
                    checked={pageSelected}
                    onChange={(event) =>
                      select(
                        shown.map((view) => view.name),
                        event.target.checked,
                      )
                    }
                    aria-label="Select the nodes on this page"
                    data-testid="node-select-page"
                    className="h-4 w-4 align-middle"
                  />
                </th>
              ) : null}
              <SortHeader column="name" label="Node" {...sortHeader} />
              <SortHeader column="state" label="State" {...sortHeader} />
              {/* Not sortable: the cordon is the cluster's, looked up per node of the page only. */}
              <th className="px-3 py-2 font-medium">Cordoned</th>
              <SortHeader column="inState" label="In state" {...sortHeader} />
              <SortHeader column="lastEvent" label="Last event" {...sortHeader} />
              <SortHeader column="fatal" label="Fatal events" align="right" {...sortHeader} />
              <SortHeader column="openFaults" label="Open faults" align="right" {...sortHeader} />
            </tr>
          </thead>
          {/* No row is a scroll anchor: the browser keeps an anchor where it was on the screen, so a
              row that re-sorted live (the top one in view, say) would scroll the page after it, and
              the row under the pointer, which the list holds in place, would slip away. */}
          <tbody className="[overflow-anchor:none]">
            {shown.map((view, index) => (
              <NodeRow
                key={view.name}
                view={view}
                onHover={holdPlace('pointer', view, index)}
                onFocusWithin={holdPlace('focus', view, index)}
                held={pins.pointer?.name === view.name ? 'pointer' : pins.focus?.name === view.name ? 'focus' : null}
                cluster={
                  list?.cluster.configured
                    ? (list.cluster.nodes[view.name] ?? { cordoned: null, disagreement: null })
                    : null
                }
                selection={
                  mayAct
                    ? {
                        checked: isSelected(selected, view.name),
                        onChange: (checked) => select([view.name], checked),
                      }
                    : undefined
                }
              />
            ))}
          </tbody>
        </table>
        {pages > 1 ? (
          <div className="flex items-center gap-2 border-t border-zinc-200 px-3 py-2 text-sm dark:border-zinc-800">
            <button
              type="button"
              disabled={current === 0}
              onClick={() => setPage(current - 1)}
              className="rounded px-2 py-1 disabled:opacity-40"
            >
              Previous
            </button>
            <span className="tabular-nums" data-testid="nodes-page">
              Page {current + 1} of {pages}
            </span>
            <button
              type="button"
              disabled={current >= pages - 1}
              onClick={() => setPage(current + 1)}
              className="rounded px-2 py-1 disabled:opacity-40"
            >
              Next
            </button>
          </div>
        ) : null}
      </Panel>
      {list?.cluster.optedOutElsewhere?.length ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="opted-out-elsewhere">
          Also out of NVSentinel&apos;s hands, never reported to this datastore:{' '}
          {list.cluster.optedOutElsewhere.map(({ name, mark }, index) => (
            <span key={name}>
              {index > 0 ? ', ' : ''}
              <span className="font-mono">{name}</span>
              <OptOutMark mark={mark} />
            </span>
          ))}
        </p>
      ) : null}
    </div>
  );
}

function FilterSelect({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value?: string;
  options: string[];
  onChange: (value: string | undefined) => void;
}) {
  return (
    <label className="text-sm">
      <span className="block text-xs text-zinc-500 dark:text-zinc-400">{label}</span>
      <select
        value={value ?? ''}
        onChange={(event) => onChange(event.target.value || undefined)}
        className="mt-1 rounded border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
      >
        <option value="">Any {label.toLowerCase()}</option>
        {value && !options.includes(value) ? <option value={value}>{value}</option> : null}
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
}
