// The overview's read model: event volume of the last hour and every consumer's lag.
import type { AppContext } from '@/lib/context/app-context';
import type { ConsumerLagFigures } from '@/lib/store';

export interface Overview {
  eventsLastHour: number;
  fatalLastHour: number;
  consumers: ConsumerLagFigures[];
}

export async function readOverview(context: AppContext, now = new Date()): Promise<Overview> {
  const store = await context.store();
  const from = new Date(now.getTime() - 3_600_000);
  const [eventsLastHour, fatalLastHour, consumers] = await Promise.all([
    store.healthEvents().count({ from }),
    store.healthEvents().count({ from, isFatal: true }),
    store.consumers().lag(),
  ]);
  return { eventsLastHour, fatalLastHour, consumers };
}
