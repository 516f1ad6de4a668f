// The overview's read model: event volume of the last hour and every consumer's lag.
import 'server-only';

import type { ConsumerLagFigures } from '@/lib/store';
import { getDataStore } from '@/lib/server/datastore';

export interface Overview {
  eventsLastHour: number;
  fatalLastHour: number;
  consumers: ConsumerLagFigures[];
}

export async function readOverview(now = new Date()): Promise<Overview> {
  const store = await getDataStore();
  const from = new Date(now.getTime() - 3_600_000);
  const [eventsLastHour, fatalLastHour, consumers] = await Promise.all([
    store.healthEvents().count({ from }),
    store.healthEvents().count({ from, isFatal: true }),
    store.consumers().lag(),
  ]);
  return { eventsLastHour, fatalLastHour, consumers };
}
