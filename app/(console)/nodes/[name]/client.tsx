'use client';
// One node: its state and the action it offers, its timeline, every event with every field, and
// its maintenance events. New events and status changes arrive over the live stream.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useRef, useState } from 'react';

import { useCan } from '@/components/auth/actor-context';
import { useLiveSubscription } from '@/components/live/live-provider';
import { EventRow } from '@/components/nodes/event-row';
import { enumLabel, isUnknownEnum } from '@/components/nodes/event-labels';
import { ClusterPanel } from '@/components/nodes/cluster-panel';
import { NodeActionButton } from '@/components/nodes/node-action-dialog';
import { NodeTimeline } from '@/components/nodes/node-timeline';
import { StateBadge } from '@/components/nodes/state-badge';
import { WhyPanel } from '@/components/nodes/why-panel';
import { Panel } from '@/components/ui/panel';
import { LocalTime, RelativeTime } from '@/components/ui/relative-time';
import { offeredAction } from '@/lib/node-state/node-view';
import {
  NODE_RANGES,
  refetchesNodeDetail,
  type NodeDetail,
  type NodeEventRow,
  type NodeRange,
} from '@/lib/queries/node-detail-view';
import { fetchJson } from '@/lib/client/fetch-json';

const EVENTS_SHOWN = 200;

function fetchNode(name: string, range: NodeRange): Promise<NodeDetail> {
  return fetchJson<NodeDetail>(`/api/nodes/${encodeURIComponent(name)}?range=${range}`);
}

export function NodeClient({ initial }: { initial: NodeDetail }) {
  const name = initial.name;
  const router = useRouter();
  const pathname = usePathname();
  const [range, setRange] = useState<NodeRange>(initial.range);
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: ['node', name, range],
    queryFn: () => fetchNode(name, range),
    initialData: range === initial.range ? initial : undefined,
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
  const chooseRange = (next: NodeRange) => {
    setRange(next);
    router.replace(`${pathname}?range=${next}`, { scroll: false });
  };

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-start gap-4">
        <div className="space-y-1">
          <p className="text-sm">
            <Link href="/nodes" className="text-sky-700 hover:underline dark:text-sky-400">
              Nodes
            </Link>
          </p>
          <h1 className="font-mono text-2xl font-semibold" data-testid="node-name">
            {name}
          </h1>
          <div
            className="flex flex-wrap items-center gap-3 text-sm text-zinc-600 dark:text-zinc-400"
            data-testid="node-state"
            data-state={view?.state}
          >
            {view ? <StateBadge state={view.state} /> : <span>No state yet</span>}
            {view ? (
              <span>
                since <RelativeTime at={view.stateSince} />
              </span>
            ) : null}
            {view?.quarantineRequested ? (
              <span className="text-orange-700 dark:text-orange-400">
                Quarantine requested, waiting for fault-quarantine
              </span>
            ) : null}
          </div>
          {view?.session ? (
            <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="node-session">
              {view.session.manual
                ? `Quarantined by ${view.session.actor ?? 'an operator'}: “${view.session.reason}”`
                : `Quarantined for ${view.session.checkName}`}
              {view.session.eviction ? ` · drain ${enumLabel(view.session.eviction)}` : ''}
              {isUnknownEnum(view.session.recommendedAction)
                ? ` · recommended action ${enumLabel(view.session.recommendedAction)}`
                : ''}
              {view.session.evictionMessage ? ` (${view.session.evictionMessage})` : ''}
            </p>
          ) : null}
        </div>
        {mayAct ? (
          <div className="ml-auto">
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
          </div>
        ) : null}
      </div>

      <WhyPanel why={detail.why} />

      <ClusterPanel cluster={detail.cluster} />

      <div className="grid gap-4 sm:grid-cols-4">
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
        state={query.isError && !query.data ? 'error' : detail.events.length === 0 ? 'empty' : 'ready'}
        error={query.error?.message}
        emptyText={`No health events in the last ${detail.range}.`}
      >
        <NodeTimeline events={detail.events} from={detail.from} to={detail.to} />
        <p className="mt-2 text-xs text-zinc-500">
          Red: fatal · amber: unhealthy · green: recovered · orange band: quarantined · blue band: draining · dashed
          line: remediation
          {detail.truncated ? ` · showing the newest ${detail.events.length.toLocaleString()} events of the range` : ''}
        </p>
      </Panel>

      <Panel
        title={`Events (${detail.events.length.toLocaleString()}${detail.truncated ? '+' : ''})`}
        state={detail.events.length === 0 ? 'empty' : 'ready'}
        emptyText="No events in this range."
        className="overflow-x-auto"
      >
        <EventTable events={detail.events} />
      </Panel>

      <Panel
        title="Maintenance events"
        state={detail.maintenance.length === 0 ? 'empty' : 'ready'}
        emptyText="No cloud maintenance recorded for this node."
      >
        <table className="w-full text-left text-sm">
          <thead className="text-xs text-zinc-500">
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
    <div className="rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900">
      <p className="text-xs text-zinc-500">{label}</p>
      <p className="mt-1 truncate text-lg font-semibold tabular-nums">{value}</p>
    </div>
  );
}

function EventTable({ events }: { events: NodeEventRow[] }) {
  const [shown, setShown] = useState(EVENTS_SHOWN);
  return (
    <>
      <table className="w-full text-left text-sm" data-testid="node-events">
        <thead className="text-xs text-zinc-500">
          <tr>
            <th className="py-1 pr-3 font-medium">Stored</th>
            <th className="pr-3 font-medium">Check</th>
            <th className="pr-3 font-medium">Severity</th>
            <th className="pr-3 font-medium">Message</th>
            <th className="pr-3 font-medium">Quarantine</th>
            <th className="pr-3 font-medium">Drain</th>
            <th className="font-medium">Remediated</th>
          </tr>
        </thead>
        <tbody>
          {events.slice(0, shown).map((event) => (
            <EventRow key={event.recordId} event={event} />
          ))}
        </tbody>
      </table>
      {events.length > shown ? (
        <button
          type="button"
          onClick={() => setShown(shown + EVENTS_SHOWN)}
          className="mt-2 text-sm text-sky-700 hover:underline dark:text-sky-400"
        >
          Show {Math.min(EVENTS_SHOWN, events.length - shown)} more
        </button>
      ) : null}
    </>
  );
}
