import { parseThroughputParams } from '@/lib/queries/throughput-view';
import { readThroughputView } from '@/lib/queries/throughput';
import { requirePageActor } from '@/lib/server/auth';
import { appContext } from '@/lib/server/app-context';

import { ThroughputClient } from './client';

export const dynamic = 'force-dynamic';

export default async function ThroughputPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageActor();
  const { range, by } = parseThroughputParams(await searchParams);
  const initial = await readThroughputView(appContext(), range, by).catch((error: Error) => ({ error: error.message }));
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Throughput</h1>
      <ThroughputClient
        initial={'error' in initial ? null : initial}
        initialError={'error' in initial ? initial.error : null}
        initialRange={range}
        initialBy={by}
      />
    </section>
  );
}
