// A sliding-window rate limit kept in the console database (console_rate_windows), so it holds
// across every replica on that database: `limit` events per key per window, the window being the
// last `windowMs`, not a minute on the clock. Used for the changes per user per minute
// (CONSOLE_MUTATION_RATE_LIMIT, lib/actions/run-mutation.ts).
//
// A place is taken before the event and given back when it did not happen (a refused or failed
// change), so only events that happened count, and the check and the count are one statement:
// two replicas racing for a user's last place queue on the user's row and only one gets it.
// Without a clock given, the database's is used, so replicas with drifting clocks still agree.
import type pg from 'pg';

/** What the limit needs of the console database: pg.Pool or a client of it. */
type LimitDatabase = Pick<pg.Pool, 'query'>;

/** A place taken: its time, as the database wrote it (to give back exactly that one). */
export type Taken = { taken: true; place: string } | { taken: false; waitMs: number };

/** How often an instance deletes expired rows, and how many at most each time. */
const SWEEP_EVERY_MS = 60_000;
const SWEEP_ROWS = 1_000;

// The time of a statement: the clock given to the limiter (parameter `param`), else the database's.
const clock = (param: string) => `COALESCE(${param}::timestamptz, statement_timestamp())`;
const MS = "interval '1 millisecond'";

// Takes a place when fewer than $4 hits of the last $5 ms are kept: the hits still in the window and
// this one are kept, oldest first. A refused take changes nothing, and `taken` is false.
const TAKE = `
  WITH clock AS (SELECT ${clock('$3')} AS now),
  took AS (
    INSERT INTO console_rate_windows AS w (limiter, key, hits, expires_at)
    SELECT $1, $2, ARRAY[now], now + $5::int * ${MS} FROM clock
    ON CONFLICT (limiter, key) DO UPDATE SET
      hits = ARRAY(SELECT at FROM unnest(w.hits || EXCLUDED.hits) AS at
                    WHERE at > EXCLUDED.hits[1] - $5::int * ${MS} ORDER BY at),
      expires_at = GREATEST(w.expires_at, EXCLUDED.expires_at)
    WHERE (SELECT count(*) FROM unnest(w.hits) AS at WHERE at > EXCLUDED.hits[1] - $5::int * ${MS}) < $4
    RETURNING 1)
  SELECT EXISTS (SELECT FROM took) AS taken, (SELECT now FROM clock)::text AS place`;

// How long a refused take must wait: until enough of the window's hits have left it that one
// more fits (the oldest, while the limit is what it was when they were taken).
const WAIT = `
  SELECT CEIL(EXTRACT(EPOCH FROM recent[cardinality(recent) - $3 + 1] + $4::int * ${MS} - now) * 1000) AS wait_ms
    FROM (SELECT ARRAY(SELECT at FROM unnest(hits) AS at WHERE at > now - $4::int * ${MS} ORDER BY at) AS recent, now
            FROM console_rate_windows, (SELECT ${clock('$5')} AS now) clock
           WHERE limiter = $1 AND key = $2) window_
   WHERE cardinality(recent) >= $3`;

// Removes one occurrence of the place's time (two takes at one instant are two places).
const GIVE_BACK = `
  UPDATE console_rate_windows
     SET hits = hits[:array_position(hits, $3::timestamptz) - 1] || hits[array_position(hits, $3::timestamptz) + 1:]
   WHERE limiter = $1 AND key = $2 AND $3::timestamptz = ANY (hits)`;

const SWEEP = `
  DELETE FROM console_rate_windows WHERE expires_at <= ${clock('$1')}
     AND (limiter, key) IN (SELECT limiter, key FROM console_rate_windows WHERE expires_at <= ${clock('$1')} LIMIT $2)`;

export class SharedRateLimiter {
  private nextSweepAt = -Infinity;

  /** `name` tells this limit's rows from other limits'; `now`: a clock for tests, else the database's. */
  constructor(
    readonly name: string,
    readonly limit: number,
    readonly windowMs = 60_000,
    private readonly now?: () => number,
  ) {
    if (!/^[a-z][a-z0-9.-]{0,49}$/.test(name))
      throw new Error(`a rate limit's name must be 1 to 50 lower-case letters, digits, "." or "-", not "${name}"`);
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`the rate limit "${name}" must allow a whole number of events of at least 1, not ${limit}`);
    if (!Number.isInteger(windowMs) || windowMs < 1 || windowMs > 2 ** 31 - 1)
      throw new Error(`the rate limit "${name}" needs a window of 1 ms to about 24 days, not ${windowMs} ms`);
  }

  private at(): Date | null {
    return this.now ? new Date(this.now()) : null;
  }

  /** Takes one of `key`'s places in the window; or says how many milliseconds until one is free. */
  async take(db: LimitDatabase, key: string): Promise<Taken> {
    for (let tries = 0; tries < 3; tries++) {
      const at = this.at();
      const { rows } = await db.query<{ taken: boolean; place: string }>(TAKE, [
        this.name,
        key,
        at,
        this.limit,
        this.windowMs,
      ]);
      if (rows[0].taken) {
        await this.sweep(db);
        return { taken: true, place: rows[0].place };
      }
      const waited = await db.query<{ wait_ms: string }>(WAIT, [this.name, key, this.limit, this.windowMs, at]);
      const waitMs = Number(waited.rows[0]?.wait_ms ?? 0);
      // Places were given back between the two statements: try to take one again.
      if (waitMs > 0) return { taken: false, waitMs };
    }
    throw new Error(`the rate limit "${this.name}" kept changing during the attempt`);
  }

  /** Gives a place back: the event it was taken for did not happen, so it does not count. */
  async giveBack(db: LimitDatabase, key: string, place: string): Promise<void> {
    await db.query(GIVE_BACK, [this.name, key, place]);
  }

  /**
   * Deletes expired rows (all their hits out of the window), at most once a minute per instance
   * and SWEEP_ROWS at a time (again at the next take while there are more): they count for
   * nothing already, this only bounds the table. On the way of a take rather than on a timer, so
   * a replica has nothing to start or stop.
   */
  private async sweep(db: LimitDatabase): Promise<void> {
    const now = (this.now ?? Date.now)();
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + SWEEP_EVERY_MS;
    try {
      const swept = await db.query(SWEEP, [this.at(), SWEEP_ROWS]);
      if (swept.rowCount === SWEEP_ROWS) this.nextSweepAt = -Infinity;
    } catch (error) {
      console.error(`[rate limit ${this.name}] expired rows not deleted: ${(error as Error).message}`);
    }
  }
}
