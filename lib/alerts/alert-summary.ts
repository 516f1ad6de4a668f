// The one delivery that carries the alerts folded over a destination's rate (at most
// max_per_minute sends a minute, ./alert-engine.ts): "and 37 more CONTACT_SUPPORT events in the
// last 1 min", with a link to the Events search of those events, so a burst reaches a channel as
// N messages and one summary, and nothing is dropped unseen.
import { formatDuration } from '@/lib/format/time';
import type { AlertKind } from '@/lib/queries/alerts-view';
import { eventSearchHref } from '@/lib/queries/events-view';

import type { Alert } from './alert';

/** Folded alerts of one kind, as the summary counts them. */
export interface FoldedCount {
  kind: AlertKind;
  count: number;
}

const PLURAL: Record<AlertKind, [string, string]> = {
  'contact-support': ['CONTACT_SUPPORT event', 'CONTACT_SUPPORT events'],
  'event-loss': ['consumer at risk of losing events', 'consumers at risk of losing events'],
  'consumer-stalled': ['stalled consumer alert', 'stalled consumer alerts'],
  'breaker-tripped': ['circuit breaker alert', 'circuit breaker alerts'],
};

const counted = ({ kind, count }: FoldedCount) => `${count} ${PLURAL[kind][count === 1 ? 0 : 1]}`;

/**
 * The summary of `folded` (counts per kind) to a destination, raised at `now`; `firstRaisedAt`
 * is the oldest folded alert's time, `consoleUrl` the console's public URL (BETTER_AUTH_URL) for an
 * absolute link, else the link is a path. `key` makes the occurrence unique (the folded rows' ids).
 */
export function summaryAlert(input: {
  destinationId: string;
  key: string;
  folded: FoldedCount[];
  maxPerMinute: number;
  firstRaisedAt: Date;
  now: Date;
  consoleUrl?: string;
}): Alert {
  const { folded, now, firstRaisedAt } = input;
  const total = folded.reduce((sum, entry) => sum + entry.count, 0);
  const seconds = Math.round((now.getTime() - firstRaisedAt.getTime()) / 1000);
  const span = seconds <= 60 ? 'minute' : formatDuration(seconds);
  const what =
    folded.length === 1
      ? counted(folded[0]).replace(/^\d+/, '$& more')
      : `${total} more alerts (${folded.map(counted).join(', ')})`;
  const contactSupport = folded.some((entry) => entry.kind === 'contact-support');
  // The events behind the folded CONTACT_SUPPORT alerts: raised when the console saw them, a little after they were stored.
  const events = contactSupport
    ? `${input.consoleUrl?.replace(/\/+$/, '') ?? ''}${eventSearchHref({
        action: 'CONTACT_SUPPORT',
        from: new Date(firstRaisedAt.getTime() - 60_000).toISOString(),
        to: new Date(now.getTime() + 1_000).toISOString(),
      })}`
    : null;
  return {
    kind: 'summary',
    subject: input.destinationId,
    occurrenceKey: `summary:${input.destinationId}:${input.key}`,
    title: `And ${what} in the last ${span}`,
    summary:
      `Over ${input.maxPerMinute} alerts a minute came for this destination; the ones over it are summed up here rather than sent one by one.` +
      (events ? ` Events search: ${events}` : ' The Alerts page logs each of them.'),
    details: {
      folded: total,
      ...Object.fromEntries(folded.map((entry) => [entry.kind, entry.count])),
      since: firstRaisedAt.toISOString(),
      events,
    },
    raisedAt: now,
  };
}
