'use client';
// The Pipeline page: every consumer's lag judged over a window (live), stalled events per stage,
// dead letters with retry, out-of-order arrivals and the feed storage (PostgreSQL's changelog,
// MongoDB's oplog window).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState, useTransition } from 'react';

import { useLiveSubscription } from '@/components/live/live-provider';
import { CircuitBreakerPanel } from '@/components/pipeline/circuit-breaker-panel';
import { ConsumerStatusBadge } from '@/components/pipeline/consumer-status-badge';
import { useCan } from '@/components/auth/actor-context';
import { feedStorageRows } from '@/components/pipeline/feed-storage-facts';
import { LagSparkline } from '@/components/pipeline/lag-sparkline';
import { Facts } from '@/components/ui/facts';
import { Panel } from '@/components/ui/panel';
import { RelativeTime } from '@/components/ui/relative-time';
import { retryDeadLetter } from '@/lib/actions/server-actions';
import { newIdempotencyKey } from '@/lib/client/idempotency-key';
import { timeUntilEventsLost, type EventLossWindow } from '@/lib/queries/event-loss-view';
import { feedStorageUnavailable } from '@/lib/queries/feed-storage-view';
import { formatCount, formatDuration } from '@/lib/format/time';
import type { ConsumerLagView, PipelineMessage } from '@/lib/live/live-messages';
import type { StallStage } from '@/lib/queries/pipeline-view';
import { applyPipelineMessage, type DeadLetterRow, type PipelineOverview } from '@/lib/queries/pipeline-view';
import { fetchJson } from '@/lib/client/fetch-json';
import { useRefetchEvery } from '@/lib/client/use-refetch-every';

const STAGE_LABELS: Record<StallStage, string> = {
  'awaiting-quarantine': 'Fatal, not seen by fault-quarantine',
  'drain-too-long': 'Drain in progress too long',
  'awaiting-remediation': 'Quarantined and drained, not remediated',
};

/** A consumer's time until its oldest unread change leaves the feed's storage, as the table shows it. */
function eventsLostText(consumer: ConsumerLagView, window: EventLossWindow, at: number): string {
  const loss = timeUntilEventsLost(
    {
      documentsBehind: consumer.documentsBehind,
      oldestUnreadAt: consumer.oldestUnreadAt ?? null,
      positionLost: consumer.positionLost,
    },
    window,
    at,
  );
  if (loss.kind === 'lost') return 'lost';
  if (loss.kind === 'none') return 'nothing unread';
  if (loss.kind === 'unknown') return 'unknown';
  return loss.seconds === 0 ? 'now' : `in ${formatDuration(loss.seconds)}`;
}

function fetchPipeline(): Promise<PipelineOverview> {
  return fetchJson<PipelineOverview>('/api/pipeline');
}

