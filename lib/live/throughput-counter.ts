// Counts stored health events per second from the change feed, for the live throughput chart.
import { addCount } from './live-messages';

import type { HealthEventWithStatus } from '../store';
import type { ThroughputMessage } from './live-messages';

// Agents and checks come from the datastore: addCount keeps "__proto__" or "toString" an ordinary key.
const bump = (counts: Record<string, number>, key: string) => addCount(counts, key, 1);

export class ThroughputCounter {
  private current: ThroughputMessage;

  constructor(now = Date.now()) {
    this.current = ThroughputCounter.empty(now);
  }

  private static empty(now: number): ThroughputMessage {
    return { second: Math.floor(now / 1000) * 1000, total: 0, fatal: 0, byAgent: {}, byCheck: {}, byComponent: {} };
  }

  count(event: HealthEventWithStatus): void {
    const { healthEvent } = event;
    this.current.total += 1;
    if (healthEvent.isFatal) this.current.fatal += 1;
    bump(this.current.byAgent, healthEvent.agent);
    bump(this.current.byCheck, healthEvent.checkName);
    bump(this.current.byComponent, healthEvent.componentClass);
  }

  /** Ends the current second: returns its counts and starts the next. */
  roll(now = Date.now()): ThroughputMessage {
    const done = this.current;
    this.current = ThroughputCounter.empty(now);
    return done;
  }
}
