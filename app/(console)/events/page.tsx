import { parseEventSearch } from '@/lib/queries/events-filter';
import { readEventSearch, searchFailure } from '@/lib/queries/events';
import { requirePageActor } from '@/lib/server/auth';
import { appContext } from '@/lib/server/app-context';

import { EventsClient } from './client';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Events · Sentinel Console' };

export default async function EventsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageActor();
  const parsed = parseEventSearch(await searchParams);
  const initial = parsed.ok
    ? await readEventSearch(appContext(), parsed.search).catch((error: unknown) => searchFailure(error).error)
    : parsed.error;
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Events</h1>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Every health event the monitors reported, by XID, check, agent, entity (a GPU: <code>GPU:3</code>), severity,
        recommended action and node, newest first, or counted per node.
      </p>
      <EventsClient
        initial={typeof initial === 'string' ? null : initial}
        initialError={typeof initial === 'string' ? initial : null}
      />
    </section>
  );
}
