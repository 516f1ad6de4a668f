// The per-account sign-in delay as kept in the console database (issue 18): free attempts first,
// then a wait that doubles with each attempt in a row, capped; per name whatever its case; cleared
// by a success; forgotten after a day; and one count for every replica on the database. Each
// throttle runs on an injected clock, so nothing here waits for real time.
import path from 'node:path';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FORGET_AFTER_MS, FREE_FAILURES, SignInThrottle } from '@/lib/auth/sign-in-throttle';
import { applyMigrations } from '@/lib/store/providers/postgres/schema/migration-runner';

import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';

const server = testServers()[0];

describe(`the sign-in delay per account, kept in the console database on ${server.name}`, () => {
  let database: TestDatabase;
  /** Two replicas' pools on one database. */
  let pools: [pg.Pool, pg.Pool];
  let names = 0;
  /** A name no other test counted on. */
  const freshName = () => `account-${++names}`;

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

  function throttleAt(start = Date.parse('2026-12-07T09:00:00Z')) {
    const clock = { now: start };
    return { clock, throttle: new SignInThrottle(() => clock.now) };
  }

  it(`lets ${FREE_FAILURES} attempts through, then makes each next one wait twice as long as the last`, async () => {
    const { clock, throttle } = throttleAt();
    const name = freshName();
    const [db] = pools;
    for (let attempt = 0; attempt < FREE_FAILURES; attempt++) expect(await throttle.attempt(db, name)).toBe(0);
    const waits: number[] = [];
    for (let refused = 0; refused < 4; refused++) {
      const wait = await throttle.attempt(db, name);
      waits.push(wait);
      clock.now += wait;
      expect(await throttle.attempt(db, name)).toBe(0);
    }
    expect(waits).toEqual([2_000, 4_000, 8_000, 16_000]);
  });

  it('counts down with the clock, and a refused attempt neither counts nor lengthens the delay', async () => {
    const { clock, throttle } = throttleAt();
    const name = freshName();
    const [db] = pools;
    for (let attempt = 0; attempt < FREE_FAILURES; attempt++) await throttle.attempt(db, name);
    clock.now += 2_000;
    expect(await throttle.attempt(db, name)).toBe(0);
    expect(await throttle.attempt(db, name)).toBe(4_000);
    clock.now += 3_000;
    expect(await throttle.attempt(db, name)).toBe(1_000);
    clock.now += 999;
    expect(await throttle.attempt(db, name)).toBe(1);
    clock.now += 1;
    expect(await throttle.attempt(db, name)).toBe(0);
    // That one was the seventh: the next waits 8 s.
    expect(await throttle.attempt(db, name)).toBe(8_000);
  });

  it('never waits longer than 15 minutes', async () => {
    const { clock, throttle } = throttleAt();
    const name = freshName();
    const [db] = pools;
    let wait = 0;
    for (let attempt = 0; attempt < FREE_FAILURES + 20; attempt++) {
      clock.now += wait;
      expect(await throttle.attempt(db, name)).toBe(0);
      wait = await throttle.attempt(db, name);
    }
    expect(wait).toBe(15 * 60_000);
  });

  it('counts a name in any case and with surrounding spaces as one account, and other names apart', async () => {
    const { throttle } = throttleAt();
    const [db] = pools;
    for (const name of ['Lead', 'LEAD', ' lead', 'lead ', 'lEaD']) expect(await throttle.attempt(db, name)).toBe(0);
    expect(await throttle.attempt(db, 'lead')).toBe(2_000);
    expect(await throttle.attempt(db, 'other')).toBe(0);
  });

  it('clears the count on a success', async () => {
    const { clock, throttle } = throttleAt();
    const name = freshName();
    const [db] = pools;
    for (let attempt = 0; attempt < FREE_FAILURES; attempt++) await throttle.attempt(db, name);
    clock.now += 2_000;
    await throttle.attempt(db, name);
    await throttle.succeeded(db, name.toUpperCase());
    for (let attempt = 0; attempt < FREE_FAILURES; attempt++) expect(await throttle.attempt(db, name)).toBe(0);
  });

  it('forgets a count untouched for a day, and deletes it at the next sweep', async () => {
    const { clock, throttle } = throttleAt();
    const name = freshName();
    const [db] = pools;
    for (let attempt = 0; attempt < FREE_FAILURES; attempt++) await throttle.attempt(db, name);
    clock.now += FORGET_AFTER_MS;
    // A day to the millisecond is not yet forgotten (the delay of 2 s has long passed, though).
    expect(await throttle.attempt(db, name)).toBe(0);
    expect(await throttle.attempt(db, name)).toBe(4_000);
    const forgotten = async () =>
      Number(
        (await db.query('SELECT count(*) FROM console_sign_in_attempts WHERE forget_at < $1', [new Date(clock.now)]))
          .rows[0].count as string,
      );
    clock.now += FORGET_AFTER_MS + 1;
    expect(await forgotten()).toBeGreaterThan(0);
    // The count starts again at 1; this attempt's sweep takes the forgotten rows of every name away.
    expect(await throttle.attempt(db, name)).toBe(0);
    expect(await throttle.attempt(db, name)).toBe(0);
    expect(await forgotten()).toBe(0);
  });

  it('keeps no name readable: rows are keyed by a hash of the name', async () => {
    const { throttle } = throttleAt();
    const [db] = pools;
    await throttle.attempt(db, 'my-Secret-Password-typed-as-name');
    const { rows } = await db.query<{ name_hash: string }>('SELECT name_hash FROM console_sign_in_attempts');
    expect(rows.every((row) => /^[0-9a-f]{64}$/.test(row.name_hash))).toBe(true);
  });

  it(`two replicas count one limit: ${FREE_FAILURES} attempts spread across both, the next on either waits`, async () => {
    const clock = { now: Date.parse('2026-12-07T10:00:00Z') };
    const replicas = [new SignInThrottle(() => clock.now), new SignInThrottle(() => clock.now)];
    const name = freshName();
    for (let attempt = 0; attempt < FREE_FAILURES; attempt++)
      expect(await replicas[attempt % 2].attempt(pools[attempt % 2], name)).toBe(0);
    expect(await replicas[0].attempt(pools[0], name)).toBe(2_000);
    expect(await replicas[1].attempt(pools[1], name)).toBe(2_000);
  });

  it('two replicas racing: of 40 attempts sent at once through both, exactly the free ones are let through', async () => {
    const clock = { now: Date.parse('2026-12-07T11:00:00Z') };
    const replicas = [new SignInThrottle(() => clock.now), new SignInThrottle(() => clock.now)];
    const name = freshName();
    const waits = await Promise.all(
      Array.from({ length: 40 }, (_, attempt) => replicas[attempt % 2].attempt(pools[attempt % 2], name)),
    );
    expect(waits.filter((wait) => wait === 0)).toHaveLength(FREE_FAILURES);
    expect(waits.filter((wait) => wait === 2_000)).toHaveLength(40 - FREE_FAILURES);
  });

  it('without a clock of its own, the database clock counts: one replica after another sees the delay', async () => {
    const replicas = [new SignInThrottle(), new SignInThrottle()];
    const name = freshName();
    for (let attempt = 0; attempt < FREE_FAILURES; attempt++)
      expect(await replicas[attempt % 2].attempt(pools[attempt % 2], name)).toBe(0);
    const wait = await replicas[1].attempt(pools[1], name);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(2_000);
  });
});
