import { readPipeline } from '@/lib/queries/pipeline';
import { requirePageActor } from '@/lib/server/auth';
import { appContext } from '@/lib/server/app-context';

import { PipelineClient } from './client';

export const dynamic = 'force-dynamic';

export default async function PipelinePage() {
  await requirePageActor();
  const initial = await readPipeline(appContext()).catch((error: Error) => ({ error: error.message }));
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Pipeline</h1>
      <PipelineClient
        initial={'error' in initial ? null : initial}
        initialError={'error' in initial ? initial.error : null}
      />
    </section>
  );
}
