'use client';
// The Providers page: every configured datastore as a column (today the app's, plus the secondary
// one when SECONDARY_DATABASE_URL is set), refreshed every 5 s from the server's own counters.
import { useQuery } from '@tanstack/react-query';

import { DatastoreColumn, SecondDatastoreHint } from '@/components/providers/datastore-column';
import { Panel } from '@/components/ui/panel';
import { RelativeTime } from '@/components/ui/relative-time';
import { gapToReference, type ProvidersView } from '@/lib/queries/providers-view';
import { fetchJson } from '@/lib/client/fetch-json';

const REFRESH_MS = 5_000;

function fetchProviders(): Promise<ProvidersView> {
  return fetchJson<ProvidersView>('/api/providers');
}

export function ProvidersClient({
  initial,
  initialError,
}: {
  initial: ProvidersView | null;
  initialError: string | null;
}) {
  const query = useQuery({
    queryKey: ['providers'],
    queryFn: fetchProviders,
    initialData: initial ?? undefined,
    initialDataUpdatedAt: initial?.readAt,
    staleTime: REFRESH_MS,
    refetchInterval: REFRESH_MS,
  });
  const view = query.data;
  const error = query.error?.message ?? (view ? null : initialError);
  const [reference, ...others] = view?.datastores ?? [];

  if (!view || !reference) {
    return <Panel state={error ? 'error' : 'loading'} error={error ?? undefined} className="min-h-40" />;
  }
  return (
    <div className="space-y-4">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {view.datastores.length === 1
          ? 'One datastore is configured: the app’s own, which serves every page.'
          : `${view.datastores.length} datastores are configured; the app’s own serves every page, the others are read here side by side with it.`}{' '}
        Refreshed every 5 s; read <RelativeTime at={view.readAt} />.
        {query.error ? (
          <span role="alert" className="ml-1 text-amber-700 dark:text-amber-400">
            The last refresh failed ({query.error.message}).
          </span>
        ) : null}
      </p>
      <div className="grid gap-x-4 gap-y-4 lg:grid-cols-2">
        <DatastoreColumn view={reference} gap={null} referenceRole={reference.role} />
        {others.map((other) => (
          <DatastoreColumn
            key={other.id}
            view={other}
            gap={gapToReference(reference, other)}
            referenceRole={reference.role}
          />
        ))}
        {others.length === 0 ? <SecondDatastoreHint /> : null}
      </div>
    </div>
  );
}
