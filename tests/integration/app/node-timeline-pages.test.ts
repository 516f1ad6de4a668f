// The node page's timeline and event table on real PostgreSQL, read as the page and its routes read
// them (readNodeDetail, readNodeEvents): the table's first page holds the node's newest events, the
// older pages give the rest once each, in order, with no gap, also where many events share one
// stored time (NVSentinel's writers stamp a whole transaction with one NOW()) and a page ends inside
// such a run; a filter pages the same way; the chart draws at most MAX_TIMELINE_POINTS events and
// says how many the range holds; and the store's nodeTimeline keeps to what it is asked.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AppContext } from '@/lib/context/app-context';
import { LiveHub } from '@/lib/live/live-hub';
import { readNodeDetail } from '@/lib/queries/node-detail';
import { readNodeEvents } from '@/lib/queries/node-detail-events';
import type { NodeEventsPage } from '@/lib/queries/node-detail-events-view';
import { EVENT_PAGE_SIZE, MAX_TIMELINE_POINTS, type NodeDetail } from '@/lib/queries/node-detail-view';
import { NO_FILTER, type NodeEventFilter } from '@/lib/queries/node-gpus-view';
import {
  openDataStore,
  type DataStore,
  type HealthEventWithStatus,
  type NewHealthEvent,
  type NodeTimelineRequest,
} from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/postgres';

import { testAppContext } from '../../support/app-context';
import { createTestDatabase, testServers } from '../../support/test-databases';

const MINUTE = 60_000;

const event = (nodeName: string, at: Date, overrides: Partial<NewHealthEvent> = {}): NewHealthEvent => ({
  nodeName,
  agent: 'syslog-health-monitor',
  componentClass: 'GPU',
  checkName: 'SysLogsXIDError',
  isFatal: false,
  errorCode: ['13'],
  message: 'XID 13: graphics engine exception',
  recommendedAction: 'NONE',
  entitiesImpacted: [{ entityType: 'GPU', entityValue: '1' }],
  createdAt: at,
  ...overrides,
});

/** Newest first as the store orders them: stored time, then record id (PostgreSQL compares UUIDs as their hex text). */
const newestFirst = (a: HealthEventWithStatus, b: HealthEventWithStatus) =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.recordId < b.recordId ? 1 : a.recordId > b.recordId ? -1 : 0);

