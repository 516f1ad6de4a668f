// What an admin may send to configure alerts: each refusal names the field and what it must be.
import { describe, expect, it } from 'vitest';

import {
  parseAlertSettings,
  parseCreateDestination,
  parseMute,
  parseUpdateDestination,
} from '@/lib/actions/alert-input';
import { shownUrl } from '@/lib/queries/alerts-view';

const valid = {
  name: 'on-call',
  url: 'https://hooks.example.com/services/T0/B0/secret',
  format: 'slack',
  kinds: ['contact-support'],
};
const ID = '0b0f4a7e-5d3c-4e8e-9a55-0a4c1b2d3e4f';
const errorOf = (parsed: { ok: boolean; error?: string }) => (parsed.ok ? null : parsed.error);

describe('a webhook destination', () => {
  it('takes an http or https URL, a format, alert kinds, enabled and 20 sends a minute by default', () => {
    expect(parseCreateDestination(valid)).toEqual({ ok: true, value: { ...valid, enabled: true, maxPerMinute: 20 } });
    expect(
      parseCreateDestination({ ...valid, url: 'http://127.0.0.1:8080/hook', kinds: ['event-loss', 'event-loss'] }),
    ).toMatchObject({
      ok: true,
      value: { kinds: ['event-loss'] },
    });
  });

  it('refuses any other scheme, naming url', () => {
    expect(errorOf(parseCreateDestination({ ...valid, url: 'ftp://files.example.com/hook' }))).toBe(
      'url must use http or https (got ftp): the console only posts alerts over HTTP',
    );
    expect(errorOf(parseCreateDestination({ ...valid, url: 'javascript:alert(1)' }))).toMatch(
      /^url must use http or https/,
    );
    expect(errorOf(parseCreateDestination({ ...valid, url: 'hooks.example.com' }))).toBe(
      'url must start with http:// or https://',
    );
    expect(errorOf(parseCreateDestination({ ...valid, url: '' }))).toMatch(/^url is required/);
  });

  it('never echoes a refused URL, whose path may be its secret (the error is audited)', () => {
    const error = errorOf(parseCreateDestination({ ...valid, url: 'hooks.slack.com/services/T0/B0/SECRET' }));
    expect(error).toBe('url must start with http:// or https://');
    expect(errorOf(parseUpdateDestination({ id: ID, url: 'hooks.slack.com/services/T0/B0/SECRET' }))).not.toContain(
      'SECRET',
    );
  });

  it('refuses a URL with a user or password, without echoing it', () => {
    for (const url of [
      'https://user:pass@hooks.example.com/services/T0/B0/SECRET',
      'https://user@hooks.example.com/hook',
      'http://:pass@hooks.example.com/hook',
    ])
      expect(errorOf(parseCreateDestination({ ...valid, url }))).toBe('url must not hold a user or password');
  });

  it('names a bad format, kind, name or an unknown field', () => {
    expect(errorOf(parseCreateDestination({ ...valid, format: 'xml' }))).toMatch(/^format must be "slack"/);
    expect(errorOf(parseCreateDestination({ ...valid, kinds: [] }))).toMatch(/^kinds must name at least one/);
    expect(errorOf(parseCreateDestination({ ...valid, kinds: ['everything'] }))).toMatch(/^kinds may hold only/);
    expect(errorOf(parseCreateDestination({ ...valid, name: '  ' }))).toMatch(/^name is required/);
    expect(errorOf(parseCreateDestination({ ...valid, secret: 'x' }))).toBe('unknown field secret');
  });

  it('changes only what is given, and refuses a change of nothing', () => {
    expect(parseUpdateDestination({ id: ID, enabled: false })).toEqual({ ok: true, value: { id: ID, enabled: false } });
    expect(errorOf(parseUpdateDestination({ id: ID }))).toMatch(/^nothing to change/);
    expect(errorOf(parseUpdateDestination({ id: 'x', enabled: false }))).toBe(
      'id must be the id of a destination (a UUID)',
    );
    expect(errorOf(parseUpdateDestination({ id: ID, url: 'file:///etc/passwd' }))).toMatch(
      /^url must use http or https \(got file\)/,
    );
  });
});

describe('a mute', () => {
  const now = Date.parse('2026-12-07T09:00:00Z');
  it('lasts until a future time within 30 days, or ends with null', () => {
    expect(parseMute({ id: ID, until: '2026-12-07T10:00:00Z' }, now)).toEqual({
      ok: true,
      value: { id: ID, until: new Date('2026-12-07T10:00:00Z') },
    });
    expect(parseMute({ id: ID, until: null }, now)).toEqual({ ok: true, value: { id: ID, until: null } });
    expect(errorOf(parseMute({ id: ID, until: '2026-12-07T08:00:00Z' }, now))).toMatch(/^until must be in the future/);
    expect(errorOf(parseMute({ id: ID, until: '2027-02-01T00:00:00Z' }, now))).toMatch(/^until must be within 30 days/);
    expect(errorOf(parseMute({ id: ID, until: 'tomorrow' }, now))).toMatch(/^until must be a time with its zone/);
  });
});

describe('the event-loss threshold', () => {
  it('is a duration from a minute to 30 days', () => {
    expect(parseAlertSettings({ eventLossWithin: '1h' })).toEqual({
      ok: true,
      value: { eventLossWithinSeconds: 3_600 },
    });
    expect(parseAlertSettings({ eventLossWithin: '6d23h59m' })).toMatchObject({ ok: true });
    expect(errorOf(parseAlertSettings({ eventLossWithin: 'soon' }))).toBe(
      'eventLossWithin must be a duration such as 1h, 30m or 1d12h (got "soon")',
    );
    expect(errorOf(parseAlertSettings({ eventLossWithin: '31d' }))).toBe(
      'eventLossWithin must be from 1m to 30d (got "31d")',
    );
  });
});

describe('a webhook URL as shown and audited', () => {
  it('keeps the host and cuts the path, which often is the secret', () => {
    expect(shownUrl('https://hooks.slack.com/services/T000/B000/XXXXXXXX')).toBe(
      'https://hooks.slack.com/services/T0…',
    );
    expect(shownUrl('http://user:pw@127.0.0.1:8080/hook?token=abc')).toBe('http://127.0.0.1:8080/hook?…');
  });
});

describe("a destination's rate", () => {
  it('is a whole number of sends a minute from 1 to 600, named when it is not', () => {
    const rate = 'maxPerMinute must be a whole number of sends a minute from 1 to 600';
    expect(parseCreateDestination({ ...valid, maxPerMinute: 5 })).toMatchObject({
      ok: true,
      value: { maxPerMinute: 5 },
    });
    for (const maxPerMinute of [0, 601, 2.5, '', '20', null])
      expect(errorOf(parseCreateDestination({ ...valid, maxPerMinute }))).toBe(rate);
    expect(parseUpdateDestination({ id: ID, maxPerMinute: 600 })).toEqual({
      ok: true,
      value: { id: ID, maxPerMinute: 600 },
    });
  });
});
