// The event search reads a short window newest first on PostgreSQL and leaves a long one to the
// planner (lib/store/providers/postgres/event-search-walk.ts). Whichever way a page is read, the
// answer is the same: every matching event once, newest first. Run here with walks far shorter
// than the real 50,000 rows, so each way (page filled by the walk, window read to its end, handed
// to the planner) is taken.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import pg from 'pg';

import type { HealthEventFilter, HealthEventWithStatus, NewHealthEvent, Page, PageRequest } from '@/lib/store';
import { StoreError } from '@/lib/store';
import { walkedPage } from '@/lib/store/providers/postgres/event-search-walk';
import { groupEventsByNode } from '@/lib/store/providers/postgres/node-event-groups';
import { PostgresConnection } from '@/lib/store/providers/postgres/postgres-connection';

import { openTestStore, type TestStore } from '../../support/test-databases';
import { until } from '../../support/until';

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

/** A connection that runs `between` once, right after its first statement (or transaction) ends. */
class InterruptedConnection extends PostgresConnection {
  between?: () => Promise<void>;

  private async interrupt(): Promise<void> {
    const work = this.between;
    this.between = undefined;
    await work?.();
  }

  override async query<R extends pg.QueryResultRow>(
    operation: string,
    statement: string | { name: string; text: string },
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    const result = await super.query<R>(operation, statement, values);
    await this.interrupt();
    return result;
  }

  override async transaction<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const result = await super.transaction(operation, work);
    await this.interrupt();
    return result;
  }
}

describe('window-first event search on one snapshot', () => {
  let test: TestStore;
  let connection: InterruptedConnection;
  const now = Date.now();
  // Hours away from the suite above, so neither sees the other's events.
  const filter: HealthEventFilter = {
    errorCode: '31',
    from: new Date(now - 5 * 60 * MINUTE),
    to: new Date(now - 4 * 60 * MINUTE),
  };

  beforeAll(async () => {
    test = await openTestStore();
    connection = new InterruptedConnection({ connectionString: test.database.url, poolSize: 2 });
  });

  afterAll(async () => {
    await connection?.pool.end();
    await test?.close();
  });

  it('judges whether the walk read the whole window on the rows it walked, even when rows go between two reads', async () => {
    // The window's 12 newest rows carry XID 48; three older ones XID 31, the search's.
    const at = (minute: number) => new Date(filter.to!.getTime() - minute * MINUTE);
    const stored = await test.store.healthEvents().insertMany(
      Array.from({ length: 15 }, (_, index) => ({
        nodeName: `gpu-snap-${index % 3}`,
        agent: 'syslog-health-monitor',
        checkName: 'SysLogsXIDError',
        isFatal: true,
        errorCode: [index < 12 ? '48' : '31'],
        createdAt: at(index + 1),
        message: `s${index}`,
      })),
    );
    const matches = stored.slice(12).map((event) => event.recordId);
    // Retention (or anything) deletes nine of the XID 48 rows right after the first read: the window
    // then holds 6 rows, fewer than the walk's 10, though the walk stopped at 10 without a match.
    connection.between = async () => {
      const ids = stored.slice(0, 9).map((event) => event.recordId);
      await connection.pool.query('DELETE FROM health_events WHERE id = ANY($1::uuid[])', [ids]);
    };
    let plannerAsked = 0;
    const page = await walkedPage(
      connection,
      'test.walk',
      filter,
      { limit: 5 },
      async () => {
        plannerAsked += 1;
        return test.store.healthEvents().find(filter, { limit: 5 });
      },
      10,
    );
    expect(connection.between).toBeUndefined();
    expect(page.items.map((event) => event.recordId)).toEqual(matches);
    expect(plannerAsked).toBe(1);
  });

  it('stops a search that runs past its time limit, saying so, and the pool stays usable', async () => {
    // A statement that waits (here on a lock another session holds) counts against the limit too.
    const holder = new pg.Client({ connectionString: test.database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE health_events IN ACCESS EXCLUSIVE MODE');
      const stopped = async (work: () => Promise<unknown>) => {
        const started = Date.now();
        const error = await work().then(
          () => undefined,
          (failure: unknown) => failure,
        );
        return { error, ms: Date.now() - started };
      };
      const grouped = await stopped(() => groupEventsByNode(connection, { from: filter.from, to: filter.to }, {}, 300));
      expect(grouped.error).toBeInstanceOf(StoreError);
      expect(grouped.error).toMatchObject({
        code: 'search-timeout',
        message:
          'the event search was stopped after 0.3 s, the longest one may run: narrow it (a shorter time range, a node name, an XID or an entity) and search again',
      });
      expect(grouped.ms).toBeLessThan(30_000);
      const walked = await stopped(() =>
        walkedPage(
          connection,
          'test.walk',
          filter,
          { limit: 5 },
          () => Promise.reject(new Error('not asked')),
          10,
          300,
        ),
      );
      expect(walked.error).toMatchObject({ code: 'search-timeout' });
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    // The server ended the statements: nothing of ours is left running, and the next search answers.
    await until('the stopped statements to end', async () => {
      const running = await connection.pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%health_events%' AND pid <> pg_backend_pid()",
      );
      return Number(running.rows[0].n) === 0;
    });
    const groups = await groupEventsByNode(connection, { from: filter.from, to: filter.to }, {}, 300);
    expect(groups.groups.length).toBeGreaterThan(0);
  });
});
