// The event search reads a short window newest first on PostgreSQL and leaves a long one to the
// planner (lib/store/providers/postgres/event-search-walk.ts). Whichever way a page is read, the
// answer is the same: every matching event once, newest first. Run here with walks far shorter
// than the real 50,000 rows, so each way (page filled by the walk, window read to its end, handed
// to the planner) is taken.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { HealthEventFilter, HealthEventWithStatus, NewHealthEvent, Page, PageRequest } from '@/lib/store';
import { walkedPage } from '@/lib/store/providers/postgres/event-search-walk';
import { PostgresConnection } from '@/lib/store/providers/postgres/postgres-connection';

import { openTestStore, type TestStore } from '../../support/test-databases';

const MINUTE = 60_000;

describe('window-first event search on PostgreSQL', () => {
  let test: TestStore;
  let connection: PostgresConnection;
  let expected: string[];
  const now = Date.now();
  const filter: HealthEventFilter = { errorCode: '79', from: new Date(now - 60 * MINUTE), to: new Date(now) };

  beforeAll(async () => {
    test = await openTestStore();
    connection = new PostgresConnection({ connectionString: test.database.url, poolSize: 2 });
    const events: NewHealthEvent[] = Array.from({ length: 40 }, (_, index) => ({
      nodeName: `gpu-node-${index % 4}`,
      agent: 'syslog-health-monitor',
      checkName: 'SysLogsXIDError',
      isFatal: true,
      // Every third event carries XID 79, the rest XID 48; the last four are outside the hour.
      errorCode: [index % 3 === 0 ? '79' : '48'],
      entitiesImpacted: [{ entityType: 'GPU', entityValue: String(index % 8) }],
      createdAt: new Date(now - (index < 36 ? index : 90 + index) * MINUTE - 1_000),
      message: `m${index}`,
    }));
    const stored = await test.store.healthEvents().insertMany(events);
    expected = stored.filter((_, index) => index % 3 === 0 && index < 36).map((event) => event.recordId);
  });

  afterAll(async () => {
    await connection?.pool.end();
    await test?.close();
  });

  /** Every page of the search read window first with this walk, and how often the planner was asked. */
  async function pages(walkLimit: number, limit: number) {
    let plannerAsked = 0;
    const ids: string[] = [];
    let request: PageRequest = { limit };
    for (let read = 0; read < 50; read += 1) {
      const page: Page<HealthEventWithStatus> = await walkedPage(
        connection,
        'test.walk',
        filter,
        request,
        async () => {
          plannerAsked += 1;
          return test.store.healthEvents().find({ ...filter, nodeName: undefined }, request);
        },
        walkLimit,
      );
      ids.push(...page.items.map((event) => event.recordId));
      if (!page.next) break;
      request = { limit, after: page.next };
    }
    return { ids, plannerAsked };
  }

  it('answers from the walk alone when the window holds fewer rows than it reads', async () => {
    const { ids, plannerAsked } = await pages(100, 5);
    expect(ids).toEqual(expected);
    expect(plannerAsked).toBe(0);
  });

  it('answers from the walk alone when the newest rows fill each page', async () => {
    // 12 is a multiple of 3, so every 12 newest rows after a cursor hold at least 4 matches.
    const { ids, plannerAsked } = await pages(13, 3);
    expect(ids).toEqual(expected);
    expect(plannerAsked).toBe(0);
  });

  it('hands a page the walk cannot fill to the planner, and the answer is the same', async () => {
    const { ids, plannerAsked } = await pages(4, 3);
    expect(ids).toEqual(expected);
    expect(plannerAsked).toBeGreaterThan(0);
  });

  it('finds the same events through the store, page by page and grouped by node', async () => {
    const all = await test.store.healthEvents().find(filter, { limit: 1000 });
    expect(all.items.map((event) => event.recordId)).toEqual(expected);
    const groups = await test.store.healthEvents().groupByNode(filter);
    expect(groups.groups.reduce((sum, group) => sum + group.count, 0)).toBe(expected.length);
    expect(groups.groups.map((group) => group.nodeName).sort()).toEqual([
      'gpu-node-0',
      'gpu-node-1',
      'gpu-node-2',
      'gpu-node-3',
    ]);
  });
});
