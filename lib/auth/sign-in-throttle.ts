// Per-account sign-in limit with a growing delay. The per-address limit (Better Auth's rate limit,
// CONSOLE_SIGN_IN_RATE_LIMIT) stops one machine; an attacker with many addresses (or, before the
// console settled X-Forwarded-For itself, one forged header per guess) is stopped only by counting
// failures per account name. After FREE_FAILURES wrong passwords in a row for a name, each further
// attempt must wait twice as long as the one before, up to MAX_DELAY_MS, so a password is never
// guessable by rotating addresses, and a colleague's typos never lock anybody out for long.
//
// Counted per name as typed (lower-cased), whether or not the account exists, so the answer never
// tells which names are real. A success clears the count. In-process: with several replicas each
// counts on its own, which multiplies the free attempts but not the growth of the delay; a restart
// forgets, which costs an attacker a restart they cannot cause.

export const FREE_FAILURES = 5;
const FIRST_DELAY_MS = 2_000;
export const MAX_DELAY_MS = 15 * 60_000;
/** A count this long untouched is forgotten: last month's typos do not delay today's. */
export const FORGET_AFTER_MS = 24 * 3600_000;
/** Names remembered at most: a spray of invented names evicts the oldest, not memory. */
const MAX_NAMES = 50_000;

interface Failures {
  count: number;
  lastAt: number;
}

export class SignInThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(private readonly now: () => number = Date.now) {}

  private static key(username: string): string {
    return username.trim().toLowerCase();
  }

  /** The delay the next attempt after `count` failures in a row must wait (0 while still free). */
  static delayAfter(count: number): number {
    if (count < FREE_FAILURES) return 0;
    return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (count - FREE_FAILURES));
  }

  /** 0 when `username` may try now, else milliseconds until it may. */
  private current(key: string): Failures | undefined {
    const entry = this.failures.get(key);
    if (entry && this.now() - entry.lastAt > FORGET_AFTER_MS) {
      this.failures.delete(key);
      return undefined;
    }
    return entry;
  }

  waitMs(username: string): number {
    const entry = this.current(SignInThrottle.key(username));
    if (!entry) return 0;
    return Math.max(0, entry.lastAt + SignInThrottle.delayAfter(entry.count) - this.now());
  }

  /** Counts an attempt (before its password is checked; a success then clears the count). */
  failed(username: string): void {
    const key = SignInThrottle.key(username);
    const count = (this.current(key)?.count ?? 0) + 1;
    this.failures.delete(key); // re-inserted last: the Map's order is oldest failure first
    this.failures.set(key, { count, lastAt: this.now() });
    if (this.failures.size > MAX_NAMES) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(username: string): void {
    this.failures.delete(SignInThrottle.key(username));
  }
}
