// GET /api/events on a real PostgreSQL, called as the browser and scripts call it: the route's own
// guard (401 without a session), the search read into the store's filter, pages that follow one
// another, the grouped view, refusals that name the parameter, and the CSV and JSON downloads (a
// message made to run as a spreadsheet formula stays text; a file cut at 10,000 rows says so).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import type { Actor } from '@/lib/auth/actor';
import type { AppContext } from '@/lib/context/app-context';
import { olderEventsHref, type EventSearchView } from '@/lib/queries/events-view';
import type { DataStore, NewHealthEvent } from '@/lib/store';
import { searchTimedOut } from '@/lib/store/event-search';

import { testAppContext } from '../../support/app-context';
import { openTestStore, type TestStore } from '../../support/test-databases';

let context: AppContext;
vi.mock('@/lib/server/app-context', () => ({ appContext: () => context }));
const { GET } = await import('@/app/api/events/route');

const VIEWER: Actor = { id: 'u1', name: 'ana', displayName: 'Ana', role: 'viewer' };
const MINUTE = 60_000;

function xid(node: string, agoMs: number, overrides: Partial<NewHealthEvent> = {}): NewHealthEvent {
  return {
    nodeName: node,
    agent: 'syslog-health-monitor',
    checkName: 'SysLogsXIDError',
    isFatal: true,
    errorCode: ['79'],
    entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }],
    recommendedAction: 'RESTART_BM',
    message: `XID 79 on ${node}`,
    createdAt: new Date(Date.now() - agoMs),
    ...overrides,
  };
}

async function get(query: string, signedIn = true): Promise<Response> {
  return GET(
    new Request(`http://localhost/api/events?${query}`, { headers: signedIn ? { 'x-test-user': 'ana' } : {} }),
  );
}

async function json<T>(query: string): Promise<T> {
  const response = await get(query);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
}

