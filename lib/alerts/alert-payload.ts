// The bodies a webhook receives. Slack-compatible: `text` (what Slack shows in notifications and
// what Mattermost, Rocket.Chat and Teams' Slack-compatible hooks read) with `blocks` for Slack's
// layout; plain JSON: the alert's fields, for anything else (a pager, a script).
import type { WebhookFormat } from '@/lib/queries/alerts-view';

import type { Alert } from './alert';

/** The plain JSON body: stable field names a receiver can rely on. */
export interface AlertJson {
  source: 'sentinel-console';
  kind: Alert['kind'];
  subject: string;
  occurrenceKey: string;
  title: string;
  summary: string;
  raisedAt: string;
  details: Alert['details'];
  test: boolean;
}

export interface SlackMessage {
  text: string;
  blocks: (
    | { type: 'header'; text: { type: 'plain_text'; text: string } }
    | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
    | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] }
  )[];
}

/** Slack's mrkdwn treats &, < and > as markup: escaped, so text from the datastore stays text. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack cuts a header at 150 characters and a section at 3,000. */
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function alertJson(alert: Alert, test = false): AlertJson {
  return {
    source: 'sentinel-console',
    kind: alert.kind,
    subject: alert.subject,
    occurrenceKey: alert.occurrenceKey,
    title: alert.title,
    summary: alert.summary,
    raisedAt: alert.raisedAt.toISOString(),
    details: alert.details,
    test,
  };
}

export function slackMessage(alert: Alert, test = false): SlackMessage {
  const prefix = test ? '[test] ' : '';
  const facts = Object.entries(alert.details)
    .filter(([, value]) => value !== null && value !== '')
    .map(([key, value]) => `*${slackEscape(key)}*: ${slackEscape(String(value))}`)
    .join('\n');
  return {
    text: slackEscape(`${prefix}${alert.title}: ${alert.summary}`),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cut(`${prefix}${alert.title}`, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: cut(slackEscape(alert.summary), 3_000) } },
      ...(facts ? [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: cut(facts, 3_000) } }] : []),
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `Sentinel Console · ${alert.kind} · ${alert.raisedAt.toISOString()}` }],
      },
    ],
  };
}

/** The body for a destination's format. */
export function alertBody(alert: Alert, format: WebhookFormat, test = false): AlertJson | SlackMessage {
  return format === 'slack' ? slackMessage(alert, test) : alertJson(alert, test);
}
