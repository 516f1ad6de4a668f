import { ProjectionCard } from '@/components/providers/projection-card';
import { readProjectionView } from '@/lib/queries/projection';
import { readProvidersView } from '@/lib/queries/providers';
import { requirePageActor } from '@/lib/server/auth';
import { appContext } from '@/lib/server/app-context';

import { ProvidersClient } from './client';

export const dynamic = 'force-dynamic';

export default async function ProvidersPage() {
  await requirePageActor();
  const context = appContext();
  const [initial, projection] = await Promise.all([
    readProvidersView(context).catch((error: Error) => ({ error: error.message })),
    readProjectionView(context.consolePool()).catch(() => null),
  ]);
  const readAt = projection?.readAt ?? 0;
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Providers</h1>
      <ProvidersClient
        initial={'error' in initial ? null : initial}
        initialError={'error' in initial ? initial.error : null}
      />
      {projection && <ProjectionCard view={projection} now={readAt} />}
    </section>
  );
}
