// The per-account delay's rule: free attempts first, then a wait that doubles with each attempt in
// a row, capped. How it is counted (in the console database, per name whatever its case, cleared by
// a success, forgotten after a day, one count for every replica) is in
// tests/integration/app/sign-in-throttle.test.ts.
import { describe, expect, it } from 'vitest';

import { FREE_FAILURES, MAX_DELAY_MS, SignInThrottle } from '@/lib/auth/sign-in-throttle';

describe('SignInThrottle.delayAfter', () => {
  it(`lets ${FREE_FAILURES} attempts through, then makes each next one wait twice as long as the last`, () => {
    const waits = Array.from({ length: FREE_FAILURES + 4 }, (_, index) => SignInThrottle.delayAfter(index + 1));
    expect(waits).toEqual([0, 0, 0, 0, 2_000, 4_000, 8_000, 16_000, 32_000]);
  });

  it('never waits longer than the cap of 15 minutes', () => {
    expect(SignInThrottle.delayAfter(FREE_FAILURES + 8)).toBe(512_000);
    expect(SignInThrottle.delayAfter(FREE_FAILURES + 9)).toBe(MAX_DELAY_MS);
    expect(SignInThrottle.delayAfter(FREE_FAILURES + 40)).toBe(MAX_DELAY_MS);
    expect(MAX_DELAY_MS).toBe(15 * 60_000);
  });
});
