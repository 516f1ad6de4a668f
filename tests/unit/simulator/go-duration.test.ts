// janitor's ttl annotation is a Go duration (time.ParseDuration): "336h", "1h30m", "90s".
import { describe, expect, it } from 'vitest';

import { goDurationMs } from '@/lib/simulator/pipeline/simulated-janitor';

describe('the ttl annotation as a Go duration', () => {
  it('reads hours, minutes, seconds and milliseconds, alone or together', () => {
    expect(goDurationMs('336h')).toBe(336 * 3_600_000);
    expect(goDurationMs('1h30m')).toBe(5_400_000);
    expect(goDurationMs('15m')).toBe(900_000);
    expect(goDurationMs('1.5s')).toBe(1_500);
    expect(goDurationMs('250ms')).toBe(250);
    expect(goDurationMs('1500us')).toBe(1.5);
    expect(goDurationMs('0s')).toBe(0);
  });

  it('refuses what is not one (then janitor leaves the resource alone)', () => {
    for (const text of ['', '14d', 'h', '10', '1h 30m', 'forever']) expect(goDurationMs(text), text).toBeNull();
  });
});
