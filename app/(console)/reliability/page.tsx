import { parseReliabilityParams } from '@/lib/queries/reliability-view';
import { readReliabilityView } from '@/lib/queries/reliability';
import { requirePageActor } from '@/lib/server/auth';
import { appContext } from '@/lib/server/app-context';

import { ReliabilityClient } from './client';

export const dynamic = 'force-dynamic';

export default async function ReliabilityPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageActor();
  const { range, by } = parseReliabilityParams(await searchParams);
  const initial = await readReliabilityView(appContext(), range, by).catch((error: Error) => ({
    error: error.message,
  }));
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Reliability</h1>
      <ReliabilityClient
        initial={'error' in initial ? null : initial}
        initialError={'error' in initial ? initial.error : null}
        initialRange={range}
        initialBy={by}
      />
    </section>
  );
}