describe("a node's timeline and its event table, a page at a time", () => {
  let store: DataStore;
  let url: string;
  let context: AppContext;
  let close: () => Promise<void>;
  /** Every event of the node `paged`, newest first. */
  let paged: HealthEventWithStatus[];

  beforeAll(async () => {
    const database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    url = database.url;
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    const hub = new LiveHub(store, { consumer: 'timeline-pages', flushMs: 50 });
    await hub.start();
    context = testAppContext({ store, liveHub: hub });
    close = async () => {
      await hub.stop();
      await store.close();
      await database.drop();
    };
    // 130 events in runs of 7 sharing one stored time: the first page (50) ends inside the 8th run,
    // the second (100) inside the 15th. Every third is a fatal failure on GPU 3, the rest on GPU 1.
    const start = Date.now() - 50 * MINUTE;
    const runs = Array.from({ length: Math.ceil(130 / 7) }, (_, run) =>
      Array.from({ length: Math.min(7, 130 - run * 7) }, (_, index) => {
        const fatal = (run * 7 + index) % 3 === 0;
        return event('paged', new Date(start + run * MINUTE), {
          isFatal: fatal,
          message: `event ${run * 7 + index}`,
          ...(fatal ? { errorCode: ['79'], entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }] } : {}),
        });
      }),
    );
    paged = [];
    for (const run of runs) paged.push(...(await store.healthEvents().insertMany(run)));
    paged.sort(newestFirst);
    // Another node's events in the same minutes, which no page of `paged` may show.
    await store.healthEvents().insertMany(runs[0]!.map((each) => ({ ...each, nodeName: 'neighbour' })));
  });
  afterAll(async () => close?.());

  /** The first page as the page reads it, then every older page as the route reads it. */
  async function everyPage(detail: NodeDetail, filter: NodeEventFilter): Promise<NodeEventsPage[]> {
    const pages: NodeEventsPage[] = [{ events: detail.events, older: detail.older }];
    for (let older = detail.older; older; older = pages.at(-1)!.older) {
      pages.push(await readNodeEvents(context, 'paged', { from: detail.from, to: detail.to, filter, older }));
      expect(pages.length, 'pages end').toBeLessThan(10);
    }
    return pages;
  }

  it('the first page holds the newest events; the older pages the rest, once each and in order, across runs of one stored time', async () => {
    const detail = (await readNodeDetail(context, 'paged', '1h'))!;
    expect(detail.events.map((row) => row.recordId)).toEqual(
      paged.slice(0, EVENT_PAGE_SIZE).map((each) => each.recordId),
    );
    // The page ends inside a run of seven events stored at one time: the next page starts with the rest of it.
    expect(paged[EVENT_PAGE_SIZE - 1]!.createdAt.getTime()).toBe(paged[EVENT_PAGE_SIZE]!.createdAt.getTime());
    const pages = await everyPage(detail, NO_FILTER);
    expect(pages.map((page) => page.events.length)).toEqual([50, 50, 30]);
    expect(pages.flatMap((page) => page.events.map((row) => row.recordId))).toEqual(paged.map((each) => each.recordId));
    // Each row has every field (the table opens to them).
    expect(pages[1]!.events[0]).toMatchObject({
      recordId: paged[EVENT_PAGE_SIZE]!.recordId,
      message: paged[EVENT_PAGE_SIZE]!.healthEvent.message,
      recommendedAction: 'NONE',
      metadata: {},
    });
  });

  it('the timeline draws every event of the range with what its tooltip names, and the GPU grid counts them', async () => {
    const detail = (await readNodeDetail(context, 'paged', '1h'))!;
    expect(detail.timeline.total).toBe(130);
    expect(detail.timeline.points.map((point) => point.recordId)).toEqual(paged.map((each) => each.recordId));
    const fatal = paged.find((each) => each.healthEvent.isFatal)!;
    expect(detail.timeline.points.find((point) => point.recordId === fatal.recordId)).toEqual({
      recordId: fatal.recordId,
      createdAt: fatal.createdAt.getTime(),
      generatedAt: fatal.createdAt.getTime(),
      agent: 'syslog-health-monitor',
      checkName: 'SysLogsXIDError',
      isFatal: true,
      isHealthy: false,
      errorCode: ['79'],
      entities: [{ entityType: 'GPU', entityValue: '3' }],
      message: fatal.healthEvent.message,
      status: {
        nodeQuarantined: null,
        quarantineFinishedAt: null,
        eviction: '',
        drainFinishedAt: null,
        remediated: null,
        remediatedAt: null,
      },
    });
    const gpu3 = detail.gpus.rows.find((row) => row.entityValue === '3')!;
    expect(gpu3).toMatchObject({ events: 44, failures: 44, fatal: 44, xids: ['79'] });
    expect(detail.gpus.readFrom).toBe(detail.from);
  });

  it('a filter pages the same way: only its events, once each, in order', async () => {
    const filter = { entity: 'GPU:3', fatal: true };
    const detail = (await readNodeDetail(context, 'paged', '1h', { filter }))!;
    expect(detail.filter).toEqual(filter);
    const expected = paged.filter((each) => each.healthEvent.isFatal).map((each) => each.recordId);
    expect(expected).toHaveLength(44);
    const pages = await everyPage(detail, filter);
    expect(pages.map((page) => page.events.length)).toEqual([44]);
    expect(pages[0]!.events.map((row) => row.recordId)).toEqual(expected);
    const gpu1 = await everyPage(
      (await readNodeDetail(context, 'paged', '1h', { filter: { entity: 'GPU:1', fatal: false } }))!,
      {
        entity: 'GPU:1',
        fatal: false,
      },
    );
    expect(gpu1.flatMap((page) => page.events.map((row) => row.recordId))).toEqual(
      paged.filter((each) => !each.healthEvent.isFatal).map((each) => each.recordId),
    );
    // The timeline is the range's, whatever the table's filter.
    expect(detail.timeline.total).toBe(130);
  });

  it("a range holding more than the chart draws: the newest MAX_TIMELINE_POINTS, the range's count, and the grid marks what was not read", async () => {
    const start = Date.now() - 30 * MINUTE;
    const many = Array.from({ length: MAX_TIMELINE_POINTS + 25 }, (_, index) =>
      event('busy', new Date(start + index * 100), { message: `busy ${index}` }),
    );
    const written = (await store.healthEvents().insertMany(many)).sort(newestFirst);
    const detail = (await readNodeDetail(context, 'busy', '1h'))!;
    expect(detail.timeline.points).toHaveLength(MAX_TIMELINE_POINTS);
    expect(detail.timeline.total).toBe(MAX_TIMELINE_POINTS + 25);
    expect(detail.timeline.points.at(-1)!.recordId).toBe(written[MAX_TIMELINE_POINTS - 1]!.recordId);
    expect(detail.events).toHaveLength(EVENT_PAGE_SIZE);
    expect(detail.gpus.readFrom).toBe(written[MAX_TIMELINE_POINTS - 1]!.createdAt.getTime());
  });

  it('nodeTimeline: the newest `points`, the first `pageSize` whole, a cursor findByNode goes on from, the count past the cap', async () => {
    const from = new Date(Date.now() - 3_600_000);
    const timeline = await store.healthEvents().nodeTimeline('paged', { from, points: 60, pageSize: 20 });
    expect(timeline.events.map((each) => each.recordId)).toEqual(paged.slice(0, 60).map((each) => each.recordId));
    expect(timeline.total).toBe(130);
    expect(timeline.page.items).toEqual(paged.slice(0, 20));
    const next = await store.healthEvents().findByNode('paged', { from }, { limit: 20, after: timeline.page.next });
    expect(next.items).toEqual(paged.slice(20, 40));
    // Only what a timeline draws: no metadata, no recommended action, the message cut to 200 characters.
    expect(Object.keys(timeline.events[0]!.healthEvent).sort()).toEqual([
      'agent',
      'checkName',
      'entitiesImpacted',
      'errorCode',
      'generatedTimestamp',
      'isFatal',
      'isHealthy',
      'message',
    ]);
    const [long] = await store.healthEvents().insertMany([event('wordy', new Date(), { message: 'é'.repeat(300) })]);
    const wordy = await store.healthEvents().nodeTimeline('wordy', { points: 1, pageSize: 1 });
    expect(wordy.events[0]!.healthEvent.message).toBe('é'.repeat(200));
    expect(wordy.page.items[0]!.healthEvent.message).toBe(long!.healthEvent.message);
    expect(wordy).toMatchObject({ total: 1, page: { next: undefined } });
    // No page asked for; a node with no events in the range.
    const none = await store.healthEvents().nodeTimeline('paged', { from, points: 200, pageSize: 0 });
    expect(none).toMatchObject({ total: 130, page: { items: [], next: undefined } });
    expect(none.events).toHaveLength(130);
    expect(await store.healthEvents().nodeTimeline('nobody', { points: 10, pageSize: 5 })).toEqual({
      events: [],
      total: 0,
      page: { items: [], next: undefined },
    });
  });

  it("nodeTimeline reads a document as the codec does: lowercase keys of the MongoDB era, JSON true only, the column's time without createdAt", async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const at = new Date(Date.now() - 5 * MINUTE);
      const documents = [
        {
          healthevent: {
            agent: 'gpu-health-monitor',
            checkname: 'GpuMemWatch',
            isfatal: true,
            ishealthy: false,
            errorcode: ['48'],
            entitiesimpacted: [{ entitytype: 'GPU', entityvalue: '7' }],
            generatedtimestamp: { seconds: Math.floor(at.getTime() / 1000), nanos: 5_000_000 },
            message: 'lowercase',
          },
          healtheventstatus: { nodequarantined: 'Quarantined', userpodsevictionstatus: { status: 'Succeeded' } },
        },
        // A string "true" is not JSON true: the codec reads it as false, so does the timeline.
        { createdAt: at.toISOString(), healthevent: { checkName: 'GpuPcieWatch', isFatal: 'true', message: 'odd' } },
      ];
      for (const [index, document] of documents.entries())
        await client.query(
          'INSERT INTO health_events (node_name, event_type, document, created_at) VALUES ($1, $2, $3, $4)',
          ['spelled', 'x', JSON.stringify(document), new Date(at.getTime() + index)],
        );
    } finally {
      await client.end();
    }
    const timeline = await store.healthEvents().nodeTimeline('spelled', { points: 10, pageSize: 10 });
    expect(timeline.events.map((each) => ({ ...each, recordId: undefined }))).toEqual(
      timeline.page.items.map((each) => ({
        recordId: undefined,
        createdAt: each.createdAt,
        healthEvent: {
          agent: each.healthEvent.agent,
          checkName: each.healthEvent.checkName,
          isFatal: each.healthEvent.isFatal,
          isHealthy: each.healthEvent.isHealthy,
          errorCode: each.healthEvent.errorCode,
          entitiesImpacted: each.healthEvent.entitiesImpacted,
          generatedTimestamp: each.healthEvent.generatedTimestamp,
          message: each.healthEvent.message,
        },
        status: each.status,
      })),
    );
    expect(timeline.events.map((each) => [each.healthEvent.checkName, each.healthEvent.isFatal])).toEqual([
      ['GpuPcieWatch', false],
      ['GpuMemWatch', true],
    ]);
    expect(timeline.events[1]).toMatchObject({
      healthEvent: { errorCode: ['48'], entitiesImpacted: [{ entityType: 'GPU', entityValue: '7' }] },
      status: { nodeQuarantined: 'Quarantined', userPodsEvictionStatus: { status: 'Succeeded' } },
    });
  });

  it('nodeTimeline refuses what it cannot keep to, naming the field', async () => {
    const refusal = (request: unknown, name = 'paged') =>
      store
        .healthEvents()
        .nodeTimeline(name, request as NodeTimelineRequest)
        .then(
          () => null,
          (error: Error) => error.message,
        );
    expect(await refusal({ points: 10, pageSize: 11 })).toBe(
      'request.pageSize: must be a whole number from 0 to points, 10 (got 11): the page is the newest of the events read',
    );
    expect(await refusal({ points: 0, pageSize: 0 })).toBe(
      'request.points: must be a whole number from 1 to 10000 (got 0)',
    );
    expect(await refusal({ points: 10, pageSize: 1, from: new Date('no') })).toBe('request.from: must be a valid date');
    expect(await refusal({ points: 10, pageSize: 1 }, '')).toBe('nodeName: must not be empty');
  });
});
