// The Alerts page's read model: the webhook destinations (URLs cut short), their delivery log, the
// alert settings and which replicas' alert engines run, from the console database.
import { listDestinations, readDeliveryLog, readEventLossWithin } from '@/lib/alerts/alert-tables';
import { readEngines } from '@/lib/alerts/engine-heartbeat';
import type { AppContext } from '@/lib/context/app-context';

import { shownUrl, type AlertEngineHere, type AlertsOverview } from './alerts-view';

/** `engineHere`: the answering process's engine (lib/server/alerts.ts), which the database cannot tell. */
export async function readAlerts(
  context: AppContext,
  engineHere: AlertEngineHere | null = null,
): Promise<AlertsOverview> {
  const pool = context.consolePool();
  const [destinations, log, eventLossWithinSeconds, engines] = await Promise.all([
    listDestinations(pool),
    readDeliveryLog(pool),
    readEventLossWithin(pool),
    readEngines(pool),
  ]);
  return {
    engines,
    engineHere,
    destinations: destinations.map((destination) => ({
      id: destination.id,
      name: destination.name,
      urlShown: shownUrl(destination.url),
      format: destination.format,
      kinds: destination.kinds,
      enabled: destination.enabled,
      mutedUntil: destination.mutedUntil?.getTime() ?? null,
      maxPerMinute: destination.maxPerMinute,
    })),
    log,
    eventLossWithinSeconds,
  };
}
