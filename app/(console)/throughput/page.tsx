import { checkThroughputZoom, parseThroughputParams } from '@/lib/queries/throughput-view';
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
  const params = await searchParams;
  const { range, by } = parseThroughputParams(params);
  // A zoom's time that cannot be read is named on the page (the client says the same).
  const zoom = checkThroughputZoom(params);
  const initial = zoom.ok
    ? await readThroughputView(appContext(), range, by, zoom.zoom).catch((error: Error) => ({ error: error.message }))
    : { error: zoom.error };
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
