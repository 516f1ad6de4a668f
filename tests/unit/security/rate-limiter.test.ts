// The in-process sliding window, kept for the anonymous audit budget (lib/audit/anonymous-attempts.ts), on
// an injected clock. The changes per user per minute are kept in the console database instead:
// tests/integration/app/shared-rate-limiter.test.ts.
import { describe, expect, it } from 'vitest';

import { mutationRateLimitFromEnv, RateLimiter } from '@/lib/security/rate-limiter';

const T0 = 1_800_000_000_000;

describe('RateLimiter', () => {
  it('lets a user make `limit` changes, then asks them to wait until the oldest leaves the window', () => {
    const limiter = new RateLimiter(3, 60_000);
    limiter.record('ana', T0);
    limiter.record('ana', T0 + 10_000);
    expect(limiter.waitMs('ana', T0 + 20_000)).toBe(0);
    limiter.record('ana', T0 + 20_000);
    expect(limiter.waitMs('ana', T0 + 20_000)).toBe(40_000);
    expect(limiter.waitMs('ana', T0 + 59_999)).toBe(1);
    // The first change is a minute old: one more is allowed, then the second one sets the wait.
    expect(limiter.waitMs('ana', T0 + 60_000)).toBe(0);
    limiter.record('ana', T0 + 60_000);
    expect(limiter.waitMs('ana', T0 + 60_000)).toBe(10_000);
  });

  it('slides: the window is the last minute, not a fixed minute on the clock', () => {
    const limiter = new RateLimiter(2, 60_000);
    limiter.record('ana', T0 + 59_000);
    limiter.record('ana', T0 + 61_000);
    // A fixed-minute counter would reset at T0 + 60 s; the sliding window still sees both.
    expect(limiter.waitMs('ana', T0 + 62_000)).toBe(57_000);
    expect(limiter.waitMs('ana', T0 + 119_000)).toBe(0);
  });

  it('counts only recorded changes: asking how long to wait costs nothing', () => {
    const limiter = new RateLimiter(1, 60_000);
    for (let i = 0; i < 100; i++) expect(limiter.waitMs('ana', T0 + i)).toBe(0);
    limiter.record('ana', T0 + 100);
    expect(limiter.waitMs('ana', T0 + 100)).toBe(60_000);
  });

  it('keeps each user to their own count', () => {
    const limiter = new RateLimiter(1, 60_000);
    limiter.record('ana', T0);
    expect(limiter.waitMs('ana', T0 + 1)).toBeGreaterThan(0);
    expect(limiter.waitMs('ben', T0 + 1)).toBe(0);
  });

  it('uses a one-minute window by default', () => {
    const limiter = new RateLimiter(1);
    limiter.record('ana', T0);
    expect(limiter.waitMs('ana', T0 + 59_999)).toBe(1);
    expect(limiter.waitMs('ana', T0 + 60_000)).toBe(0);
  });

  it('keeps counting correctly when more than 10,000 users are tracked (pruning keeps recent users)', () => {
    const limiter = new RateLimiter(1, 60_000);
    for (let i = 0; i < 5_000; i++) limiter.record(`old-${i}`, T0);
    limiter.record('ana', T0 + 50_000);
    for (let i = 0; i < 5_001; i++) limiter.record(`new-${i}`, T0 + 70_000);
    expect(limiter.waitMs('ana', T0 + 70_000)).toBe(40_000);
    expect(limiter.waitMs('old-1', T0 + 70_000)).toBe(0);
  });
});

describe('mutationRateLimitFromEnv', () => {
  it('is 30 changes a minute by default and takes CONSOLE_MUTATION_RATE_LIMIT', () => {
    expect(mutationRateLimitFromEnv({})).toBe(30);
    expect(mutationRateLimitFromEnv({ CONSOLE_MUTATION_RATE_LIMIT: '5' })).toBe(5);
  });

  it.each(['0', '-1', '2.5', 'many', ''])('refuses %j, naming the variable', (value) => {
    expect(() => mutationRateLimitFromEnv({ CONSOLE_MUTATION_RATE_LIMIT: value })).toThrow(
      `CONSOLE_MUTATION_RATE_LIMIT must be a whole number of changes per user per minute, not "${value}"`,
    );
  });
});
