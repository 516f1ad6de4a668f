// An alert as the console raises and sends it: what happened (kind, subject), in words (title,
// summary) and as data (details), once per occurrence (occurrenceKey).
import type { AlertKind } from '@/lib/queries/alerts-view';

export interface Alert {
  /** 'summary': the alerts folded over a destination's rate (./alert-summary.ts). */
  kind: AlertKind | 'summary';
  /** What it is about: a node, a consumer, the breaker. */
  subject: string;
  /** Unique per occurrence across every replica: a CONTACT_SUPPORT event's record id, a condition's episode. */
  occurrenceKey: string;
  title: string;
  summary: string;
  details: Record<string, string | number | boolean | null>;
  raisedAt: Date;
}
