// Stalled events: events the pipeline has not moved on within a limit, per stage. NVSentinel has
// no "stalled" state of its own (nor does BullMQ); we define one per stage, by the event's age:
//  - awaiting quarantine: a fatal (or forced) event meant for remediation that fault-quarantine
//    has not marked after `quarantineSeconds`;
//  - drain too long: eviction InProgress for longer than `drainSeconds`;
//  - awaiting remediation: quarantined and drained, with an action fault-remediation runs, but
//    not remediated after `remediationSeconds`.
// Framework-free: takes a DataStore, so tests run it on a real database.
import type { DataStore, HealthEventWithStatus } from '../store';
import { isRemediableAction } from '../store';

import type { StalledEvent, StallLimits, StallStage } from './pipeline-view';

export const DEFAULT_STALL_LIMITS: StallLimits = { quarantineSeconds: 60, drainSeconds: 600, remediationSeconds: 900 };

const PER_STAGE = 100;

function stalled(stage: StallStage, limitSeconds: number, events: HealthEventWithStatus[]): StalledEvent[] {
  return events.map((event) => ({
    stage,
    recordId: event.recordId,
    nodeName: event.healthEvent.nodeName,
    checkName: event.healthEvent.checkName,
    message: event.healthEvent.message,
    createdAt: event.createdAt.getTime(),
    limitSeconds,
  }));
}

/** Reads each stage's stalled events (up to 100 per stage, oldest limit first). */
export async function findStalledEvents(
  store: DataStore,
  limits: StallLimits = DEFAULT_STALL_LIMITS,
  now = Date.now(),
): Promise<StalledEvent[]> {
  const before = (seconds: number) => new Date(now - seconds * 1000);
  const events = store.healthEvents();
  const [unquarantined, draining, unremediated] = await Promise.all([
    events.find(
      { isFatal: true, isHealthy: false, nodeQuarantined: null, to: before(limits.quarantineSeconds) },
      { limit: PER_STAGE * 2 },
    ),
    events.find({ evictionStatus: ['InProgress'], to: before(limits.drainSeconds) }, { limit: PER_STAGE }),
    events.find(
      { evictionStatus: ['Succeeded', 'AlreadyDrained'], faultRemediated: null, to: before(limits.remediationSeconds) },
      { limit: PER_STAGE * 2 },
    ),
  ]);
  // Fault-quarantine acts only on EXECUTE_REMEDIATION (or unset) and never on skip overrides;
  // fault-remediation skips NONE and UNKNOWN (and an action this SDK does not know) and acts only
  // on quarantined events.
  const meantForQuarantine = unquarantined.items.filter((event) => {
    const { processingStrategy, quarantineOverrides } = event.healthEvent;
    return (
      (processingStrategy === 'EXECUTE_REMEDIATION' || processingStrategy === 'UNSPECIFIED') &&
      !quarantineOverrides?.skip
    );
  });
  const meantForRemediation = unremediated.items.filter((event) => {
    const quarantined =
      event.status.nodeQuarantined === 'Quarantined' || event.status.nodeQuarantined === 'AlreadyQuarantined';
    return quarantined && isRemediableAction(event.healthEvent.recommendedAction);
  });
  return [
    ...stalled('awaiting-quarantine', limits.quarantineSeconds, meantForQuarantine.slice(0, PER_STAGE)),
    ...stalled('drain-too-long', limits.drainSeconds, draining.items),
    ...stalled('awaiting-remediation', limits.remediationSeconds, meantForRemediation.slice(0, PER_STAGE)),
  ];
}

/** Limits from STALL_QUARANTINE_SECONDS, STALL_DRAIN_SECONDS, STALL_REMEDIATION_SECONDS. */
export function stallLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): StallLimits {
  const read = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${name} must be a whole number of seconds, at least 1 (got "${raw}")`);
    return value;
  };
  return {
    quarantineSeconds: read('STALL_QUARANTINE_SECONDS', DEFAULT_STALL_LIMITS.quarantineSeconds),
    drainSeconds: read('STALL_DRAIN_SECONDS', DEFAULT_STALL_LIMITS.drainSeconds),
    remediationSeconds: read('STALL_REMEDIATION_SECONDS', DEFAULT_STALL_LIMITS.remediationSeconds),
  };
}
