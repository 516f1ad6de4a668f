// What raises an alert, as plain functions over what the live hub hands over: a CONTACT_SUPPORT
// event (NVSentinel's pipeline takes no step on one and notifies nobody: a person must call the
// vendor), and conditions judged on every lag reading (a consumer whose oldest unread change
// would leave the changelog or oplog window soon, a stalled or stopped consumer, the breaker
// tripped). A condition becomes an alert when it turns active (lib/alerts/alert-tables.ts decides
// which replica raises it).
import type { ConsumerLagView, PipelineMessage } from '@/lib/live/live-messages';
import type { AlertKind } from '@/lib/queries/alerts-view';
import { timeUntilEventsLost, type EventLossWindow } from '@/lib/queries/event-loss-view';
import { formatDuration } from '@/lib/format/time';
import type { ChangeEvent } from '@/lib/store';

import type { Alert } from './alert';

/** The alert for a newly stored health event that recommends CONTACT_SUPPORT; null for any other change. */
export function contactSupportAlert(change: ChangeEvent, now = new Date()): Alert | null {
  if (change.collection !== 'healthEvents' || change.operation !== 'insert' || !change.document) return null;
  const event = change.document.healthEvent;
  if (event.recommendedAction !== 'CONTACT_SUPPORT' || event.isHealthy) return null;
  const entities = event.entitiesImpacted.map((entity) => `${entity.entityType}:${entity.entityValue}`).join(', ');
  return {
    kind: 'contact-support',
    subject: event.nodeName,
    occurrenceKey: `contact-support:${change.recordId}`,
    title: `CONTACT_SUPPORT on ${event.nodeName}`,
    summary:
      `${event.checkName}${event.errorCode.length ? ` (XID ${event.errorCode.join(', ')})` : ''}` +
      `${entities ? ` on ${entities}` : ''}: ${event.message || 'no message'}. ` +
      'NVSentinel recommends contacting support and takes no step of its own; nobody else is told.',
    details: {
      node: event.nodeName,
      check: event.checkName,
      agent: event.agent,
      fatal: event.isFatal,
      xid: event.errorCode.join(', ') || null,
      entities: entities || null,
      message: event.message,
      recordId: change.recordId,
      storedAt: change.committedAt.toISOString(),
    },
    raisedAt: now,
  };
}

/** A condition on one subject as judged now; `alert` is what to send when it turns active. */
export interface Condition {
  kind: AlertKind;
  subject: string;
  active: boolean;
  alert: (episode: number) => Alert;
}

function consumerConditions(
  consumer: ConsumerLagView,
  window: EventLossWindow | null,
  eventLossWithinSeconds: number,
  now: Date,
): Condition[] {
  const name = consumer.consumer;
  // Without a window (a bad CHANGELOG_RETENTION) the time until events are lost is unknown: the
  // other conditions are still judged.
  if (window === null) return [stalledCondition(consumer, now)];
  const loss = timeUntilEventsLost(
    {
      documentsBehind: consumer.documentsBehind,
      oldestUnreadAt: consumer.oldestUnreadAt ?? null,
      positionLost: consumer.positionLost,
    },
    window,
    now.getTime(),
  );
  const atRisk = loss.kind === 'lost' || (loss.kind === 'in' && loss.seconds <= eventLossWithinSeconds);
  const behind =
    consumer.documentsBehind === null ? 'an unknown number of' : consumer.documentsBehind.toLocaleString('en-US');
  const lossAlert = (episode: number): Alert => ({
    kind: 'event-loss',
    subject: name,
    occurrenceKey: `event-loss:${name}:${episode}`,
    title:
      loss.kind === 'lost'
        ? `${name} lost events`
        : `${name} will lose events in ${formatDuration(loss.kind === 'in' ? Math.round(loss.seconds) : 0)}`,
    summary:
      loss.kind === 'lost'
        ? `Consumer ${name} lost its place in the feed: ${consumer.positionLost?.reason ?? 'changes it had not read are gone'}.`
        : `Consumer ${name}'s oldest unread change leaves the ${window.source} in ${formatDuration(loss.kind === 'in' ? Math.round(loss.seconds) : 0)} ` +
          `(alerting within ${formatDuration(eventLossWithinSeconds)}); ${behind} changes wait. Status: ${consumer.status} (${consumer.statusReason}).`,
    details: {
      consumer: name,
      status: consumer.status,
      documentsBehind: consumer.documentsBehind,
      lagSeconds: consumer.lagSeconds,
      secondsUntilLost: loss.kind === 'in' ? Math.round(loss.seconds) : loss.kind === 'lost' ? 0 : null,
      oldestUnreadAt: consumer.oldestUnreadAt ? new Date(consumer.oldestUnreadAt).toISOString() : null,
      window: window.source,
      windowSeconds: window.seconds,
    },
    raisedAt: now,
  });
  return [{ kind: 'event-loss', subject: name, active: atRisk, alert: lossAlert }, stalledCondition(consumer, now)];
}

function stalledCondition(consumer: ConsumerLagView, now = new Date()): Condition {
  const name = consumer.consumer;
  const behind =
    consumer.documentsBehind === null ? 'an unknown number of' : consumer.documentsBehind.toLocaleString('en-US');
  const stalled = consumer.status === 'stalled' || consumer.status === 'stopped';
  const stallAlert = (episode: number): Alert => ({
    kind: 'consumer-stalled',
    subject: name,
    occurrenceKey: `consumer-stalled:${name}:${episode}`,
    title: `${name} ${consumer.status}`,
    summary: `Consumer ${name} is ${consumer.status}: ${consumer.statusReason}; ${behind} changes wait.`,
    details: {
      consumer: name,
      status: consumer.status,
      reason: consumer.statusReason,
      documentsBehind: consumer.documentsBehind,
      lagSeconds: consumer.lagSeconds,
      lastSeenAt: consumer.lastSeenAt ? new Date(consumer.lastSeenAt).toISOString() : null,
    },
    raisedAt: now,
  });
  return { kind: 'consumer-stalled', subject: name, active: stalled, alert: stallAlert };
}

/** NVSentinel's circuit breaker as the cluster watch has it; null without a cluster. */
export interface BreakerReading {
  status: string | null;
  trippedAt: number | null;
}

function breakerCondition(breaker: BreakerReading, now: Date): Condition {
  return {
    kind: 'breaker-tripped',
    subject: 'circuit-breaker',
    active: breaker.status === 'TRIPPED',
    alert: (episode) => ({
      kind: 'breaker-tripped',
      subject: 'circuit-breaker',
      occurrenceKey: `breaker-tripped:circuit-breaker:${episode}`,
      title: "NVSentinel's circuit breaker tripped",
      summary:
        'fault-quarantine stopped cordoning: cordons in its window reached its limit. Faulty nodes stay in service until an admin resets the breaker (Pipeline page, Reset…).',
      details: {
        status: breaker.status,
        trippedAt: breaker.trippedAt ? new Date(breaker.trippedAt).toISOString() : null,
      },
      raisedAt: now,
    }),
  };
}

/** Every condition a lag reading (and the breaker, when a cluster is watched) shows; no event-loss ones without a window. */
export function pipelineConditions(
  reading: PipelineMessage,
  window: EventLossWindow | null,
  eventLossWithinSeconds: number,
  breaker: BreakerReading | null,
  now = new Date(),
): Condition[] {
  const conditions = reading.consumers.flatMap((consumer) =>
    consumerConditions(consumer, window, eventLossWithinSeconds, now),
  );
  if (breaker) conditions.push(breakerCondition(breaker, now));
  return conditions;
}
