import { parseNodeFilter } from '@/lib/node-state/node-filter';
import { parseNodePage } from '@/lib/node-state/node-order';
import { readNodeList } from '@/lib/queries/nodes';
import { requirePageActor } from '@/lib/server/auth';
import { appContext } from '@/lib/server/app-context';

import { NodesClient } from './client';

export const dynamic = 'force-dynamic';

export default async function NodesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageActor();
  const params = await searchParams;
  const initial = await readNodeList(appContext(), parseNodeFilter(params), parseNodePage(params)).catch(
    (error: Error) => ({ error: error.message }),
  );
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Nodes</h1>
      <NodesClient
        initial={'error' in initial ? null : initial}
        initialError={'error' in initial ? initial.error : null}
      />
    </section>
  );
}
