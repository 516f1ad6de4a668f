// The node projection the console keeps in its own database: built from which datastore, how far
// its first build got, when it was last saved, and which replica keeps it (the others follow it).
import { LocalTime } from '@/components/ui/relative-time';
import { formatAge, formatCount, formatDuration } from '@/lib/format/time';
import type { ProjectionView } from '@/lib/queries/projection';

export function ProjectionCard({ view, now }: { view: ProjectionView; now: number }) {
  const phase =
    view.phase === null
      ? 'Not built yet: the first start on this datastore builds it'
      : view.phase === 'building'
        ? `Building: ${formatCount(view.nodesBuilt)} of ${formatCount(view.nodesTotal)} nodes read (warming up)`
        : `Live: ${formatCount(view.nodesBuilt)} nodes built, followed from the change feed`;
  // Times through LocalTime (a client component): in the zone the viewer chose.
  const built =
    view.buildStartedAt !== null && view.buildFinishedAt !== null ? (
      <>
        <LocalTime at={view.buildFinishedAt} />, in{' '}
        {formatDuration((view.buildFinishedAt - view.buildStartedAt) / 1000)}
      </>
    ) : view.buildStartedAt !== null ? (
      `started ${formatAge(view.buildStartedAt, now)}`
    ) : (
      '—'
    );
  return (
    <section
      aria-labelledby="projection-title"
      data-testid="projection-card"
      className="rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
    >
      <h2 id="projection-title" className="mb-2 text-lg font-semibold">
        Node projection
      </h2>
      <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
        Each node&apos;s state, kept in the console database with its place in the change feed, so a start loads one row
        per node instead of reading every event.
      </p>
      <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
        <div>
          <dt className="text-zinc-500 dark:text-zinc-400">State</dt>
          <dd data-testid="projection-phase">{phase}</dd>
        </div>
        <div>
          <dt className="text-zinc-500 dark:text-zinc-400">Built</dt>
          <dd>{built}</dd>
        </div>
        <div>
          <dt className="text-zinc-500 dark:text-zinc-400">Last saved</dt>
          <dd>{view.savedAt !== null ? formatAge(view.savedAt, now) : '—'}</dd>
        </div>
        <div>
          <dt className="text-zinc-500 dark:text-zinc-400">Kept by</dt>
          <dd data-testid="projection-keeper" className="break-all">
            {view.keeper ? (
              <>
                {view.keeper.holder} (since <LocalTime at={view.keeper.since} />
                {view.keeper.expired ? '; lease expired: another replica takes it over' : ''})
              </>
            ) : (
              'no replica yet'
            )}
          </dd>
        </div>
      </dl>
    </section>
  );
}
