import { checkSystemHealth } from '@/lib/server/system-health';

export const dynamic = 'force-dynamic';

export default async function OverviewPage() {
  const health = await checkSystemHealth();
  const ok = health.status === 'ok';
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Overview</h1>
      <div className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
        <h2 className="text-sm font-medium text-zinc-500">Datastore</h2>
        <p className="mt-1 flex items-center gap-2">
          <span aria-hidden className={`inline-block h-2.5 w-2.5 rounded-full ${ok ? 'bg-emerald-500' : 'bg-amber-500'}`} />
          <span data-testid="datastore-status">{ok ? 'Connected' : 'Degraded'}</span>
          <span className="text-sm text-zinc-500">PostgreSQL {health.database.target}</span>
        </p>
        {health.database.error ? <p className="mt-2 text-sm text-red-600">{health.database.error}</p> : null}
        {health.migrations ? (
          <p className="mt-2 text-sm text-zinc-500">
            Schema: {health.migrations.applied.length} migrations applied
            {health.migrations.pending.length > 0 ? `, ${health.migrations.pending.length} pending` : ''}
          </p>
        ) : null}
      </div>
    </section>
  );
}
