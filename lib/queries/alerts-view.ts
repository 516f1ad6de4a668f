// The alerts' vocabulary and the admin page's data as JSON, shared by the server and the browser.

/** What the console alerts on (lib/alerts/alert-detectors.ts raises each). */
export const ALERT_KINDS = ['contact-support', 'event-loss', 'consumer-stalled', 'breaker-tripped'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_KIND_LABELS: Record<AlertKind, string> = {
  'contact-support': 'CONTACT_SUPPORT event',
  'event-loss': 'Consumer at risk of losing events',
  'consumer-stalled': 'Consumer stalled',
  'breaker-tripped': 'Circuit breaker tripped',
};

export const WEBHOOK_FORMATS = ['slack', 'json'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const WEBHOOK_FORMAT_LABELS: Record<WebhookFormat, string> = {
  slack: 'Slack-compatible ({text, blocks})',
  json: 'Plain JSON',
};

/** Sends a minute to one destination at most, unless its admin sets another; the rest are folded into a summary. */
export const DEFAULT_MAX_PER_MINUTE = 20;
export const MAX_PER_MINUTE_LIMIT = 600;

/** A consumer is at risk when its oldest unread change would be lost within this (default). */
export const DEFAULT_EVENT_LOSS_WITHIN_SECONDS = 3_600;

export interface AlertDestinationRow {
  id: string;
  name: string;
  /** Scheme, host and the start of the path: a webhook's path often holds its secret. */
  urlShown: string;
  format: WebhookFormat;
  kinds: AlertKind[];
  enabled: boolean;
  /** ms since the epoch; null or past: not muted. */
  mutedUntil: number | null;
  maxPerMinute: number;
}

export interface DeliveryLogRow {
  id: string;
  destinationId: string;
  at: number;
  alertKind: string;
  alertTitle: string;
  attempt: number;
  /** folded: over the destination's rate, carried by the next summary (an alert of kind "summary"). */
  outcome: 'delivered' | 'retrying' | 'failed' | 'muted' | 'folded';
  statusCode: number | null;
  error: string | null;
  durationMs: number | null;
}

/** One replica's alert engine as its heartbeat row says (lib/alerts/engine-heartbeat.ts). */
export interface AlertEngineReplica {
  replica: string;
  startedAt: number;
  /** Its last look for due deliveries (ms since the epoch). */
  beatAt: number;
  stoppedAt: number | null;
  /** It looked within the last 30 s and did not stop. */
  running: boolean;
}

/** The engine in the server process that answered: running, waiting for what it listens to, or off. */
export interface AlertEngineHere {
  replica: string;
  state: 'running' | 'waiting' | 'off';
  /** Why it waits or is off, in words. */
  reason: string | null;
}

export interface AlertsOverview {
  /** Every replica's engine known to the console database, newest look first. */
  engines: AlertEngineReplica[];
  /** This server process's engine; null when not told (a test's read). */
  engineHere: AlertEngineHere | null;
  destinations: AlertDestinationRow[];
  /** Newest first, at most 50 per destination. */
  log: DeliveryLogRow[];
  eventLossWithinSeconds: number;
}

const MASKED_PATH_CHARS = 12;

/** A webhook URL as shown and audited: the path cut short (Slack's webhook path is its secret), no query, no credentials. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const path =
      parsed.pathname.length > MASKED_PATH_CHARS ? `${parsed.pathname.slice(0, MASKED_PATH_CHARS)}…` : parsed.pathname;
    return `${parsed.protocol}//${parsed.host}${path}${parsed.search ? '?…' : ''}`;
  } catch {
    return '(not a URL)';
  }
}