describe('GET /api/events', () => {
  let test: TestStore;

  beforeAll(async () => {
    test = await openTestStore();
    context = {
      ...testAppContext({ store: test.store }),
      actor: async (headers) => (headers.get('x-test-user') ? VIEWER : null),
    };
    await test.store.healthEvents().insertMany([
      // Three nodes with XID 79 in the last hour; gpu-node-2 twice, on two GPUs.
      xid('gpu-node-1', 5 * MINUTE),
      xid('gpu-node-2', 10 * MINUTE, { entitiesImpacted: [{ entityType: 'GPU', entityValue: '5' }] }),
      xid('gpu-node-2', 20 * MINUTE, { isFatal: false }),
      xid('gpu-node-3', 30 * MINUTE, { message: '=HYPERLINK("http://evil.example","click")' }),
      // Not in the search: another XID, the same XID two hours ago, a thermal warning.
      xid('gpu-node-1', 15 * MINUTE, { errorCode: ['48'], message: 'XID 48' }),
      xid('gpu-node-4', 120 * MINUTE),
      xid('gpu-node-4', 1 * MINUTE, { checkName: 'GpuThermalWatch', errorCode: [], isFatal: false }),
    ]);
  });

  afterAll(async () => {
    await test?.close();
  });

  it('answers 401 without a session, before reading anything', async () => {
    const response = await get('xid=79&range=1h', false);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'sign in first' });
  });

  it('finds every node with XID 79 in the last hour, newest first, with the GPU of each event', async () => {
    const page = await json<EventSearchView>('xid=79&range=1h');
    expect(page.view).toBe('events');
    if (page.view !== 'events') return;
    expect(page.params).toEqual({ xid: '79', range: '1h' });
    expect(page.window.to - page.window.from).toBe(60 * MINUTE);
    expect(
      page.events.map((event) => [event.nodeName, event.entities.map((entity) => entity.entityValue).join()]),
    ).toEqual([
      ['gpu-node-1', '3'],
      ['gpu-node-2', '5'],
      ['gpu-node-2', '3'],
      ['gpu-node-3', '3'],
    ]);
    expect(page.events[0]).toMatchObject({ checkName: 'SysLogsXIDError', errorCode: ['79'], isFatal: true });
    expect(page.next).toBeNull();
  });

  it('pages with the cursor it hands out, without repeats', async () => {
    const first = await json<EventSearchView & { view: 'events' }>('xid=79&range=1h&limit=3');
    expect(first.events).toHaveLength(3);
    expect(first.next).toMatch(/_/);
    const second = await json<EventSearchView & { view: 'events' }>(
      olderEventsHref(first, first.next!).slice('/events?'.length),
    );
    expect(second.events.map((event) => event.nodeName)).toEqual(['gpu-node-3']);
    expect(second.next).toBeNull();
  });

  it('groups the same search by node, with counts, the fatal ones and the GPUs', async () => {
    const grouped = await json<EventSearchView>('xid=79&range=1h&view=nodes');
    expect(grouped.view).toBe('nodes');
    if (grouped.view !== 'nodes') return;
    expect(grouped.truncated).toBe(false);
    expect(grouped.nodes.map(({ nodeName, count, fatal, entities }) => ({ nodeName, count, fatal, entities }))).toEqual(
      [
        { nodeName: 'gpu-node-1', count: 1, fatal: 1, entities: [{ entityType: 'GPU', entityValue: '3' }] },
        {
          nodeName: 'gpu-node-2',
          count: 2,
          fatal: 1,
          entities: [
            { entityType: 'GPU', entityValue: '3' },
            { entityType: 'GPU', entityValue: '5' },
          ],
        },
        { nodeName: 'gpu-node-3', count: 1, fatal: 1, entities: [{ entityType: 'GPU', entityValue: '3' }] },
      ],
    );
  });

  it('narrows by node prefix, entity, severity and action together', async () => {
    const page = await json<EventSearchView & { view: 'events' }>(
      'xid=79&range=1h&node=gpu-node-*&entity=GPU:3&severity=unhealthy&action=RESTART_BM',
    );
    expect(page.events.map((event) => [event.nodeName, event.isFatal])).toEqual([['gpu-node-2', false]]);
    const checks = await json<EventSearchView & { view: 'events' }>('check=GpuThermalWatch&range=15m');
    expect(checks.events.map((event) => event.nodeName)).toEqual(['gpu-node-4']);
  });

  it('refuses a bad parameter with 400 naming it, and a cursor of ids this datastore does not use', async () => {
    const refused = async (query: string) => {
      const response = await get(query);
      return { status: response.status, body: await response.json() };
    };
    expect(await refused('xid=seventy-nine')).toEqual({
      status: 400,
      body: { error: 'xid must be an XID: digits only, such as 79 (got "seventy-nine")' },
    });
    expect(await refused('range=1h&from=2026-12-01T00:00:00Z')).toEqual({
      status: 400,
      body: { error: 'give either range or from/to, not both' },
    });
    const cursor = await refused(
      'xid=79&from=2026-12-06T09:00:00Z&to=2026-12-06T11:00:00Z&after=2026-12-06T10:00:00.000Z_65f000000000000000000001',
    );
    expect(cursor.status).toBe(400);
    expect(cursor.body.error).toMatch(/^after: must be a UUID/);
  });

  it('refuses a misspelt parameter instead of searching everything, naming it', async () => {
    const response = await get('errorCode=79&range=1h');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error:
        'unknown parameter "errorCode" (did you mean xid?); the search takes xid, check, agent, component, entity, severity, action, node, range, from, to, view, limit, after, format',
    });
  });

  it("an older page of the last 15 minutes, opened 5 minutes later, still holds the first page's window", async () => {
    // XID 62 at 12, 13 and 14 minutes before the first page is read.
    await test.store
      .healthEvents()
      .insertMany([
        xid('gpu-node-7', 12 * MINUTE, { errorCode: ['62'], message: 'xid 62, 12 min' }),
        xid('gpu-node-7', 13 * MINUTE, { errorCode: ['62'], message: 'xid 62, 13 min' }),
        xid('gpu-node-8', 14 * MINUTE, { errorCode: ['62'], message: 'xid 62, 14 min' }),
      ]);
    const first = await json<EventSearchView & { view: 'events' }>('xid=62&range=15m&limit=1');
    expect(first.events.map((event) => event.message)).toEqual(['xid 62, 12 min']);
    expect(first.next).not.toBeNull();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 5 * MINUTE);
      const messages: string[] = [];
      let href: string | null = olderEventsHref(first, first.next!);
      while (href) {
        const page: EventSearchView & { view: 'events' } = await json(href.slice('/events?'.length));
        expect(page.window).toEqual(first.window);
        messages.push(...page.events.map((event) => event.message));
        href = page.next ? olderEventsHref(page, page.next) : null;
      }
      expect(messages).toEqual(['xid 62, 13 min', 'xid 62, 14 min']);
      // The link the page used to write (the range and the cursor) is refused, not answered with a gap.
      const drifting = await get(`xid=62&range=15m&limit=1&after=${encodeURIComponent(first.next!)}`);
      expect(drifting.status).toBe(400);
      expect((await drifting.json()).error).toMatch(/^after continues the window its first page read/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a grouping by node over more than 24 hours that nothing narrows, and groups one that is', async () => {
    const response = await get('view=nodes&range=7d');
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatch(
      /^view=nodes without a node name, an XID or an entity groups every event of the window, so its window may span at most 24 hours/,
    );
    const day = await json<EventSearchView>('view=nodes&range=24h');
    expect(day.view === 'nodes' && day.nodes.map((group) => group.nodeName)).toContain('gpu-node-4');
    const narrowed = await json<EventSearchView>('view=nodes&range=7d&xid=79');
    expect(narrowed.view === 'nodes' && narrowed.nodes.map((group) => group.nodeName)).toContain('gpu-node-4');
  });

  it('answers a search the datastore stopped at its time limit with 504 saying to narrow it', async () => {
    const real = context;
    const store = await real.store();
    const stopped: DataStore = Object.create(store, {
      healthEvents: {
        value: () =>
          Object.create(store.healthEvents(), {
            groupByNode: { value: () => Promise.reject(searchTimedOut(10_000, new Error('statement timeout'))) },
          }),
      },
    });
    context = { ...real, store: async () => stopped };
    try {
      for (const query of ['view=nodes&range=24h', 'view=nodes&range=24h&format=csv']) {
        const response = await get(query);
        expect(response.status, query).toBe(504);
        expect(await response.json()).toEqual({
          error:
            'the event search was stopped after 10 s, the longest one may run: narrow it (a shorter time range, a node name, an XID or an entity) and search again',
        });
      }
    } finally {
      context = real;
    }
  });

  it('downloads what is shown as CSV, a formula in a message kept as text', async () => {
    const response = await get('xid=79&range=1h&format=csv');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="sentinel-console-events-[\dT-]+Z\.csv"$/,
    );
    const lines = (await response.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'time,node,check,xid,entities,severity,is_fatal,recommended_action,message,agent,component_class,record_id',
    );
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(
      /^[\d-]+T[\d:.]+Z,gpu-node-1,SysLogsXIDError,79,GPU:3,fatal,true,RESTART_BM,XID 79 on gpu-node-1,syslog-health-monitor,GPU,[0-9a-f-]{36}$/,
    );
    expect(lines[4]).toContain(',"\'=HYPERLINK(""http://evil.example"",""click"")",');
  });

  it('downloads the grouped view as CSV and the events as JSON', async () => {
    const csv = await (await get('xid=79&range=1h&view=nodes&format=csv')).text();
    expect(csv.split('\r\n').slice(0, 2)).toEqual([
      'node,events,fatal,first,last,entities',
      expect.stringMatching(/^gpu-node-1,1,1,[\dT:.Z-]+,[\dT:.Z-]+,GPU:3$/),
    ]);
    const response = await get('xid=79&range=1h&format=json');
    expect(response.headers.get('content-disposition')).toMatch(/filename="sentinel-console-events-.+\.json"/);
    const file = await response.json();
    expect(file).toMatchObject({ search: { xid: '79', range: '1h' }, limit: 10_000, truncated: false });
    expect(file.events.map((event: { nodeName: string }) => event.nodeName)).toEqual([
      'gpu-node-1',
      'gpu-node-2',
      'gpu-node-2',
      'gpu-node-3',
    ]);
    const none = await (await get('xid=31&range=1h&format=json')).json();
    expect(none).toMatchObject({ events: [], truncated: false });
  });

  it('cuts an export at 10,000 rows, newest first, and says so in the file', async () => {
    const many = Array.from({ length: 10_003 }, (_, index) =>
      xid('gpu-bulk-1', 2 * MINUTE + index * 10, { errorCode: ['94'], message: `bulk ${index}` }),
    );
    await test.store.healthEvents().insertMany(many);
    const csv = (await (await get('xid=94&range=1h&format=csv')).text()).trimEnd().split('\r\n');
    expect(csv).toHaveLength(1 + 10_000 + 1);
    expect(csv[1]).toContain(',bulk 0,');
    expect(csv[10_000]).toContain(',bulk 9999,');
    expect(csv.at(-1)).toBe(
      '"# cut off: this file holds the newest 10,000 events of the search; narrow the filters or the time range for the rest"',
    );
    const file = await (await get('xid=94&range=1h&format=json')).json();
    expect(file.events).toHaveLength(10_000);
    expect(file).toMatchObject({ truncated: true, note: expect.stringContaining('cut off') });
    const exact = await (await get('xid=94&range=1h&node=gpu-bulk-1&format=json')).json();
    expect(exact.truncated).toBe(true);
  });
});
