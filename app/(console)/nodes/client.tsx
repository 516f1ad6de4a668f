'use client';
// The Nodes page: counts per state, filters kept in the URL, and the table of nodes in view,
// kept current by the live stream's node diffs (no polling).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useMemo, useRef, useState } from 'react';

import { useCan } from '@/components/auth/actor-context';
import { useLiveSubscription } from '@/components/live/live-provider';
import { BulkActionBar } from '@/components/nodes/bulk-action-bar';
import { isSelected, noSelection, tick, type NodeSelection } from '@/components/nodes/node-selection';
import { NodeRow } from '@/components/nodes/node-row';
import { OptOutMark } from '@/components/nodes/opt-out-mark';
import { cardClass, Panel } from '@/components/ui/panel';
import type { ClusterMessage, NodesMessage } from '@/lib/live/live-messages';
import { nodeFilterToSearch, parseNodeFilter, type NodeFilter } from '@/lib/node-state/node-filter';
import { parseNodePage } from '@/lib/node-state/node-order';
import { NODE_STATE_LABELS, NODE_STATES, type NodeState } from '@/lib/node-state/node-view';
import {
  applyNodesMessage,
  clusterMessageRefetches,
  nodesMessageReorders,
  type NodesPage,
} from '@/lib/queries/nodes-view';
import { fetchJson } from '@/lib/client/fetch-json';

/** The page in the URL (?page=, 1-based) beside the filter. */
function pageSearch(search: string, page: number): string {
  const params = new URLSearchParams(search);
  if (page > 0) params.set('page', String(page + 1));
  return params.toString();
}

function fetchNodes(search: string, page: number): Promise<NodesPage> {
  return fetchJson<NodesPage>(`/api/nodes?${pageSearch(search, page)}`);
}

export function NodesClient({ initial, initialError }: { initial: NodesPage | null; initialError: string | null }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const filter = useMemo(() => parseNodeFilter(new URLSearchParams(params.toString())), [params]);
  const search = nodeFilterToSearch(filter);
  const page = parseNodePage(new URLSearchParams(params.toString())).page;
  const [initialKey] = useState(`${search}#${page}`);
  const queryClient = useQueryClient();
  const queryKey = useMemo(() => ['nodes', search, page], [search, page]);
  const query = useQuery({
    queryKey,
    queryFn: () => fetchNodes(search, page),
    initialData: `${search}#${page}` === initialKey && initial ? initial : undefined,
    placeholderData: (previous) => previous,
  });
  const searchTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const refetchTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  // Last state seen per node, to tell a change that can reorder the list from one that cannot.
  const knownStates = useRef(new Map<string, NodeState>());
  const mayAct = useCan('nodes:quarantine');
  const [selection, setSelection] = useState<NodeSelection>(() => noSelection(''));
  const selected = selection.search === search ? selection : noSelection(search);
  // With all matching selected, unticking a row leaves it out ("all matching except these").
  const select = (names: string[], checked: boolean) => setSelection(tick(selected, names, checked));
  const clearSelection = () => setSelection(noSelection(search));

  // The server pages and orders the list; the stream brings diffs of every matching node. Rows on
  // this page change in place at once; when a node enters, leaves or changes state (which can
  // move it across pages) the page is fetched again, at most once a second.
  const refetchSoon = () => {
    if (refetchTimer.current) return;
    refetchTimer.current = setTimeout(() => {
      refetchTimer.current = undefined;
      void queryClient.invalidateQueries({ queryKey, exact: true });
    }, 1_000);
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
      const reorder = nodesMessageReorders(message, knownStates.current);
      queryClient.setQueryData<NodesPage>(queryKey, (list) => (list ? applyNodesMessage(list, message) : list));
      if (reorder) refetchSoon();
    },
    `${search}${search ? '&' : ''}snapshot=0`,
  );

  const go = (next: NodeFilter, nextPage = 0) => {
    const query = pageSearch(nodeFilterToSearch(next), nextPage);
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };
  const setFilter = (next: NodeFilter) => go(next, 0);
  const setPage = (next: number) => go(filter, next);
  const toggleState = (state: NodeState) => {
    const states = new Set(filter.states ?? []);
    if (states.has(state)) states.delete(state);
    else states.add(state);
    setFilter({ ...filter, states: [...states] });
  };

  const list = query.data;
  const shown = list?.nodes ?? [];
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
              <span className="block text-xs text-zinc-500">{NODE_STATE_LABELS[state]}</span>
              <span className="block text-xl font-semibold tabular-nums">
                {list ? list.counts[state].toLocaleString() : '—'}
              </span>
            </button>
          );
        })}
      </div>

      <div className="flex flex-wrap items-end gap-3">
        <label className="text-sm">
          <span className="block text-xs text-zinc-500">Node name</span>
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
        <span className="ml-auto text-sm text-zinc-500" data-testid="nodes-shown">
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
          <thead className="border-b border-zinc-200 text-xs text-zinc-500 dark:border-zinc-800">
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
              <th className="px-3 py-2 font-medium">Node</th>
              <th className="px-3 py-2 font-medium">State</th>
              <th className="px-3 py-2 font-medium">Cordoned</th>
              <th className="px-3 py-2 font-medium">In state</th>
              <th className="px-3 py-2 font-medium">Last event</th>
              <th className="px-3 py-2 text-right font-medium">Fatal events</th>
              <th className="px-3 py-2 text-right font-medium">Open faults</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((view) => (
              <NodeRow
                key={view.name}
                view={view}
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
      <span className="block text-xs text-zinc-500">{label}</span>
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
