// The sliding-window rate limit kept in the console database (issue 18), behind the changes per user
// per minute: `limit` places per key in the last window, given back when the event did not happen,
// and one limit for every replica on the database, even when they race. Injected clocks: nothing
// here waits for real time.
import path from 'node:path';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SharedRateLimiter, type Taken } from '@/lib/security/shared-rate-limiter';
import { applyMigrations } from '@/lib/store/providers/postgres/schema/migration-runner';

import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';

const server = testServers()[0];
const T0 = Date.parse('2026-12-07T09:00:00Z');

describe(`a rate limit kept in the console database on ${server.name}`, () => {
  let database: TestDatabase;
  /** Two replicas' pools on one database. */
  let pools: [pg.Pool, pg.Pool];
  let limits = 0;

  beforeAll(async () => {
    database = await createTestDatabase(server);
    await applyMigrations(database.url, { dir: path.join(process.cwd(), 'prisma', 'migrations'), log: () => {} });
    pools = [
      new pg.Pool({ connectionString: database.url, max: 5 }),
      new pg.Pool({ connectionString: database.url, max: 5 }),
    ];
  });

  afterAll(async () => {
    await Promise.all(pools?.map((pool) => pool.end()) ?? []);
    await database?.drop();
  });

  /** `replicas` limiters of one fresh limit on one clock. */
  function limitAt(limit: number, replicas = 1, windowMs = 60_000) {
    const clock = { now: T0 };
    const name = `test-${++limits}`;
    return {
      clock,
      limiters: Array.from({ length: replicas }, () => new SharedRateLimiter(name, limit, windowMs, () => clock.now)),
    };
  }
  const waitOf = (taken: Taken) => (taken.taken ? 0 : taken.waitMs);

  it('lets a user take `limit` places, then asks them to wait until the oldest leaves the window', async () => {
    const { clock, limiters } = limitAt(3);
    const [limiter] = limiters;
    const [db] = pools;
    expect(await limiter.take(db, 'ana')).toMatchObject({ taken: true });
    clock.now = T0 + 10_000;
    expect(await limiter.take(db, 'ana')).toMatchObject({ taken: true });
    clock.now = T0 + 20_000;
    expect(await limiter.take(db, 'ana')).toMatchObject({ taken: true });
    expect(await limiter.take(db, 'ana')).toEqual({ taken: false, waitMs: 40_000 });
    clock.now = T0 + 59_999;
    expect(await limiter.take(db, 'ana')).toEqual({ taken: false, waitMs: 1 });
    // The first is a minute old: one more is allowed, then the second one sets the wait.
    clock.now = T0 + 60_000;
    expect(await limiter.take(db, 'ana')).toMatchObject({ taken: true });
    expect(await limiter.take(db, 'ana')).toEqual({ taken: false, waitMs: 10_000 });
  });

  it('slides: the window is the last minute, not a fixed minute on the clock', async () => {
    const { clock, limiters } = limitAt(2);
    const [limiter] = limiters;
    const [db] = pools;
    clock.now = T0 + 59_000;
    await limiter.take(db, 'ana');
    clock.now = T0 + 61_000;
    await limiter.take(db, 'ana');
    // A fixed-minute counter would have started again at T0 + 60 s; the sliding window still sees both.
    clock.now = T0 + 62_000;
    expect(waitOf(await limiter.take(db, 'ana'))).toBe(57_000);
    clock.now = T0 + 119_000;
    expect(await limiter.take(db, 'ana')).toMatchObject({ taken: true });
  });

  it('a place given back counts no more (the change did not happen); a refused take costs nothing', async () => {
    const { limiters } = limitAt(1);
    const [limiter] = limiters;
    const [db] = pools;
    for (let attempt = 0; attempt < 5; attempt++) {
      const taken = await limiter.take(db, 'ana');
      expect(taken.taken).toBe(true);
      await limiter.giveBack(db, 'ana', (taken as { place: string }).place);
    }
    expect(await limiter.take(db, 'ana')).toMatchObject({ taken: true });
    for (let attempt = 0; attempt < 5; attempt++) expect(waitOf(await limiter.take(db, 'ana'))).toBe(60_000);
  });

  it('two places taken at one instant are two: giving one back leaves the other counted', async () => {
    const { limiters } = limitAt(2);
    const [limiter] = limiters;
    const [db] = pools;
    const first = (await limiter.take(db, 'ana')) as { place: string };
    const second = (await limiter.take(db, 'ana')) as { place: string };
    expect(second.place).toBe(first.place);
    await limiter.giveBack(db, 'ana', first.place);
    expect(await limiter.take(db, 'ana')).toMatchObject({ taken: true });
    expect(waitOf(await limiter.take(db, 'ana'))).toBe(60_000);
  });

  it('keeps each user to their own count, and each limit to its own', async () => {
    const { limiters } = limitAt(1);
    const [limiter] = limiters;
    const [db] = pools;
    await limiter.take(db, 'ana');
    expect(await limiter.take(db, 'ana')).toMatchObject({ taken: false });
    expect(await limiter.take(db, 'ben')).toMatchObject({ taken: true });
    const other = limitAt(1).limiters[0];
    expect(await other.take(db, 'ana')).toMatchObject({ taken: true });
  });

  it('two replicas count one limit: changes spread across both reach the cap together', async () => {
    const { limiters } = limitAt(30, 2);
    const taken: boolean[] = [];
    for (let change = 0; change < 30; change++)
      taken.push((await limiters[change % 2].take(pools[change % 2], 'ana')).taken);
    expect(taken).toEqual(Array(30).fill(true));
    expect(await limiters[0].take(pools[0], 'ana')).toEqual({ taken: false, waitMs: 60_000 });
    expect(await limiters[1].take(pools[1], 'ana')).toEqual({ taken: false, waitMs: 60_000 });
  });

  it('two replicas racing: of 100 takes sent at once through both, exactly the limit get a place', async () => {
    const { limiters } = limitAt(30, 2);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, take) => limiters[take % 2].take(pools[take % 2], 'ana')),
    );
    expect(answers.filter((answer) => answer.taken)).toHaveLength(30);
    expect(answers.filter((answer) => !answer.taken && answer.waitMs === 60_000)).toHaveLength(70);
  });

  it('without a clock of its own, the database clock counts: one replica after another sees the cap', async () => {
    const name = `test-${++limits}`;
    const replicas = [new SharedRateLimiter(name, 2), new SharedRateLimiter(name, 2)];
    expect(await replicas[0].take(pools[0], 'ana')).toMatchObject({ taken: true });
    expect(await replicas[1].take(pools[1], 'ana')).toMatchObject({ taken: true });
    const refused = await replicas[0].take(pools[0], 'ana');
    expect(refused.taken).toBe(false);
    expect(waitOf(refused)).toBeGreaterThan(0);
    expect(waitOf(refused)).toBeLessThanOrEqual(60_000);
  });

  it('deletes rows whose every place has left the window, as it goes', async () => {
    const { clock, limiters } = limitAt(5);
    const [limiter] = limiters;
    const [db] = pools;
    for (const user of ['old-1', 'old-2', 'old-3']) await limiter.take(db, user);
    const expired = async () =>
      Number(
        (await db.query('SELECT count(*) FROM console_rate_windows WHERE expires_at <= $1', [new Date(clock.now)]))
          .rows[0].count as string,
      );
    clock.now = T0 + 24 * 3600_000;
    expect(await expired()).toBeGreaterThanOrEqual(3);
    await limiter.take(db, 'ana');
    expect(await expired()).toBe(0);
  });

  it.each<[string, number, number, string]>([
    ['', 1, 60_000, 'a rate limit\'s name must be 1 to 50 lower-case letters, digits, "." or "-", not ""'],
    ['changes', 0, 60_000, 'the rate limit "changes" must allow a whole number of events of at least 1, not 0'],
    ['changes', 2.5, 60_000, 'the rate limit "changes" must allow a whole number of events of at least 1, not 2.5'],
    ['changes', 1, 0, 'the rate limit "changes" needs a window of 1 ms to about 24 days, not 0 ms'],
  ])('refuses the name %j, limit %j and window %j, naming what is wrong', (name, limit, windowMs, message) => {
    expect(() => new SharedRateLimiter(name, limit, windowMs)).toThrow(message);
  });
});
