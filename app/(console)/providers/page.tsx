import { readProvidersView } from '@/lib/queries/providers';
import { requirePageActor } from '@/lib/server/auth';
import { appContext } from '@/lib/server/app-context';

import { ProvidersClient } from './client';

export const dynamic = 'force-dynamic';

export default async function ProvidersPage() {
  await requirePageActor();
  const initial = await readProvidersView(appContext()).catch((error: Error) => ({ error: error.message }));
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Providers</h1>
      <ProvidersClient
        initial={'error' in initial ? null : initial}
        initialError={'error' in initial ? initial.error : null}
      />
    </section>
  );
}
