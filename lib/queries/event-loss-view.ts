// A consumer's "time until events are lost": how long until its oldest unread change leaves the
// feed's storage (PostgreSQL's changelog, kept for the retention a cleanup job enforces; MongoDB's
// oplog, whose window is its own size). Shared by the Pipeline page and the event-loss alert.

export interface EventLossWindow {
  /** How long a change stays readable, in seconds; null when unknown (an oplog the user may not read). */
  seconds: number | null;
  /** Where that figure comes from, in words. */
  source: string;
}

/** What the Pipeline page and the detector need of a consumer's lag reading. */
export interface UnreadFigures {
  documentsBehind: number | null;
  /** When the oldest change it has not read was written (ms); null when it has none or it is unknown. */
  oldestUnreadAt: number | null;
  positionLost?: unknown;
}

export type EventLoss = { kind: 'lost' } | { kind: 'none' } | { kind: 'unknown' } | { kind: 'in'; seconds: number };

/** Seconds until the oldest unread change leaves the window (0 when it already should have). */
export function timeUntilEventsLost(consumer: UnreadFigures, window: EventLossWindow, now: number): EventLoss {
  if (consumer.positionLost) return { kind: 'lost' };
  if (consumer.documentsBehind === 0) return { kind: 'none' };
  if (consumer.oldestUnreadAt === null || window.seconds === null) return { kind: 'unknown' };
  return { kind: 'in', seconds: Math.max(0, (consumer.oldestUnreadAt + window.seconds * 1000 - now) / 1000) };
}
