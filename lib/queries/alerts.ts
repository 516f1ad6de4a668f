// The Alerts page's read model: the webhook destinations (URLs cut short), their delivery log and
// the alert settings, from the console database.
import { listDestinations, readDeliveryLog, readEventLossWithin } from '@/lib/alerts/alert-tables';
import type { AppContext } from '@/lib/context/app-context';

import { shownUrl, type AlertsOverview } from './alerts-view';

export async function readAlerts(context: AppContext): Promise<AlertsOverview> {
  const pool = context.consolePool();
  const [destinations, log, eventLossWithinSeconds] = await Promise.all([
    listDestinations(pool),
    readDeliveryLog(pool),
    readEventLossWithin(pool),
  ]);
  return {
    destinations: destinations.map((destination) => ({
      id: destination.id,
      name: destination.name,
      urlShown: shownUrl(destination.url),
      format: destination.format,
      kinds: destination.kinds,
      enabled: destination.enabled,
      mutedUntil: destination.mutedUntil?.getTime() ?? null,
    })),
    log,
    eventLossWithinSeconds,
  };
}
