// Per-account sign-in limit with a growing delay. The per-address limit (Better Auth's rate limit,
// CONSOLE_SIGN_IN_RATE_LIMIT) stops one machine; an attacker with many addresses (or, before the
// console settled X-Forwarded-For itself, one forged header per guess) is stopped only by counting
// failures per account name. After FREE_FAILURES attempts in a row without a success, each further
// attempt must wait twice as long as the one before, up to MAX_DELAY_MS, so a password is never
// guessable by rotating addresses, and a colleague's typos never lock anybody out for long.
//
// Counted per name as typed (trimmed, lower-cased), whether or not the account exists, so the
// answer never tells which names are real. A success clears the count; a day untouched forgets it.
//
// Kept in the console database (console_sign_in_attempts), so every replica counts into one row
// per name: the attempt is checked and counted in one statement, and replicas racing on a name
// queue on its row, so they cannot both slip past the limit. Without a clock given, the database's
// is used, so replicas with drifting clocks still agree. Rows are keyed by a hash of the name: a
// password typed into the name field by mistake is not kept readable for a day.
import { createHash } from 'node:crypto';

import type pg from 'pg';

export const FREE_FAILURES = 5;
const FIRST_DELAY_MS = 2_000;
export const MAX_DELAY_MS = 15 * 60_000;
/** A count this long untouched is forgotten: last month's typos do not delay today's. */
export const FORGET_AFTER_MS = 24 * 3600_000;
/** How often an instance deletes forgotten rows, and how many at most each time. */
const SWEEP_EVERY_MS = 60_000;
const SWEEP_ROWS = 1_000;

/** What the limit needs of the console database: pg.Pool or a client of it. */
export type LimitDatabase = Pick<pg.Pool, 'query'>;

/** The delay the next attempt after `count` attempts in a row must wait (0 while still free). */
function delayAfter(count: number): number {
  if (count < FREE_FAILURES) return 0;
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (count - FREE_FAILURES));
}

/** delayAfter(1), delayAfter(2), … up to the first at the cap: the statement looks the delay up here. */
const DELAYS_MS: number[] = [];
for (let count = 1; DELAYS_MS.at(-1) !== MAX_DELAY_MS; count++) DELAYS_MS.push(delayAfter(count));

const nameHash = (username: string) => createHash('sha256').update(username.trim().toLowerCase()).digest('hex');

// The time of a statement: the clock given to the throttle (parameter `param`), else the database's.
const clock = (param: string) => `COALESCE(${param}::timestamptz, statement_timestamp())`;
const MS = "interval '1 millisecond'";
// The attempt's count when it is let through: one more, or 1 again after a forgotten count.
const COUNT = 'CASE WHEN a.forget_at < EXCLUDED.last_at THEN 1 ELSE a.attempts + 1 END';

// Counts an attempt if it may be made now: a first attempt, one whose delay has passed, or one
// after a forgotten count. A refused attempt changes nothing (and returns no row).
const ATTEMPT = `
  INSERT INTO console_sign_in_attempts AS a (name_hash, attempts, last_at, blocked_until, forget_at)
  SELECT $1, 1, now, now + ($3::int[])[1] * ${MS}, now + $4::int * ${MS} FROM (SELECT ${clock('$2')} AS now) clock
  ON CONFLICT (name_hash) DO UPDATE SET
    attempts = ${COUNT},
    last_at = EXCLUDED.last_at,
    blocked_until = EXCLUDED.last_at + ($3::int[])[LEAST(${COUNT}, cardinality($3::int[]))] * ${MS},
    forget_at = EXCLUDED.forget_at
  WHERE a.blocked_until <= EXCLUDED.last_at OR a.forget_at < EXCLUDED.last_at
  RETURNING attempts`;

// How long a refused attempt must wait.
const WAIT = `
  SELECT CEIL(EXTRACT(EPOCH FROM blocked_until - now) * 1000) AS wait_ms
    FROM console_sign_in_attempts, (SELECT ${clock('$2')} AS now) clock
   WHERE name_hash = $1 AND forget_at >= now`;

const SWEEP = `
  DELETE FROM console_sign_in_attempts WHERE forget_at < ${clock('$1')}
     AND name_hash IN (SELECT name_hash FROM console_sign_in_attempts WHERE forget_at < ${clock('$1')} LIMIT $2)`;

export class SignInThrottle {
  private nextSweepAt = -Infinity;

  /** `now`: a clock for tests; without one the database's clock is used. */
  constructor(private readonly now?: () => number) {}

  /** The delay the next attempt after `count` attempts in a row must wait (0 while still free). */
  static delayAfter(count: number): number {
    return delayAfter(count);
  }

  private at(): Date | null {
    return this.now ? new Date(this.now()) : null;
  }

  /**
   * Counts an attempt to sign in as `username` (before its password is checked; a success then
   * clears the count) and answers 0; or, when the name must wait, answers how many milliseconds
   * and counts nothing.
   */
  async attempt(db: LimitDatabase, username: string): Promise<number> {
    const hash = nameHash(username);
    for (let tries = 0; tries < 3; tries++) {
      const at = this.at();
      const counted = await db.query(ATTEMPT, [hash, at, DELAYS_MS, FORGET_AFTER_MS]);
      if (counted.rowCount === 1) {
        await this.sweep(db);
        return 0;
      }
      const { rows } = await db.query<{ wait_ms: string }>(WAIT, [hash, at]);
      const waitMs = Number(rows[0]?.wait_ms ?? 0);
      // Cleared or let through between the two statements: try to count it again.
      if (waitMs > 0) return waitMs;
    }
    throw new Error(`the sign-in limit of this name kept changing during the attempt`);
  }

  /** Clears the count of `username` after a successful sign-in. */
  async succeeded(db: LimitDatabase, username: string): Promise<void> {
    await db.query('DELETE FROM console_sign_in_attempts WHERE name_hash = $1', [nameHash(username)]);
  }

  /**
   * Deletes forgotten rows, at most once a minute per instance and SWEEP_ROWS at a time (again at
   * the next attempt while there are more): they count for nothing already, this only bounds the
   * table. On the attempt's way rather than on a timer, so a replica needs nothing to start or stop.
   */
  private async sweep(db: LimitDatabase): Promise<void> {
    const now = (this.now ?? Date.now)();
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + SWEEP_EVERY_MS;
    try {
      const swept = await db.query(SWEEP, [this.at(), SWEEP_ROWS]);
      if (swept.rowCount === SWEEP_ROWS) this.nextSweepAt = -Infinity;
    } catch (error) {
      console.error(`[sign-in] forgotten sign-in counts not deleted: ${(error as Error).message}`);
    }
  }
}
