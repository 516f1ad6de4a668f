import { readAlerts } from '@/lib/queries/alerts';
import { requirePageActor } from '@/lib/server/auth';
import { alertEngineHere } from '@/lib/server/alerts';
import { appContext } from '@/lib/server/app-context';

import { AlertsClient } from './client';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Alerts · Sentinel Console' };

export default async function AlertsPage() {
  await requirePageActor('alerts:manage');
  let initial = null;
  let initialError: string | null = null;
  try {
    initial = await readAlerts(appContext(), alertEngineHere());
  } catch (error) {
    initialError = `the alerts are unavailable: ${(error as Error).message}`;
  }
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Alerts</h1>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Webhooks the console posts to when an event recommends CONTACT_SUPPORT (NVSentinel tells nobody of these), when
        a consumer is at risk of losing events (its oldest unread change is about to leave the changelog or the oplog
        window), when a consumer stalls, and when NVSentinel&apos;s circuit breaker trips. A failed delivery is tried
        again with growing waits; every attempt is in the log below. Changes are recorded in the audit log.
      </p>
      <AlertsClient initial={initial} initialError={initialError} />
    </section>
  );
}
