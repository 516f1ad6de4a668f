// Writes days of simulated history fast, for scale work (10,000 nodes, millions of events): the
// simulator's events, made processed the way the pipeline would have left them (fatal events
// Quarantined or AlreadyQuarantined, drained, remediated unless the action is NONE/UNKNOWN), loaded
// by the PostgreSQL provider's history loader (lib/store/postgres.ts: COPY past the change trigger,
// indexes rebuilt once; its file says how and what it costs). PostgreSQL only.
import {
  dateToTimestamp,
  initialStatus,
  isRemediableAction,
  type HealthEventWithStatus,
  type NewHealthEvent,
  type Timestamp,
} from '../store';
import { loadHistory, type HistoryLoadOptions, type HistoryLoadResult } from '../store/postgres';

import { EventGenerator, SIMULATOR_MARK, type ClusterShape } from './event-generator';

export interface BackfillOptions extends ClusterShape, Omit<HistoryLoadOptions, 'ownRows'> {
  /** How far back the history reaches, in days (events spread evenly over it). */
  days: number;
}

export type BackfillResult = HistoryLoadResult;

/**
 * A generated event completed the way `toHealthEventWithStatus` completes it, without running the
 * validator over events our own generator made (a fifth of the backfill's CPU); a unit test keeps
 * the two equal over thousands of generated events.
 */
export function completeGeneratedEvent(input: NewHealthEvent): Omit<HealthEventWithStatus, 'recordId'> {
  const createdAt = input.createdAt as Date;
  return {
    createdAt,
    healthEvent: {
      nodeName: input.nodeName,
      agent: input.agent,
      checkName: input.checkName,
      componentClass: input.componentClass ?? 'GPU',
      version: input.version ?? 1,
      isFatal: input.isFatal ?? false,
      isHealthy: input.isHealthy ?? false,
      message: input.message ?? '',
      recommendedAction: (input.recommendedAction ??
        'NONE') as HealthEventWithStatus['healthEvent']['recommendedAction'],
      errorCode: input.errorCode ?? [],
      entitiesImpacted: input.entitiesImpacted ?? [],
      metadata: input.metadata ?? {},
      quarantineOverrides: input.quarantineOverrides
        ? { force: input.quarantineOverrides.force ?? false, skip: input.quarantineOverrides.skip ?? false }
        : null,
      drainOverrides: input.drainOverrides
        ? { force: input.drainOverrides.force ?? false, skip: input.drainOverrides.skip ?? false }
        : null,
      processingStrategy: (input.processingStrategy ??
        'UNSPECIFIED') as HealthEventWithStatus['healthEvent']['processingStrategy'],
      id: input.id ?? '',
      customRecommendedAction: input.customRecommendedAction ?? '',
      generatedTimestamp: input.generatedTimestamp as Timestamp,
    },
    status: initialStatus(),
  };
}

/** Simulated history: events made processed, as the pipeline would have left them. */
export class HistoryRows {
  private readonly generator: EventGenerator;
  private readonly quarantined = new Set<string>();
  private made = 0;

  constructor(
    shape: ClusterShape,
    private readonly start: number,
    private readonly spacing: number,
  ) {
    this.generator = new EventGenerator(shape);
  }

  private processed(event: Omit<HealthEventWithStatus, 'recordId'>): Omit<HealthEventWithStatus, 'recordId'> {
    const { healthEvent, status } = event;
    const node = healthEvent.nodeName;
    if (healthEvent.isFatal && !healthEvent.isHealthy) {
      const at = dateToTimestamp(event.createdAt);
      const already = this.quarantined.has(node);
      status.nodeQuarantined = already ? 'AlreadyQuarantined' : 'Quarantined';
      status.quarantineFinishTimestamp = at;
      status.userPodsEvictionStatus = { status: already ? 'AlreadyDrained' : 'Succeeded', message: '' };
      status.drainFinishTimestamp = at;
      if (isRemediableAction(healthEvent.recommendedAction)) {
        status.faultRemediated = true;
        status.lastRemediationTimestamp = at;
      }
      this.quarantined.add(node);
    } else if (healthEvent.isHealthy && this.quarantined.delete(node)) {
      status.nodeQuarantined = 'UnQuarantined';
    }
    return event;
  }

  /** The next `count` events. */
  next(count: number): Omit<HealthEventWithStatus, 'recordId'>[] {
    const events = this.generator
      .batch(count, new Date(this.start + this.made * this.spacing), this.spacing)
      .map((input) => this.processed(completeGeneratedEvent(input)));
    this.made += count;
    return events;
  }
}

export async function backfill(connectionString: string, options: BackfillOptions): Promise<BackfillResult> {
  if (!Number.isInteger(options.events) || options.events < 1 || options.events > 100_000_000) {
    throw new RangeError(`events must be a whole number from 1 to 100000000 (got ${options.events})`);
  }
  if (!Number.isFinite(options.days) || options.days <= 0 || options.days > 365) {
    throw new RangeError(`days must be more than 0 and at most 365 (got ${options.days})`);
  }
  const end = Date.now();
  const start = end - options.days * 86_400_000;
  return loadHistory(connectionString, new HistoryRows(options, start, (end - start) / options.events), {
    ...options,
    ownRows: { writer: 'the simulator', mark: SIMULATOR_MARK },
  });
}
