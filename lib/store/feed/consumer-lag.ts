// Consumer lag, judged the way Burrow judges Kafka consumers: over a sliding window of samples,
// not by one fixed threshold. Figures come from the provider; the judgement is the same for all.

/** One reading of a consumer's position against the head of the stream. */
export interface ConsumerLagFigures {
  consumer: string;
  /** Opaque feed position; null when unknown. */
  position: string | null;
  positionTime: Date | null;
  headTime: Date | null;
  /** Seconds the next unread change is older than the head (0 when caught up; never negative); null when the position is unknown. */
  lagSeconds: number | null;
  documentsBehind: number | null;
  /** documentsBehind hit the counting cap: the true figure is at least that. */
  documentsBehindCapped: boolean;
  /** True when documentsBehind is an estimate (MongoDB). */
  documentsBehindEstimated?: boolean;
  positionKnown: boolean;
  positionLost: { at: Date; reason: string } | null;
  lastAckAt: Date | null;
  /** Heartbeat of a running feed for this consumer. */
  lastSeenAt: Date | null;
}

/**
 * - ok: caught up at some point in the window, or catching up;
 * - falling-behind: consuming, but the backlog grew across the whole window;
 * - stalled: running (heartbeat fresh) but its position did not move while work waited;
 * - stopped: not running (no heartbeat within the window) while work waits;
 * - position-lost: retention removed changes it had not read.
 */
export type ConsumerStatus = 'ok' | 'falling-behind' | 'stalled' | 'stopped' | 'position-lost';

export interface LagSample {
  at: Date;
  lagSeconds: number | null;
  documentsBehind: number | null;
  position: string | null;
}

export interface ConsumerLag extends ConsumerLagFigures {
  status: ConsumerStatus;
  /** Why the status is what it is, in words. */
  statusReason: string;
  /** Oldest first, for sparklines. */
  history: LagSample[];
  /** At the current rate, seconds until caught up (null when not catching up). */
  catchUpSeconds: number | null;
}

export interface LagWindow {
  /** Samples kept per consumer. */
  samples: number;
  /** A consumer whose heartbeat is older than this is stopped. */
  windowMs: number;
  /** Work waiting at an unmoving position this long makes a consumer stalled (or stopped). */
  stuckMs: number;
}

export const DEFAULT_LAG_WINDOW: LagWindow = { samples: 30, windowMs: 60_000, stuckMs: 10_000 };

/** The newest samples that sit at `position` with work waiting: how many, and how long they span. */
function trailingStuck(samples: LagSample[], position: string | null): { samples: number; seconds: number } {
  let count = 0;
  for (let index = samples.length - 1; index >= 0; index -= 1) {
    const sample = samples[index];
    if (sample.position !== position || !sample.documentsBehind) break;
    count += 1;
  }
  if (count === 0) return { samples: 0, seconds: 0 };
  const first = samples[samples.length - count];
  const last = samples[samples.length - 1];
  return { samples: count, seconds: (last.at.getTime() - first.at.getTime()) / 1000 };
}

export function judgeConsumer(
  figures: ConsumerLagFigures,
  history: LagSample[],
  now: Date,
  window: LagWindow = DEFAULT_LAG_WINDOW,
): Pick<ConsumerLag, 'status' | 'statusReason' | 'catchUpSeconds'> {
  if (figures.positionLost)
    return { status: 'position-lost', statusReason: figures.positionLost.reason, catchUpSeconds: null };
  const behind = figures.documentsBehind ?? 0;
  const recent = history.filter((sample) => now.getTime() - sample.at.getTime() <= window.windowMs);
  const first = recent[0];
  const elapsed = first ? (now.getTime() - first.at.getTime()) / 1000 : 0;
  const drained = first && first.documentsBehind !== null ? first.documentsBehind - behind : 0;
  // prettier-ignore
  // Stryker disable next-line ConditionalExpression,EqualityOperator: `behind > 0` as `true` or `behind >= 0` is equivalent: a backlog is a count (never negative), and at 0 the estimate is Math.round(0 / rate) = 0, the same 0 as the else branch; the line's other mutants are killed by tests/unit/store/feed/consumer-lag-rules.test.ts
  const catchUpSeconds = behind > 0 && drained > 0 && elapsed > 0 ? Math.round(behind / (drained / elapsed)) : behind === 0 ? 0 : null;

  if (behind === 0) return { status: 'ok', statusReason: 'caught up', catchUpSeconds };
  const seenAgo = figures.lastSeenAt ? now.getTime() - figures.lastSeenAt.getTime() : Infinity;
  const stopped = () => ({
    status: 'stopped' as const,
    statusReason: figures.lastSeenAt
      ? `no consumer running since ${figures.lastSeenAt.toISOString()}`
      : 'never seen running',
    catchUpSeconds: null,
  });
  // Work has waited at an unmoving position for the latest samples: stuck now, even if it was
  // caught up earlier in the window (so a stop shows within seconds, not a window later).
  const stuck = trailingStuck(recent, figures.position);
  if (stuck.samples >= 3 && stuck.seconds >= window.stuckMs / 1000) {
    if (seenAgo > window.windowMs) return stopped();
    return {
      status: 'stalled',
      statusReason: `position unchanged for ${Math.round(stuck.seconds)} s with ${behind} changes waiting`,
      catchUpSeconds: null,
    };
  }
  if (recent.some((sample) => sample.documentsBehind === 0)) {
    return { status: 'ok', statusReason: 'caught up within the window', catchUpSeconds };
  }
  if (seenAgo > window.windowMs) return stopped();
  // prettier-ignore
  // Stryker disable next-line OptionalChaining: equivalent: `first` is undefined only when `recent` is empty, and `recent.length >= 3` is checked before it
  const growing = recent.length >= 3 && recent.every((sample, index) => index === 0 || (sample.documentsBehind ?? 0) >= (recent[index - 1].documentsBehind ?? 0)) && behind > (first?.documentsBehind ?? 0);
  // prettier-ignore
  // Stryker disable next-line OptionalChaining: equivalent: `growing` implies three samples in `recent`, so `first` is set
  if (growing) return { status: 'falling-behind', statusReason: `backlog grew from ${first?.documentsBehind} to ${behind} over ${Math.round(elapsed)} s`, catchUpSeconds: null };
  return { status: 'ok', statusReason: 'consuming; backlog not growing', catchUpSeconds };
}

/** Keeps a sliding window of lag samples per consumer and judges each over it. */
export class ConsumerLagMonitor {
  private readonly history = new Map<string, LagSample[]>();

  constructor(
    private readonly readFigures: () => Promise<ConsumerLagFigures[]>,
    private readonly window: LagWindow = DEFAULT_LAG_WINDOW,
  ) {}

  /** Takes a reading of every consumer and returns each judged over its window. */
  async sample(now = new Date()): Promise<ConsumerLag[]> {
    const figures = await this.readFigures();
    return figures.map((current) => {
      const samples = this.history.get(current.consumer) ?? [];
      samples.push({
        at: now,
        lagSeconds: current.lagSeconds,
        documentsBehind: current.documentsBehind,
        position: current.position,
      });
      while (samples.length > this.window.samples) samples.shift();
      this.history.set(current.consumer, samples);
      return { ...current, ...judgeConsumer(current, samples, now, this.window), history: [...samples] };
    });
  }
}
