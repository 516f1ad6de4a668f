// The Throughput chart's drill-down on a real PostgreSQL, through the routes the browser calls:
// for every grouping, each bar segment's link (lib/queries/throughput-drill.ts) asked of
// GET /api/events finds as many events as GET /api/throughput counted in it, events on the
// buckets' edges included; the folded "other" finds its bucket's every event, as its note says;
// a legend entry finds its series' events over the chart's range. (The chart reads the roll-ups
// once they are built; tests/integration/app/kept-projection.test.ts shows those give the same
// counts as the events.)
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import type { Actor } from '@/lib/auth/actor';
import type { AppContext } from '@/lib/context/app-context';
import type { EventSearchView } from '@/lib/queries/events-view';
import { segmentDrill, seriesDrill } from '@/lib/queries/throughput-drill-view';
import { OTHER_KEY, THROUGHPUT_GROUPINGS, type ThroughputView } from '@/lib/queries/throughput-view';
import type { NewHealthEvent } from '@/lib/store';

import { testAppContext } from '../../support/app-context';
import { openTestStore, type TestStore } from '../../support/test-databases';

let context: AppContext;
vi.mock('@/lib/server/app-context', () => ({ appContext: () => context }));
const throughputRoute = await import('@/app/api/throughput/route');
const eventsRoute = await import('@/app/api/events/route');

const VIEWER: Actor = { id: 'u1', name: 'ana', displayName: 'Ana', role: 'viewer' };
const MIN = 60_000;

async function json<T>(route: { GET: (request: Request) => Promise<Response> }, path: string): Promise<T> {
  const response = await route.GET(new Request(`http://localhost${path}`, { headers: { 'x-test-user': 'ana' } }));
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
  return (await response.json()) as T;
}

/** The events the Events page shows for a link, on one page (of up to 500: the test's series hold fewer). */
async function eventsAt(href: string): Promise<number> {
  const view = await json<EventSearchView>(eventsRoute, `${href.replace(/^\/events/, '/api/events')}&limit=500`);
  if (view.view !== 'events') throw new Error(`expected events, got ${view.view}`);
  expect(view.next, `${href} fits one page`).toBeNull();
  return view.events.length;
}

describe('from a Throughput segment to its events', () => {
  let test: TestStore;

  beforeAll(async () => {
    test = await openTestStore();
    context = {
      ...testAppContext({ store: test.store }),
      actor: async (headers) => (headers.get('x-test-user') ? VIEWER : null),
    };
    // Twelve closed minutes before now: in each, events at the minute's first instant, inside it
    // and at its last millisecond, of ten checks (two more than the chart draws: "other"), three
    // agents, three component classes, fatal, unhealthy and healthy, and healthy flagged fatal.
    const base = Math.floor(Date.now() / MIN) * MIN - 12 * MIN;
    const events: NewHealthEvent[] = [];
    for (let minute = 0; minute < 12; minute += 1)
      for (const [edge, offset] of [0, 20_000, MIN - 1].entries())
        for (let copy = 0; copy <= (minute + edge) % 4; copy += 1) {
          const n = minute * 7 + edge * 3 + copy;
          events.push({
            nodeName: `gpu-node-${n % 5}`,
            agent: ['syslog-health-monitor', 'gpu-health-monitor', 'nic-health-monitor'][n % 3],
            checkName: `Check${n % 10}`,
            componentClass: ['GPU', 'NIC', 'NVSWITCH'][n % 3 === 0 ? 0 : (n >> 1) % 3],
            isFatal: n % 4 === 0,
            isHealthy: n % 5 === 0,
            message: `event ${n}`,
            createdAt: new Date(base + minute * MIN + offset),
          });
        }
    await test.store.healthEvents().insertMany(events);
  });

  afterAll(async () => {
    await test?.close();
  });

  it.each(THROUGHPUT_GROUPINGS)('by %s: each segment and legend entry finds the events it counts', async (by) => {
    const view = await json<ThroughputView>(throughputRoute, `/api/throughput?range=15m&by=${by}`);
    let segments = 0;
    for (const bucket of view.buckets)
      for (const entry of view.series) {
        const count = bucket.counts[entry.key] ?? 0;
        if (count === 0) continue;
        const drill = segmentDrill(by, entry.key, { start: bucket.start, bucketSeconds: view.bucketSeconds });
        const at = `${entry.label} at ${new Date(bucket.start).toISOString()}`;
        expect(await eventsAt(drill.href), at).toBe(entry.key === OTHER_KEY ? bucket.total : count);
        segments += 1;
      }
    expect(segments).toBeGreaterThanOrEqual(12);
    if (by === 'checkName') expect(view.series.at(-1)?.key).toBe(OTHER_KEY);
    for (const entry of view.series) {
      const drill = seriesDrill(by, entry.key, view)!;
      const counted = view.buckets.reduce(
        (sum, bucket) => sum + (entry.key === OTHER_KEY ? bucket.total : (bucket.counts[entry.key] ?? 0)),
        0,
      );
      expect(await eventsAt(drill.href), `${entry.label} over the range`).toBe(counted);
    }
  });
});
