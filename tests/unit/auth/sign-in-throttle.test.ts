// The per-account delay: free attempts first, then a wait that doubles with each failure in a row,
// capped; per name whatever its case; cleared by a success.
import { describe, expect, it } from 'vitest';

import { FORGET_AFTER_MS, FREE_FAILURES, MAX_DELAY_MS, SignInThrottle } from '@/lib/auth/sign-in-throttle';

function throttleAt(start = 1_000_000) {
  const clock = { now: start };
  return { clock, throttle: new SignInThrottle(() => clock.now) };
}

describe('SignInThrottle', () => {
  it(`lets ${FREE_FAILURES} failures through, then makes each next attempt wait twice as long as the last`, () => {
    const { throttle } = throttleAt();
    const waits: number[] = [];
    for (let failure = 1; failure <= FREE_FAILURES + 4; failure++) {
      throttle.failed('lead');
      waits.push(throttle.waitMs('lead'));
    }
    expect(waits).toEqual([0, 0, 0, 0, 2_000, 4_000, 8_000, 16_000, 32_000]);
  });

  it('never waits longer than the cap', () => {
    expect(SignInThrottle.delayAfter(FREE_FAILURES + 40)).toBe(MAX_DELAY_MS);
    expect(MAX_DELAY_MS).toBe(15 * 60_000);
  });

  it('counts down with the clock and lets the attempt through once the delay passed', () => {
    const { clock, throttle } = throttleAt();
    for (let failure = 0; failure < FREE_FAILURES + 1; failure++) throttle.failed('lead');
    expect(throttle.waitMs('lead')).toBe(4_000);
    clock.now += 3_000;
    expect(throttle.waitMs('lead')).toBe(1_000);
    clock.now += 1_000;
    expect(throttle.waitMs('lead')).toBe(0);
  });

  it('counts a name in any case and with surrounding spaces as one account, and other names apart', () => {
    const { throttle } = throttleAt();
    for (const name of ['Lead', 'LEAD', ' lead', 'lead ', 'lEaD']) throttle.failed(name);
    expect(throttle.waitMs('lead')).toBe(2_000);
    expect(throttle.waitMs('other')).toBe(0);
  });

  it('clears the count on a success', () => {
    const { throttle } = throttleAt();
    for (let failure = 0; failure < FREE_FAILURES + 2; failure++) throttle.failed('lead');
    throttle.succeeded('LEAD');
    expect(throttle.waitMs('lead')).toBe(0);
    throttle.failed('lead');
    expect(throttle.waitMs('lead')).toBe(0);
  });

  it('forgets a count untouched for a day', () => {
    const { clock, throttle } = throttleAt();
    for (let failure = 0; failure < FREE_FAILURES + 3; failure++) throttle.failed('lead');
    clock.now += FORGET_AFTER_MS + 1;
    expect(throttle.waitMs('lead')).toBe(0);
    throttle.failed('lead');
    expect(throttle.waitMs('lead')).toBe(0);
  });
});
