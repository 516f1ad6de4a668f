import { parseNodeFilter } from '@/lib/node-state/node-filter';
import { parseNodePage } from '@/lib/node-state/node-order';
import { parseNodeSort } from '@/lib/node-state/node-sort';
import { readNodeList } from '@/lib/queries/nodes';
import { requirePageActor } from '@/lib/server/auth';
import { appContext } from '@/lib/server/app-context';

import { ServerNow } from '@/components/ui/use-now';

import { NodesClient } from './client';

export const dynamic = 'force-dynamic';

export default async function NodesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageActor();
  const params = await searchParams;
  const request = { ...parseNodePage(params), sort: parseNodeSort(params).sort };
  const initial = await readNodeList(appContext(), parseNodeFilter(params), request).catch((error: Error) => ({
    error: error.message,
  }));
  const client = (
    <NodesClient
      initial={'error' in initial ? null : initial}
      initialError={'error' in initial ? initial.error : null}
    />
  );
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Nodes</h1>
      {/* The read's moment, so "In state" and "Last event" are written in the first paint (the
          browser hydrates the same text from it, then follows its own clock), not blank until it mounts. */}
      {'error' in initial ? client : <ServerNow at={initial.readAt}>{client}</ServerNow>}
    </section>
  );
}
