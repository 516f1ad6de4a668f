import { readSavedViews } from '@/lib/queries/saved-views';
import { requirePageActor } from '@/lib/server/auth';
import { appContext } from '@/lib/server/app-context';

import { ViewsClient } from './client';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Views · Sentinel Console' };

export default async function ViewsPage() {
  const actor = await requirePageActor('views:save');
  let initial = null;
  let initialError: string | null = null;
  try {
    initial = await readSavedViews(appContext(), actor);
  } catch (error) {
    initialError = `the views are unavailable: ${(error as Error).message}`;
  }
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Views</h1>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Named views: a page and its filter, saved from the Views menu on the Nodes, Events, Throughput and Audit pages.
        A view is yours alone until you share it; then anyone signed in who may see its page opens its link. Saving,
        renaming, sharing and deleting are recorded in the audit log.
      </p>
      <ViewsClient initial={initial} initialError={initialError} />
    </section>
  );
}
