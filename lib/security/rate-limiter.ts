// Mutations per user per minute (sliding window). In-process: with several replicas each allows
// the limit, which still bounds a runaway script to replicas × limit.
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(readonly limit: number, readonly windowMs = 60_000) {}

  /** Takes one hit for `key`; returns 0 when allowed, else milliseconds until one is. */
  take(key: string, now = Date.now()): number {
    const recent = (this.hits.get(key) ?? []).filter((at) => at > now - this.windowMs);
    if (recent.length >= this.limit) {
      this.hits.set(key, recent);
      return recent[0] + this.windowMs - now;
    }
    recent.push(now);
    this.hits.set(key, recent);
    if (this.hits.size > 10_000) this.prune(now);
    return 0;
  }

  private prune(now: number): void {
    for (const [key, times] of this.hits) if (times.every((at) => at <= now - this.windowMs)) this.hits.delete(key);
  }
}

export function mutationRateLimitFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.CONSOLE_MUTATION_RATE_LIMIT ?? '30';
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`CONSOLE_MUTATION_RATE_LIMIT must be a whole number of changes per user per minute, not "${raw}"`);
  return limit;
}
