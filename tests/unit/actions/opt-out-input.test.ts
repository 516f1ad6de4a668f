// What an operator may send to take a node out of NVSentinel's hands: a duration or an end time,
// bounded (10 minutes to 30 days), never both; each refusal names what is wrong and the bound. To
// put it back: optionally the since of the opt-out the page showed (RFC 3339, or null).
import { describe, expect, it } from 'vitest';

import { parseDuration, spanText } from '@/lib/actions/opt-out-duration';
import { endOf, parseOptIn, parseOptOut, type OptOutBounds } from '@/lib/actions/opt-out-input';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const bounds: OptOutBounds = { minMs: 10 * 60_000, maxMs: 30 * 86_400_000, now: () => NOW };
const parse = (input: Record<string, unknown>) =>
  parseOptOut({ nodeName: 'gpu-1', reason: 'driver upgrade', ...input }, bounds);

describe('maintenance opt-out input', () => {
  it('reads durations as operators type them', () => {
    expect(parseDuration('30m')).toBe(30 * 60_000);
    expect(parseDuration('2h')).toBe(2 * 3_600_000);
    expect(parseDuration('3d')).toBe(3 * 86_400_000);
    expect(parseDuration('1d12h')).toBe(36 * 3_600_000);
    expect(parseDuration(' 1h30m ')).toBe(90 * 60_000);
    for (const text of ['', '2', '2 h', '1.5h', 'PT2H', '-1h', '2hours', 'h', '12m3d'])
      expect(parseDuration(text)).toBeNull();
  });

  it('keeps a duration relative and an end time absolute (UTC), so a retried request is the same change', () => {
    expect(parse({ duration: '2h' })).toEqual({
      ok: true,
      value: { nodeName: 'gpu-1', reason: 'driver upgrade', end: { durationMs: 7_200_000 } },
    });
    expect(parse({ until: '2026-12-06T15:30:00+01:00' })).toEqual({
      ok: true,
      value: { nodeName: 'gpu-1', reason: 'driver upgrade', end: { until: '2026-12-06T14:30:00.000Z' } },
    });
    expect(endOf({ durationMs: 7_200_000 }, NOW).toISOString()).toBe('2026-12-06T14:00:00.000Z');
    expect(endOf({ until: '2026-12-06T14:30:00.000Z' }, NOW).toISOString()).toBe('2026-12-06T14:30:00.000Z');
  });

  it('accepts the bounds themselves', () => {
    expect(parse({ duration: '10m' }).ok).toBe(true);
    expect(parse({ duration: '30d' }).ok).toBe(true);
    expect(parse({ until: '2026-12-06T12:10:00Z' }).ok).toBe(true);
    expect(parse({ until: '2027-01-05T12:00:00Z' }).ok).toBe(true);
  });

  it.each([
    [{ duration: '9m' }, 'the opt-out must be at least 10 minutes (asked: 9 minutes)'],
    [{ duration: '30d1m' }, 'the opt-out must be at most 30 days (asked: 30 days 1 min)'],
    [{ duration: '31d' }, 'the opt-out must be at most 30 days (asked: 31 days)'],
    [{ duration: 'two hours' }, 'duration must be like "30m", "2h", "3d" or "1d12h" (got "two hours")'],
    [{ duration: 120 }, 'duration must be text such as "30m", "2h" or "3d"'],
    [{ until: '2026-12-06T12:05:00Z' }, 'until must be at least 10 minutes from now (it is 5 minutes away)'],
    [{ until: '2027-02-06T12:00:00Z' }, 'until must be at most 30 days from now (it is 62 days away)'],
    [{ until: '2026-12-06T11:00:00Z' }, 'until (2026-12-06T11:00:00.000Z) is not in the future'],
    [{ until: '2026-12-06T18:00:00' }, 'until must be a time in RFC 3339 with its offset'],
    [
      { until: 'tomorrow' },
      'until must be a time in RFC 3339 with its offset, such as 2026-12-06T18:00:00Z (got "tomorrow")',
    ],
    [{ until: '2026-13-40T18:00:00Z' }, 'until must be a time in RFC 3339'],
    [{ duration: '2h', until: '2026-12-06T18:00:00Z' }, 'give either duration or until, not both'],
    [{}, 'give how long: duration (such as "2h") or until (an RFC 3339 time)'],
  ])('refuses %j: %s', (input, error) => {
    const parsed = parse(input);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? null : parsed.error).toContain(error);
  });

  it('checks the node name and the reason as every node action does', () => {
    expect(parseOptOut({ nodeName: 'GPU_1', reason: 'driver upgrade', duration: '2h' }, bounds)).toMatchObject({
      ok: false,
      error: expect.stringContaining('node name must be a Kubernetes node name'),
    });
    expect(parseOptOut({ nodeName: 'gpu-1', reason: 'ok', duration: '2h' }, bounds)).toEqual({
      ok: false,
      error: 'reason must be at least 3 characters',
    });
    expect(parseOptOut('gpu-1', bounds)).toEqual({
      ok: false,
      error: 'expected { nodeName, reason, duration or until }',
    });
  });

  it('says spans in words', () => {
    expect(spanText(40_000)).toBe('40 s');
    expect(spanText(60_000)).toBe('1 minute');
    expect(spanText(150 * 60_000)).toBe('2 h 30 min');
    expect(spanText(86_400_000)).toBe('1 day');
    expect(spanText(36 * 3_600_000)).toBe('1 day 12 h');
    expect(spanText(30 * 86_400_000 + 60_000)).toBe('30 days 1 min');
  });

  it('takes the since of the opt-out a page showed when putting back, as UTC; a script may leave it out', () => {
    const base = { nodeName: 'gpu-1', reason: 'done early' };
    expect(parseOptIn(base)).toEqual({ ok: true, value: base });
    expect(parseOptIn({ ...base, since: null })).toEqual({ ok: true, value: { ...base, since: null } });
    expect(parseOptIn({ ...base, since: '2026-12-06T13:00:00+01:00' })).toEqual({
      ok: true,
      value: { ...base, since: '2026-12-06T12:00:00.000Z' },
    });
    expect(parseOptIn({ ...base, since: 1765022400000 })).toEqual({
      ok: false,
      error: 'since must be text (an RFC 3339 time) or null',
    });
    expect(parseOptIn({ ...base, since: '2026-12-06' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^since must be when the opt-out shown began, in RFC 3339 .*\(got "2026-12-06"\)$/),
    });
  });
});
