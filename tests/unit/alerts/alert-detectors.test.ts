// What raises an alert: a stored CONTACT_SUPPORT event (once per event), a consumer whose oldest
// unread change leaves the feed's storage within the threshold, a stalled or stopped consumer, the
// circuit breaker tripped.
import { describe, expect, it } from 'vitest';

import { contactSupportAlert, pipelineConditions } from '@/lib/alerts/alert-detectors';
import { changelogRetentionSeconds, eventLossWindow } from '@/lib/alerts/event-loss-window';
import { timeUntilEventsLost } from '@/lib/queries/event-loss-view';

import { consumerReading, insertedEvent, reading } from './alert-fixtures';

const NOW = Date.parse('2026-12-07T09:00:00Z');
const WEEK = { seconds: 7 * 86_400, source: 'changelog' };

describe('the CONTACT_SUPPORT detector', () => {
  it('raises one alert per stored event, keyed by its record id, naming node, check, XID and GPU', () => {
    const change = insertedEvent('gpu-node-0003', {
      recommendedAction: 'CONTACT_SUPPORT',
      checkName: 'GpuInforomWatch',
      errorCode: ['79'],
      entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }],
      message: 'InfoROM corrupted',
    });
    const alert = contactSupportAlert(change, new Date(NOW))!;
    expect(alert).toMatchObject({
      kind: 'contact-support',
      subject: 'gpu-node-0003',
      occurrenceKey: `contact-support:${change.recordId}`,
      title: 'CONTACT_SUPPORT on gpu-node-0003',
    });
    expect(alert.summary).toContain('GpuInforomWatch (XID 79) on GPU:3: InfoROM corrupted');
    expect(alert.details).toMatchObject({ node: 'gpu-node-0003', xid: '79', entities: 'GPU:3' });
  });

  it('leaves other actions, recoveries and updates alone', () => {
    expect(contactSupportAlert(insertedEvent('n1', { recommendedAction: 'RESTART_BM' }))).toBeNull();
    expect(
      contactSupportAlert(insertedEvent('n1', { recommendedAction: 'CONTACT_SUPPORT', isHealthy: true })),
    ).toBeNull();
    const update = { ...insertedEvent('n1', { recommendedAction: 'CONTACT_SUPPORT' }), operation: 'update' as const };
    expect(contactSupportAlert(update)).toBeNull();
  });
});

describe("a consumer's time until events are lost", () => {
  it('counts from its oldest unread change to the end of the window', () => {
    const oldest = NOW - 3_600_000;
    expect(timeUntilEventsLost({ documentsBehind: 5, oldestUnreadAt: oldest }, WEEK, NOW)).toEqual({
      kind: 'in',
      seconds: 7 * 86_400 - 3_600,
    });
    expect(timeUntilEventsLost({ documentsBehind: 0, oldestUnreadAt: null }, WEEK, NOW)).toEqual({ kind: 'none' });
    expect(
      timeUntilEventsLost({ documentsBehind: 5, oldestUnreadAt: oldest }, { seconds: null, source: 'oplog' }, NOW),
    ).toEqual({
      kind: 'unknown',
    });
    expect(
      timeUntilEventsLost({ documentsBehind: 5, oldestUnreadAt: oldest, positionLost: { at: 1 } }, WEEK, NOW),
    ).toEqual({
      kind: 'lost',
    });
    expect(timeUntilEventsLost({ documentsBehind: 5, oldestUnreadAt: NOW - 8 * 86_400_000 }, WEEK, NOW)).toEqual({
      kind: 'in',
      seconds: 0,
    });
  });

  it('uses CHANGELOG_RETENTION on PostgreSQL (7 days unless set) and the oplog window on MongoDB', () => {
    expect(changelogRetentionSeconds({})).toBe(7 * 86_400);
    expect(eventLossWindow({ kind: 'changelog' }, { CHANGELOG_RETENTION: '36h' }).seconds).toBe(36 * 3_600);
    expect(eventLossWindow({ kind: 'oplog', windowSeconds: 5_400 }, {})).toEqual({
      seconds: 5_400,
      source: 'oplog window',
    });
    expect(() => changelogRetentionSeconds({ CHANGELOG_RETENTION: 'a week' })).toThrow(
      /CHANGELOG_RETENTION must be a duration/,
    );
  });
});

describe('the conditions of a lag reading', () => {
  const conditionOf = (consumer: ReturnType<typeof consumerReading>, kind: string, within = 3_600) =>
    pipelineConditions(reading(NOW, [consumer]), WEEK, within, null, new Date(NOW)).find((c) => c.kind === kind)!;

  it('puts a consumer at risk when its oldest unread change is lost within the threshold, not before', () => {
    const closeToTheEnd = consumerReading({
      consumer: 'node-drainer',
      status: 'stalled',
      statusReason: 'position unchanged for 40 s with 12 changes waiting',
      documentsBehind: 12,
      oldestUnreadAt: NOW - (7 * 86_400 - 1_800) * 1000,
    });
    const atRisk = conditionOf(closeToTheEnd, 'event-loss');
    expect(atRisk.active).toBe(true);
    const alert = atRisk.alert(2);
    expect(alert).toMatchObject({
      kind: 'event-loss',
      subject: 'node-drainer',
      occurrenceKey: 'event-loss:node-drainer:2',
      title: 'node-drainer will lose events in 30 min',
    });
    expect(alert.details).toMatchObject({ secondsUntilLost: 1_800, documentsBehind: 12 });
    expect(conditionOf({ ...closeToTheEnd, oldestUnreadAt: NOW - 60_000 }, 'event-loss').active).toBe(false);
    // A threshold near the window makes a minute-old unread change count.
    expect(conditionOf({ ...closeToTheEnd, oldestUnreadAt: NOW - 120_000 }, 'event-loss', 7 * 86_400 - 60).active).toBe(
      true,
    );
    expect(conditionOf(consumerReading({ consumer: 'node-drainer' }), 'event-loss', 7 * 86_400).active).toBe(false);
  });

  it('says a consumer whose position was lost lost events', () => {
    const lost = consumerReading({
      consumer: 'fault-remediation',
      status: 'position-lost',
      documentsBehind: null,
      positionLost: { at: NOW, reason: 'changelog retention removed changes it had not read' },
    });
    const condition = conditionOf(lost, 'event-loss');
    expect(condition.active).toBe(true);
    expect(condition.alert(1).title).toBe('fault-remediation lost events');
  });

  it('raises a stalled or stopped consumer', () => {
    for (const status of ['stalled', 'stopped'] as const)
      expect(
        conditionOf(consumerReading({ consumer: 'fault-quarantine', status, documentsBehind: 3 }), 'consumer-stalled')
          .active,
      ).toBe(true);
    expect(
      conditionOf(consumerReading({ consumer: 'fault-quarantine', status: 'falling-behind' }), 'consumer-stalled')
        .active,
    ).toBe(false);
  });

  it('raises the breaker when the cluster says TRIPPED', () => {
    const of = (status: string | null) =>
      pipelineConditions(reading(NOW, []), WEEK, 3_600, { status, trippedAt: NOW }, new Date(NOW));
    expect(of('TRIPPED')).toEqual([expect.objectContaining({ kind: 'breaker-tripped', active: true })]);
    expect(of('CLOSED')[0].active).toBe(false);
    expect(pipelineConditions(reading(NOW, []), WEEK, 3_600, null)).toEqual([]);
  });
});