export function PipelineClient({
  initial,
  initialError,
}: {
  initial: PipelineOverview | null;
  initialError: string | null;
}) {
  const queryClient = useQueryClient();
  // Stalled events and dead letters are not in the stream: re-read them every 10 s.
  const query = useQuery({ queryKey: ['pipeline'], queryFn: fetchPipeline, initialData: initial ?? undefined });
  useRefetchEvery(['pipeline'], 10_000);
  useLiveSubscription(['pipeline'], (type, data) => {
    if (type === 'pipeline')
      queryClient.setQueryData<PipelineOverview>(['pipeline'], (current) =>
        current ? applyPipelineMessage(current, data as PipelineMessage) : current,
      );
  });
  const mayResetBreaker = useCan('breaker:reset');
  const overview = query.data;
  const error = query.error?.message ?? initialError;
  if (!overview) return <Panel state={error ? 'error' : 'loading'} error={error ?? undefined} />;
  const consumers = overview.lag?.consumers ?? [];

  return (
    <div className="space-y-4">
      <CircuitBreakerPanel
        breaker={overview.breaker}
        mayReset={mayResetBreaker}
        // The server answers once its watch has the ConfigMap it wrote: the page read now shows it.
        onReset={() => void queryClient.invalidateQueries({ queryKey: ['pipeline'] })}
      />
      <Panel
        title="Consumers"
        state={overview.lag === null ? 'loading' : consumers.length === 0 ? 'empty' : 'ready'}
        emptyText="No consumer has registered with this datastore."
        className="overflow-x-auto"
        testId="consumers-panel"
      >
        <table className="w-full text-left text-sm">
          <thead className="text-xs text-zinc-500 dark:text-zinc-400">
            <tr>
              <th className="py-1 pr-3 font-medium">Consumer</th>
              <th className="pr-3 font-medium">Status</th>
              <th className="pr-3 text-right font-medium">Documents behind</th>
              <th
                className="pr-3 text-right font-medium"
                title="Head time minus the time of the oldest change not yet read"
              >
                Behind head
              </th>
              <th className="pr-3 font-medium">Catch-up</th>
              <th
                className="pr-3 font-medium"
                title={`When the oldest change it has not read leaves the ${overview.eventLossWindow.source}${
                  overview.eventLossWindow.seconds === null
                    ? ''
                    : ` (kept ${formatDuration(overview.eventLossWindow.seconds)})`
                }`}
              >
                Events lost
              </th>
              <th className="pr-3 font-medium">Position</th>
              <th className="pr-3 font-medium">Last ack</th>
              <th className="font-medium">Last minute</th>
            </tr>
          </thead>
          <tbody>
            {consumers.map((consumer) => (
              <tr
                key={consumer.consumer}
                className="border-t border-zinc-100 dark:border-zinc-800"
                data-testid={`consumer-${consumer.consumer}`}
                data-status={consumer.status}
              >
                <td className="py-1 pr-3 font-mono">{consumer.consumer}</td>
                <td className="pr-3">
                  <ConsumerStatusBadge status={consumer.status} reason={consumer.statusReason} />
                  <span className="ml-2 text-xs text-zinc-500 dark:text-zinc-400">{consumer.statusReason}</span>
                </td>
                <td className="pr-3 text-right tabular-nums">
                  {formatCount(consumer.documentsBehind)}
                  {consumer.documentsBehindCapped ? '+' : ''}
                  {consumer.documentsBehindEstimated ? ' (est.)' : ''}
                </td>
                <td className="pr-3 text-right tabular-nums">{formatDuration(consumer.lagSeconds)}</td>
                <td className="pr-3 tabular-nums">
                  {consumer.catchUpSeconds === null
                    ? '—'
                    : consumer.catchUpSeconds === 0
                      ? 'caught up'
                      : `~${formatDuration(consumer.catchUpSeconds)}`}
                </td>
                <td className="pr-3 tabular-nums" data-testid="events-lost-in">
                  {eventsLostText(consumer, overview.eventLossWindow, overview.lag?.at ?? 0)}
                </td>
                <td className="pr-3">
                  {consumer.positionLost ? (
                    <span className="text-red-600 dark:text-red-400">lost: {consumer.positionLost.reason}</span>
                  ) : consumer.positionKnown ? (
                    'known'
                  ) : (
                    'unknown'
                  )}
                </td>
                <td className="pr-3">
                  <RelativeTime at={consumer.lastAckAt} />
                </td>
                <td>
                  <LagSparkline history={consumer.history} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>

      <Panel
        title={`Stalled events (${overview.stalled.length})`}
        state={overview.stalled.length === 0 ? 'empty' : 'ready'}
        emptyText={`Nothing stalled: no fatal event waits over ${overview.limits.quarantineSeconds} s for quarantine, no drain runs over ${formatDuration(overview.limits.drainSeconds)}, no drained node waits over ${formatDuration(overview.limits.remediationSeconds)} for remediation.`}
        className="overflow-x-auto"
        testId="stalled-panel"
      >
        <table className="w-full text-left text-sm">
          <thead className="text-xs text-zinc-500 dark:text-zinc-400">
            <tr>
              <th className="py-1 pr-3 font-medium">Stage</th>
              <th className="pr-3 font-medium">Node</th>
              <th className="pr-3 font-medium">Check</th>
              <th className="pr-3 font-medium">Age</th>
              <th className="font-medium">Message</th>
            </tr>
          </thead>
          <tbody>
            {overview.stalled.map((event) => (
              <tr key={`${event.stage}-${event.recordId}`} className="border-t border-zinc-100 dark:border-zinc-800">
                <td className="py-1 pr-3">{STAGE_LABELS[event.stage]}</td>
                <td className="pr-3 font-mono">
                  <Link
                    href={`/nodes/${encodeURIComponent(event.nodeName)}`}
                    className="text-sky-700 hover:underline dark:text-sky-400"
                  >
                    {event.nodeName}
                  </Link>
                </td>
                <td className="pr-3">{event.checkName}</td>
                <td className="pr-3">
                  <RelativeTime at={event.createdAt} />
                </td>
                <td className="max-w-md truncate" title={event.message}>
                  {event.message}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>

      <Panel
        title={`Dead letters (${overview.deadLetterCount.toLocaleString()})`}
        state={overview.deadLetters.length === 0 ? 'empty' : 'ready'}
        emptyText="No dead letters: every change was handled."
        className="overflow-x-auto"
        testId="dead-letters-panel"
      >
        <table className="w-full text-left text-sm">
          <thead className="text-xs text-zinc-500 dark:text-zinc-400">
            <tr>
              <th className="py-1 pr-3 font-medium">Consumer</th>
              <th className="pr-3 font-medium">Node</th>
              <th className="pr-3 font-medium">Error</th>
              <th className="pr-3 text-right font-medium">Attempts</th>
              <th className="pr-3 font-medium">First failure</th>
              <th className="pr-3 font-medium">Last failure</th>
              <th className="font-medium" />
            </tr>
          </thead>
          <tbody>
            {overview.deadLetters.map((letter) => (
              <DeadLetterRowView
                key={letter.id}
                letter={letter}
                onDone={() => void queryClient.invalidateQueries({ queryKey: ['pipeline'] })}
              />
            ))}
          </tbody>
        </table>
      </Panel>

      <div className="grid gap-4 md:grid-cols-2">
        <FeedStoragePanel overview={overview} />
        <Panel
          title={`Out-of-order arrivals (${overview.outOfOrder.total.toLocaleString()})`}
          state={overview.outOfOrder.recent.length === 0 ? 'empty' : 'ready'}
          emptyText="No event arrived older than one already applied for its check."
          testId="out-of-order-panel"
        >
          <ul className="space-y-1 text-sm">
            {overview.outOfOrder.recent.slice(0, 20).map((arrival) => (
              <li key={`${arrival.recordId}`}>
                <span className="font-mono">{arrival.nodeName}</span> {arrival.checkName} {arrival.entities}: generated{' '}
                {formatDuration((arrival.appliedAt - arrival.generatedAt) / 1000)} before the newest applied,{' '}
                <RelativeTime at={arrival.receivedAt} />
              </li>
            ))}
          </ul>
        </Panel>
      </div>
    </div>
  );
}

/** Where the datastore keeps the changes the consumers read, and how far back it reaches. */
function FeedStoragePanel({ overview }: { overview: PipelineOverview }) {
  const storage = overview.feedStorage;
  const unavailable = feedStorageUnavailable(storage);
  return (
    <Panel
      title={storage.label}
      state={unavailable ? 'empty' : 'ready'}
      emptyText={unavailable ?? undefined}
      testId="feed-storage-panel"
    >
      <Facts rows={feedStorageRows(storage)} />
      {overview.capabilities.beforeImages ? null : (
        <p className="mt-2 text-xs text-zinc-500 dark:text-zinc-400" data-testid="no-before-images">
          Updates arrive without the previous document (change-stream pre-images are off; MONGODB_ENABLE_PRE_IMAGES=true
          turns them on): consumers and the live view judge each change from the document alone.
        </p>
      )}
    </Panel>
  );
}

function DeadLetterRowView({ letter, onDone }: { letter: DeadLetterRow; onDone: () => void }) {
  const [pending, startTransition] = useTransition();
  const [message, setMessage] = useState<string | null>(null);
  const mayRetry = useCan('dead-letters:retry');
  return (
    <tr
      className="border-t border-zinc-100 align-top dark:border-zinc-800"
      data-testid="dead-letter"
      data-status={letter.status}
    >
      <td className="py-1 pr-3 font-mono">{letter.consumer}</td>
      <td className="pr-3 font-mono">{letter.nodeName ?? '—'}</td>
      <td className="max-w-sm pr-3 break-words text-red-700 dark:text-red-400">{letter.error}</td>
      <td className="pr-3 text-right tabular-nums">{letter.attempts}</td>
      <td className="pr-3">
        <RelativeTime at={letter.firstFailedAt} />
      </td>
      <td className="pr-3">
        <RelativeTime at={letter.lastFailedAt} />
      </td>
      <td>
        {letter.status === 'dead' && mayRetry ? (
          <button
            type="button"
            disabled={pending}
            onClick={() =>
              startTransition(async () => {
                const result = await retryDeadLetter({ id: letter.id, idempotencyKey: newIdempotencyKey() });
                setMessage(result.ok ? result.message : result.error);
                onDone();
              })
            }
            className="rounded bg-zinc-900 px-2 py-1 text-xs text-white disabled:opacity-50 dark:bg-zinc-100 dark:text-zinc-900"
          >
            {pending ? 'Retrying…' : 'Retry'}
          </button>
        ) : (
          <span className="text-xs text-zinc-500 dark:text-zinc-400">{letter.status.replace('_', ' ')}</span>
        )}
        {message ? (
          <p role="status" className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
            {message}
          </p>
        ) : null}
      </td>
    </tr>
  );
}
