// The summary of alerts folded over a destination's rate says how many of what, over how long,
// and links to the Events search of those CONTACT_SUPPORT events.
import { describe, expect, it } from 'vitest';

import { summaryAlert } from '@/lib/alerts/alert-summary';

const now = new Date('2026-12-07T12:00:00Z');
const base = { destinationId: 'dest-1', key: '10-46', maxPerMinute: 20, now };

describe('a summary of folded alerts', () => {
  it('says "and 37 more CONTACT_SUPPORT events in the last minute" with a link to those events', () => {
    const alert = summaryAlert({
      ...base,
      folded: [{ kind: 'contact-support', count: 37 }],
      firstRaisedAt: new Date('2026-12-07T11:59:20Z'),
      consoleUrl: 'https://console.example.com/',
    });
    expect(alert.kind).toBe('summary');
    expect(alert.occurrenceKey).toBe('summary:dest-1:10-46');
    expect(alert.title).toBe('And 37 more CONTACT_SUPPORT events in the last minute');
    const link =
      'https://console.example.com/events?action=CONTACT_SUPPORT&from=2026-12-07T11%3A58%3A20.000Z&to=2026-12-07T12%3A00%3A01.000Z';
    expect(alert.details).toMatchObject({ folded: 37, 'contact-support': 37, events: link });
    expect(alert.summary).toContain(`Events search: ${link}`);
    expect(alert.summary).toContain('Over 20 alerts a minute');
  });

  it('counts each kind over a longer span, and links by path without the console URL', () => {
    const alert = summaryAlert({
      ...base,
      folded: [
        { kind: 'contact-support', count: 1 },
        { kind: 'consumer-stalled', count: 3 },
      ],
      firstRaisedAt: new Date('2026-12-07T11:57:00Z'),
    });
    expect(alert.title).toBe(
      'And 4 more alerts (1 CONTACT_SUPPORT event, 3 stalled consumer alerts) in the last 3 min',
    );
    expect(String(alert.details.events)).toMatch(/^\/events\?action=CONTACT_SUPPORT&from=/);
  });

  it('has no Events link when no CONTACT_SUPPORT alert was folded', () => {
    const alert = summaryAlert({
      ...base,
      folded: [{ kind: 'event-loss', count: 2 }],
      firstRaisedAt: new Date('2026-12-07T11:59:50Z'),
    });
    expect(alert.title).toBe('And 2 more consumers at risk of losing events in the last minute');
    expect(alert.details.events).toBeNull();
    expect(alert.summary).toContain('The Alerts page logs each of them.');
  });
});
