// Changes per user per minute (sliding window). Only changes that happened count (`record`), so
// refused and invalid attempts never lock an operator out; a user at the limit is refused before
// anything runs (`waitMs`). In-process: with several replicas each allows the limit, which still
// bounds a runaway script to replicas × limit.
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

export function mutationRateLimitFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.CONSOLE_MUTATION_RATE_LIMIT ?? '30';
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`CONSOLE_MUTATION_RATE_LIMIT must be a whole number of changes per user per minute, not "${raw}"`);
  return limit;
}
