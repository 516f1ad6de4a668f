// Audit log filters as they travel in the URL.
import { describe, expect, it } from 'vitest';

import { auditFilterParams, parseAuditFilter } from '@/lib/queries/audit-filter';

describe('parseAuditFilter', () => {
  it('reads every filter from URL parameters, dates as Dates', () => {
    const result = parseAuditFilter(
      new URLSearchParams(
        'actor=ana&action=node.quarantine&target=node%2Fgpu-1&outcome=denied&requestId=req-1&from=2026-12-01&to=2026-12-02T10:00:00Z&before=1000',
      ),
    );
    expect(result).toEqual({
      ok: true,
      filter: {
        actor: 'ana',
        action: 'node.quarantine',
        target: 'node/gpu-1',
        outcome: 'denied',
        requestId: 'req-1',
        from: new Date('2026-12-01T00:00:00.000Z'),
        to: new Date('2026-12-02T10:00:00.000Z'),
        before: '1000',
      },
    });
  });

  it('is no filter at all when nothing (or only empty values) is given', () => {
    expect(parseAuditFilter(new URLSearchParams())).toEqual({ ok: true, filter: {} });
    expect(parseAuditFilter(new URLSearchParams('actor=&outcome=&from=&before='))).toEqual({ ok: true, filter: {} });
  });

  it('reads Next.js searchParams objects, taking the first of repeated values', () => {
    expect(parseAuditFilter({ actor: ['ana', 'ben'], outcome: 'ok', action: undefined })).toEqual({
      ok: true,
      filter: { actor: 'ana', outcome: 'ok' },
    });
  });

  it('ignores parameters it does not know', () => {
    expect(parseAuditFilter(new URLSearchParams('actor=ana&limit=5&sql=1;DROP'))).toEqual({
      ok: true,
      filter: { actor: 'ana' },
    });
  });

  it.each([
    ['outcome=maybe', 'outcome must be one of ok, denied, invalid, error'],
    ['outcome=OK', 'outcome must be one of ok, denied, invalid, error'],
    ['from=yesterday', 'from is not a date or time: "yesterday"'],
    ['to=2026-13-45', 'to is not a date or time: "2026-13-45"'],
    ['before=abc', 'before must be an entry id'],
    ['before=-1', 'before must be an entry id'],
    ['before=1.5', 'before must be an entry id'],
    ['before=12345678901234567890', 'before must be an entry id'],
    // Beyond PostgreSQL's bigint: the database would fail the query (a 500) instead of a clear 400.
    ['before=9223372036854775808', 'before must be an entry id'],
    ['before=9999999999999999999', 'before must be an entry id'],
    // Dates JavaScript reads but PostgreSQL cannot hold (timestamptz starts at 4713 BC).
    ['from=-200000-01-01', 'from must be a time between the years 1 and 9999'],
    ['to=%2B275000-01-01', 'to must be a time between the years 1 and 9999'],
    [`actor=${'a'.repeat(301)}`, 'actor must be at most 300 characters'],
    [`action=${'a'.repeat(301)}`, 'action must be at most 300 characters'],
    [`target=${'a'.repeat(301)}`, 'target must be at most 300 characters'],
    [`requestId=${'r'.repeat(101)}`, 'requestId must be at most 100 characters'],
  ])('refuses %s, naming it', (query, message) => {
    expect(parseAuditFilter(new URLSearchParams(query))).toEqual({ ok: false, error: message });
  });

  it('takes the largest entry id and the earliest and latest ordinary dates', () => {
    expect(
      parseAuditFilter(
        new URLSearchParams('before=9223372036854775807&from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z'),
      ),
    ).toEqual({
      ok: true,
      filter: {
        before: '9223372036854775807',
        from: new Date('0001-01-01T00:00:00Z'),
        to: new Date('9999-12-31T23:59:59Z'),
      },
    });
  });

  it('quotes at most 40 characters of a bad date back', () => {
    const result = parseAuditFilter(new URLSearchParams({ from: `x${'y'.repeat(500)}` }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toBe(`from is not a date or time: "x${'y'.repeat(39)}"`);
  });
});

describe('auditFilterParams', () => {
  it('writes a filter that parses back to the same filter (next-page and CSV links)', () => {
    const filter = {
      actor: 'ana smith',
      action: 'user.set-role',
      target: 'user/a&b=c',
      outcome: 'error' as const,
      requestId: 'req:1',
      from: new Date('2026-12-01T00:00:00.000Z'),
      to: new Date('2026-12-02T12:34:56.789Z'),
      before: '999',
    };
    const params = auditFilterParams(filter);
    expect(params.get('from')).toBe('2026-12-01T00:00:00.000Z');
    expect(parseAuditFilter(new URLSearchParams(params.toString()))).toEqual({ ok: true, filter });
  });

  it('leaves out what is not set', () => {
    expect(auditFilterParams({ outcome: 'ok', actor: undefined }).toString()).toBe('outcome=ok');
    expect(auditFilterParams({}).toString()).toBe('');
  });
});
