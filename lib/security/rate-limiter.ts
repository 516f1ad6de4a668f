// A sliding-window rate limit kept in this process: `limit` events per key in the last
// `windowMs`. Only events that happened count (`record`); asking costs nothing (`waitMs`).
//
// Used only for the anonymous audit budget (lib/audit/anonymous-attempts.ts), which stays in
// memory on purpose: it exists to shed a flood of callers who are not signed in before it reaches
// the console database, so it must not cost that database a statement per refused attempt (nor
// make every anonymous attempt of every replica queue on one "overall" row). With several replicas
// each allows its budget, which still bounds the rows to replicas × budget. Per-user limits (the
// changes per minute) are kept in the console database: lib/security/shared-rate-limiter.ts.
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs = 60_000,
  ) {}

  private recent(key: string, now: number): number[] {
    const recent = (this.hits.get(key) ?? []).filter((at) => at > now - this.windowMs);
    if (recent.length > 0) this.hits.set(key, recent);
    else this.hits.delete(key);
    return recent;
  }

  /** 0 when `key` may make another change now, else milliseconds until it may. */
  waitMs(key: string, now = Date.now()): number {
    const recent = this.recent(key, now);
    return recent.length >= this.limit ? recent[0] + this.windowMs - now : 0;
  }

  /** Counts a change `key` made. */
  record(key: string, now = Date.now()): void {
    this.hits.set(key, [...this.recent(key, now), now]);
    if (this.hits.size > 10_000) this.prune(now);
  }

  private prune(now: number): void {
    for (const [key, times] of this.hits) if (times.every((at) => at <= now - this.windowMs)) this.hits.delete(key);
  }
}

/** CONSOLE_MUTATION_RATE_LIMIT: the changes per user per minute (kept in the console database, lib/actions/run-mutation.ts). */
export function mutationRateLimitFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.CONSOLE_MUTATION_RATE_LIMIT ?? '30';
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`CONSOLE_MUTATION_RATE_LIMIT must be a whole number of changes per user per minute, not "${raw}"`);
  return limit;
}
