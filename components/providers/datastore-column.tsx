// One datastore as a column of the Providers page: which provider, how fast it answers, its pool,
// feed storage (changelog or oplog window), events and consumers, and per-operation latency. Columns line up row for row, so
// the gap between two datastores reads across.
import type { ReactNode } from 'react';

import { feedStorageRows } from '@/components/pipeline/feed-storage-facts';
import { providerLabel } from '@/components/providers/provider-label';
import { Facts } from '@/components/ui/facts';
import { cardClass } from '@/components/ui/panel';
import { RelativeTime } from '@/components/ui/relative-time';
import { feedStorageUnavailable } from '@/lib/queries/feed-storage-view';
import { formatCount, formatDuration } from '@/lib/format/time';
import type { DatastoreGap, DatastoreView } from '@/lib/queries/providers-view';

const STATUS_STYLE: Record<DatastoreView['status'], { dot: string; label: string }> = {
  ok: { dot: 'bg-emerald-500', label: 'Reachable' },
  degraded: { dot: 'bg-amber-500', label: 'Partly readable' },
  down: { dot: 'bg-red-500', label: 'Unreachable' },
};

/** Eight rows per column, on the page grid's rows (subgrid): sections line up across columns. */
const COLUMN_LAYOUT = 'flex flex-col gap-3 lg:row-span-8 lg:grid lg:grid-rows-subgrid';

const ms = (value: number | null) =>
  value === null ? '—' : `${value.toLocaleString(undefined, { maximumFractionDigits: value < 10 ? 2 : 1 })} ms`;

function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <div className="border-t border-zinc-200 pt-3 dark:border-zinc-800" data-testid={testId}>
      <h3 className="mb-2 text-xs font-medium uppercase tracking-wide text-zinc-500 dark:text-zinc-400">{title}</h3>
      {children}
    </div>
  );
}

function signed(value: number | null, format: (value: number) => string): string {
  if (value === null) return 'unknown';
  if (value === 0) return 'none';
  return value > 0 ? `${format(value)} fewer` : `${format(-value)} more`;
}

