import { AutoRefresh } from '@/components/live/auto-refresh';
import { providerLabel } from '@/components/providers/provider-label';
import { cardClass as card } from '@/components/ui/panel';
import { formatDuration } from '@/lib/format/time';
import { readOverview, type Overview } from '@/lib/queries/overview';
import { checkSystemHealth } from '@/lib/server/app-probes';
import { requirePageActor } from '@/lib/server/auth';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

export default async function OverviewPage() {
  await requirePageActor();
  const health = await checkSystemHealth();
  const ok = health.status === 'ok';
  const overview: Overview | undefined = health.database.reachable
    ? await readOverview(appContext()).catch(() => undefined)
    : undefined;
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Overview</h1>
      <AutoRefresh everyMs={10_000} />
      <div className={card}>
        <h2 className="text-sm font-medium text-zinc-500 dark:text-zinc-400">Datastore</h2>
        <p className="mt-1 flex items-center gap-2">
          <span
            aria-hidden
            className={`inline-block h-2.5 w-2.5 rounded-full ${ok ? 'bg-emerald-500' : 'bg-amber-500'}`}
          />
          <span data-testid="datastore-status">{ok ? 'Connected' : 'Degraded'}</span>
          <span className="text-sm text-zinc-500 dark:text-zinc-400" data-testid="datastore-target">
            {health.database.provider ? providerLabel(health.database.provider) : 'Datastore'} {health.database.target}
          </span>
        </p>
        {health.database.error ? (
          <p className="mt-2 text-sm text-red-600 dark:text-red-400">{health.database.error}</p>
        ) : null}
        {health.schema ? (
          <p
            className={`mt-2 text-sm ${['current', 'older'].includes(health.schema.state) ? 'text-zinc-500 dark:text-zinc-400' : 'text-red-600 dark:text-red-400'}`}
            data-testid="datastore-schema"
          >
            Schema: {health.schema.description}; change feed in{' '}
            {health.schema.commitOrderColumn ? 'commit order (opt-in column)' : 'id order'}
          </p>
        ) : null}
        {health.migrations ? (
          <p className="mt-2 text-sm text-zinc-500 dark:text-zinc-400">
            Console tables: {health.migrations.applied.length} migrations applied
            {health.migrations.pending.length > 0 ? `, ${health.migrations.pending.length} pending` : ''}
          </p>
        ) : null}
        {health.consoleDatabase ? (
          <p className="mt-2 text-sm text-zinc-500 dark:text-zinc-400" data-testid="console-database">
            Users and audit log: PostgreSQL {health.consoleDatabase.target},{' '}
            {health.consoleDatabase.migrations ? (
              `${health.consoleDatabase.migrations.applied.length} migrations applied${health.consoleDatabase.migrations.pending.length > 0 ? `, ${health.consoleDatabase.migrations.pending.length} pending` : ''}`
            ) : (
              <span className="text-red-600 dark:text-red-400">{health.consoleDatabase.error ?? 'unreachable'}</span>
            )}
          </p>
        ) : null}
      </div>
      {overview ? (
        <>
          <div className="grid gap-4 sm:grid-cols-2">
            <div className={card}>
              <h2 className="text-sm font-medium text-zinc-500 dark:text-zinc-400">Health events, last hour</h2>
              <p className="mt-1 text-3xl font-semibold tabular-nums" data-testid="events-last-hour">
                {overview.eventsLastHour.toLocaleString()}
              </p>
            </div>
            <div className={card}>
              <h2 className="text-sm font-medium text-zinc-500 dark:text-zinc-400">Fatal events, last hour</h2>
              <p className="mt-1 text-3xl font-semibold tabular-nums" data-testid="fatal-last-hour">
                {overview.fatalLastHour.toLocaleString()}
              </p>
            </div>
          </div>
          <div className={card}>
            <h2 className="text-sm font-medium text-zinc-500 dark:text-zinc-400">Pipeline consumers</h2>
            {overview.consumers.length === 0 ? (
              <p className="mt-2 text-sm text-zinc-500 dark:text-zinc-400">
                No consumer has registered with this datastore yet.
              </p>
            ) : (
              <table className="mt-2 w-full text-left text-sm">
                <thead className="text-zinc-500 dark:text-zinc-400">
                  <tr>
                    <th className="py-1 font-medium">Consumer</th>
                    <th className="py-1 font-medium">Changes behind</th>
                    <th className="py-1 font-medium">Behind head</th>
                    <th className="py-1 font-medium">Position</th>
                  </tr>
                </thead>
                <tbody>
                  {overview.consumers.map((consumer) => (
                    <tr
                      key={consumer.consumer}
                      className="border-t border-zinc-100 dark:border-zinc-800"
                      data-testid={`consumer-${consumer.consumer}`}
                    >
                      <td className="py-1 font-mono">{consumer.consumer}</td>
                      <td className="py-1 tabular-nums">
                        {consumer.documentsBehind === null
                          ? 'unknown'
                          : `${consumer.documentsBehind.toLocaleString()}${consumer.documentsBehindCapped ? '+' : ''}`}
                      </td>
                      <td className="py-1 tabular-nums">{formatDuration(consumer.lagSeconds)}</td>
                      <td className="py-1">
                        {consumer.positionLost ? (
                          <span className="text-red-600 dark:text-red-400">lost: {consumer.positionLost.reason}</span>
                        ) : consumer.positionKnown ? (
                          'known'
                        ) : (
                          'unknown'
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        </>
      ) : null}
    </section>
  );
}
