// Found by an outside probe: /api/throughput?range=toString answered 503, because "toString" is
// in every plain object. Parameters are looked up among the object's own keys only; the API
// answers 400 naming the parameter and the values allowed, the page falls back to its default.
import { describe, expect, it, vi } from 'vitest';

import { chartRows } from '@/components/throughput/chart-rows';
import { addCount, countOf } from '@/lib/live/live-messages';
import {
  checkThroughputParams,
  foldTopSeries,
  parseThroughputParams,
  zeroFill,
  type ThroughputSeries,
} from '@/lib/queries/throughput-view';
import { ThroughputCounter } from '@/lib/live/throughput-counter';
import type { HealthEventWithStatus } from '@/lib/store';

const PROTOTYPE_NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

// The read model as the route calls it (the app context first); the calls record what was asked for.
const readThroughputView = vi.fn(async (...asked: [range: string, by: string, zoom: unknown]) => ({
  fake: 'view',
  asked,
}));
vi.mock('@/lib/queries/throughput', () => ({
  readThroughputView: (_context: unknown, range: string, by: string, zoom: unknown) =>
    readThroughputView(range, by, zoom),
}));
vi.mock('@/lib/server/route-guard', () => ({
  allow: async () => ({ ok: true, actor: { id: 'u1', name: 'ana', displayName: 'Ana', role: 'viewer' } }),
}));
const { GET } = await import('@/app/api/throughput/route');

describe('GET /api/throughput', () => {
  it.each(PROTOTYPE_NAMES)('answers 400 for range=%s, naming the parameter and the values allowed', async (name) => {
    readThroughputView.mockClear();
    const response = await GET(new Request(`http://localhost/api/throughput?range=${name}`));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: `range must be one of 15m, 1h, 6h, 24h, 7d, 30d (got "${name}")` });
    expect(readThroughputView).not.toHaveBeenCalled();
  });

  it.each(PROTOTYPE_NAMES)('answers 400 for by=%s', async (name) => {
    const response = await GET(new Request(`http://localhost/api/throughput?range=1h&by=${name}`));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: `by must be one of agent, checkName, componentClass, isFatal (got "${name}")`,
    });
  });

  it('answers 400 for any other unknown value too', async () => {
    expect((await GET(new Request('http://localhost/api/throughput?range=2y'))).status).toBe(400);
    expect((await GET(new Request('http://localhost/api/throughput?by=nodeName'))).status).toBe(400);
  });

  it('reads the known values, and the defaults when they are missing', async () => {
    readThroughputView.mockClear();
    expect((await GET(new Request('http://localhost/api/throughput?range=7d&by=isFatal'))).status).toBe(200);
    expect((await GET(new Request('http://localhost/api/throughput'))).status).toBe(200);
    expect(readThroughputView.mock.calls).toEqual([
      ['7d', 'isFatal', null],
      ['1h', 'agent', null],
    ]);
  });

  it("reads a zoom's from and to, and answers 400 naming what is wrong with one", async () => {
    readThroughputView.mockClear();
    const from = '2026-12-06T10:00:00.000Z';
    const to = '2026-12-06T11:00:00.000Z';
    const ok = await GET(new Request(`http://localhost/api/throughput?range=24h&by=agent&from=${from}&to=${to}`));
    expect(ok.status).toBe(200);
    expect(readThroughputView.mock.calls).toEqual([['24h', 'agent', { from: Date.parse(from), to: Date.parse(to) }]]);
    const bad = await GET(new Request(`http://localhost/api/throughput?from=yesterday&to=${to}`));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'from must be a time such as 2026-12-06T14:05:00Z (got "yesterday")' });
    expect(readThroughputView).toHaveBeenCalledTimes(1);
  });
});

describe('throughput parameters', () => {
  it.each(PROTOTYPE_NAMES)('the page falls back to its default for %s', (name) => {
    expect(parseThroughputParams(new URLSearchParams({ range: name, by: name }))).toEqual({ range: '1h', by: 'agent' });
    expect(parseThroughputParams({ range: name, by: name })).toEqual({ range: '1h', by: 'agent' });
  });

  it('checks the first value of a repeated parameter and treats empty as missing', () => {
    expect(checkThroughputParams({ range: ['15m', 'toString'] })).toEqual({
      ok: true,
      range: '15m',
      by: 'agent',
      zoom: null,
    });
    expect(checkThroughputParams(new URLSearchParams('range=&by='))).toEqual({
      ok: true,
      range: '1h',
      by: 'agent',
      zoom: null,
    });
  });
});

describe('counts keyed by agent or check names from the datastore', () => {
  it('counts an agent named like an Object.prototype member as any other', () => {
    const counter = new ThroughputCounter(0);
    const event = (agent: string, checkName: string) =>
      ({
        healthEvent: { agent, checkName, componentClass: 'GPU', isFatal: false },
      }) as unknown as HealthEventWithStatus;
    for (const name of PROTOTYPE_NAMES) {
      counter.count(event(name, name));
      counter.count(event(name, 'x'));
    }
    const second = counter.roll(1000);
    for (const name of PROTOTYPE_NAMES) {
      expect(Object.hasOwn(second.byAgent, name)).toBe(true);
      expect(second.byAgent[name]).toBe(2);
      expect(second.byCheck[name]).toBe(1);
    }
    expect(Object.getPrototypeOf(second.byAgent)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(second.byAgent))).toEqual(
      Object.fromEntries(PROTOTYPE_NAMES.map((name) => [name, 2])),
    );
  });

  it('zero-fills, folds and charts such keys as numbers', () => {
    const rows = PROTOTYPE_NAMES.map((key, index) => ({ bucketStart: 0, key, count: index + 1 }));
    const [bucket] = zeroFill(rows, { from: 0, bucketSeconds: 60, count: 1 });
    expect(PROTOTYPE_NAMES.map((key) => countOf(bucket.counts, key))).toEqual([1, 2, 3, 4, 5, 6]);
    const folded = foldTopSeries([bucket], 2);
    expect(folded.keys).toEqual(['isPrototypeOf', 'valueOf', '\u0000other']);
    expect(folded.buckets[0].counts).toEqual({ isPrototypeOf: 6, valueOf: 5, '\u0000other': 10 });
    const series = {
      range: '1h',
      by: 'agent',
      bucketSeconds: 60,
      coveredUntil: 60_000,
      recent: [],
      series: [
        { key: 'toString', label: 'toString' },
        { key: '__proto__', label: '__proto__' },
      ],
      buckets: [{ start: 0, counts: {}, total: 0, fatal: 0 }],
    } as unknown as ThroughputSeries;
    expect(chartRows(series, 60)[0].counts).toEqual([0, 0]);
  });

  it('addCount keeps "__proto__" an own key and leaves the prototype alone', () => {
    const counts: Record<string, number> = {};
    addCount(counts, '__proto__', 2);
    addCount(counts, '__proto__', 1);
    expect(Object.getPrototypeOf(counts)).toBe(Object.prototype);
    expect(countOf(counts, '__proto__')).toBe(3);
    expect(countOf(counts, 'toString')).toBe(0);
  });
});