export function DatastoreColumn({
  view,
  gap,
  referenceRole,
}: {
  view: DatastoreView;
  gap: DatastoreGap | null;
  referenceRole: string;
}) {
  const status = STATUS_STYLE[view.status];
  const mongo = view.provider === 'mongodb';
  return (
    <section
      className={`${cardClass} ${COLUMN_LAYOUT}`}
      data-testid={`datastore-${view.id}`}
      aria-labelledby={`datastore-${view.id}-title`}
    >
      <header>
        <p className="text-xs text-zinc-500 dark:text-zinc-400">{view.role}</p>
        <h2 id={`datastore-${view.id}-title`} className="flex items-center gap-2 text-lg font-semibold">
          <span aria-hidden className={`inline-block h-2.5 w-2.5 rounded-full ${status.dot}`} />
          <span data-testid="provider-name">{view.provider ? providerLabel(view.provider) : 'Unknown provider'}</span>
          <span className="text-sm font-normal text-zinc-500 dark:text-zinc-400">{status.label}</span>
        </h2>
        {view.target ? (
          <p className="truncate font-mono text-xs text-zinc-500 dark:text-zinc-400" title={view.target}>
            {view.target}
          </p>
        ) : null}
        {view.errors.length > 0 ? (
          <ul role="alert" className="mt-2 space-y-0.5 text-xs text-red-600 dark:text-red-400">
            {view.errors.map((error) => (
              <li key={error}>{error}</li>
            ))}
          </ul>
        ) : null}
      </header>

      <Section title="Latency">
        <Facts
          rows={[
            ['Ping (round trip)', ms(view.pingMs), 'ping-ms'],
            [
              'Change detection',
              view.changeDetectionMs === null ? (
                <span
                  className="text-zinc-500 dark:text-zinc-400"
                  title="The live hub (lib/live/live-hub.ts) sees each change's commit time; it will report commit-to-feed delay here."
                >
                  not measured yet
                </span>
              ) : (
                ms(view.changeDetectionMs)
              ),
            ],
          ]}
        />
        {view.changeDetectionMs === null ? (
          <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
            Commit-to-feed delay will come from the live hub&apos;s change feed, which receives each change with its
            commit time.
          </p>
        ) : null}
      </Section>

      <Section title="Capabilities">
        {view.capabilities ? (
          <Facts
            rows={[
              ['Changelog retention', view.capabilities.changelogRetention ? 'yes' : 'no'],
              ['Documents behind', view.capabilities.exactDocumentsBehind ? 'counted (≈ past 1,000)' : 'estimate'],
              [
                'Previous document on updates',
                view.capabilities.beforeImages ? 'yes' : mongo ? 'no (pre-images off)' : 'no',
                'before-images',
              ],
            ]}
          />
        ) : (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">unknown</p>
        )}
      </Section>

      <Section title="Health events" testId="datastore-events">
        <Facts
          rows={[
            ['Stored', formatCount(view.events?.total), 'events-total'],
            ['Last hour', formatCount(view.events?.lastHour)],
            ['Newest', <RelativeTime key="newest" at={view.events?.newestAt ?? null} />],
            ...(gap
              ? ([
                  [
                    `Gap to ${referenceRole.toLowerCase()}`,
                    signed(gap.events, (value) => value.toLocaleString()),
                    'events-gap',
                  ],
                  [
                    'Newest event trails by',
                    gap.newestSeconds === null
                      ? 'unknown'
                      : gap.newestSeconds <= 0
                        ? 'not behind'
                        : formatDuration(gap.newestSeconds),
                  ],
                  ['Last hour, difference', signed(gap.lastHour, (value) => value.toLocaleString())],
                ] as [string, ReactNode, string?][])
              : []),
          ]}
        />
      </Section>

      <Section title="Consumers">
        {!view.consumers ? (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">unknown</p>
        ) : view.consumers.length === 0 ? (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">No consumer has registered with this datastore.</p>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="text-xs text-zinc-500 dark:text-zinc-400">
              <tr>
                <th className="py-1 font-medium">Consumer</th>
                <th className="py-1 text-right font-medium">Behind head</th>
                <th className="py-1 text-right font-medium">Changes behind</th>
              </tr>
            </thead>
            <tbody>
              {view.consumers.map((consumer) => (
                <tr
                  key={consumer.consumer}
                  className="border-t border-zinc-100 dark:border-zinc-800"
                  data-testid="consumer-lag-row"
                >
                  <td className="max-w-0 truncate py-1 font-mono text-xs" title={consumer.consumer}>
                    {consumer.consumer}
                  </td>
                  <td className="py-1 text-right tabular-nums">
                    {consumer.positionLost ? (
                      <span className="text-red-600 dark:text-red-400">position lost</span>
                    ) : consumer.positionKnown ? (
                      formatDuration(consumer.lagSeconds)
                    ) : (
                      'unknown'
                    )}
                  </td>
                  <td className="py-1 text-right tabular-nums">
                    {consumer.documentsBehind === null
                      ? '—'
                      : `${consumer.documentsBehindEstimated ? '≈' : ''}${consumer.documentsBehind.toLocaleString()}${consumer.documentsBehindCapped ? '+' : ''}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>

      <Section title="Connection pool">
        {view.pool ? (
          <>
            <Facts
              rows={[
                [
                  'In use',
                  `${(view.pool.total - view.pool.idle).toLocaleString()} of ${view.pool.max.toLocaleString()}`,
                  'pool-in-use',
                ],
                ['Open / idle', `${view.pool.total.toLocaleString()} / ${view.pool.idle.toLocaleString()}`],
                [
                  'Waiting for a connection',
                  <span
                    key="waiting"
                    className={view.pool.waiting > 0 ? 'text-amber-700 dark:text-amber-400' : undefined}
                  >
                    {view.pool.waiting.toLocaleString()}
                  </span>,
                ],
              ]}
            />
            <div className="mt-2 h-1.5 w-full overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800" aria-hidden>
              <div
                className="h-full bg-sky-500"
                style={{
                  width: `${Math.min(100, ((view.pool.total - view.pool.idle) / Math.max(1, view.pool.max)) * 100)}%`,
                }}
              />
            </div>
          </>
        ) : (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">unknown</p>
        )}
      </Section>

      <Section title={view.feedStorage?.label ?? (mongo ? 'Oplog window' : 'Changelog')} testId="feed-storage">
        {!view.feedStorage ? (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">unknown</p>
        ) : feedStorageUnavailable(view.feedStorage) ? (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">{feedStorageUnavailable(view.feedStorage)}</p>
        ) : (
          <Facts rows={feedStorageRows(view.feedStorage)} />
        )}
      </Section>

      <Section title="Operations (this server process)" testId="operations">
        {view.operations.length === 0 ? (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">No operation has run yet.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="text-xs text-zinc-500 dark:text-zinc-400">
                <tr>
                  <th className="py-1 font-medium">Operation</th>
                  <th className="py-1 text-right font-medium">p50</th>
                  <th className="py-1 text-right font-medium">p95</th>
                  <th className="py-1 text-right font-medium">p99</th>
                  <th className="py-1 text-right font-medium">Calls</th>
                  <th className="py-1 text-right font-medium">Errors</th>
                </tr>
              </thead>
              <tbody>
                {view.operations.map((operation) => (
                  <tr
                    key={operation.operation}
                    className="border-t border-zinc-100 dark:border-zinc-800"
                    data-testid="operation-row"
                    data-operation={operation.operation}
                  >
                    <td className="py-1 pr-2 font-mono text-xs">{operation.operation}</td>
                    <td className="py-1 text-right tabular-nums">{ms(operation.p50Ms)}</td>
                    <td className="py-1 text-right tabular-nums">{ms(operation.p95Ms)}</td>
                    <td className="py-1 text-right tabular-nums">{ms(operation.p99Ms)}</td>
                    <td className="py-1 text-right tabular-nums">{operation.count.toLocaleString()}</td>
                    <td
                      className={`py-1 text-right tabular-nums ${operation.errors > 0 ? 'text-red-600 dark:text-red-400' : ''}`}
                    >
                      {operation.errors.toLocaleString()}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
              Percentiles over each operation&apos;s latest 1,024 calls; includes this page&apos;s own reads.
            </p>
          </div>
        )}
      </Section>
    </section>
  );
}

/** The second column when only one datastore is configured: how to add one. */
export function SecondDatastoreHint() {
  return (
    <section
      className={`${cardClass} border-dashed lg:row-span-8 text-sm text-zinc-600 dark:text-zinc-400`}
      data-testid="datastore-placeholder"
    >
      <h2 className="mb-2 text-lg font-semibold text-zinc-900 dark:text-zinc-100">No second datastore</h2>
      <p>
        Set <code className="font-mono">SECONDARY_DATABASE_URL</code> (and{' '}
        <code className="font-mono">SECONDARY_DATASTORE_PROVIDER</code>, <code className="font-mono">postgresql</code>{' '}
        or <code className="font-mono">mongodb</code>, when the URL&apos;s scheme does not say) and restart the app:
        that datastore then appears in this column, with its events, consumer lag and latency beside the app&apos;s, and
        the gap between the two.
      </p>
    </section>
  );
}
