// Which Deployment the breaker's reset restarts: NVSentinel's chart names it fault-quarantine
// (charts/fault-quarantine/templates/_helpers.tpl:11-13); NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT
// names another, and a value that cannot be a Deployment's name is refused, naming the variable.
// The reset's answer waits for this replica's watch of the ConfigMap, at most as long as it is told.
import { describe, expect, it, vi } from 'vitest';

import { breakerSeenByWatch, faultQuarantineDeploymentFromEnv } from '@/lib/cluster/breaker-reset';
import type { CircuitBreakerState } from '@/lib/cluster/cluster-state';

/** A watch of the breaker that the test moves on by hand. */
function watchOf(resourceVersion: string | null) {
  let breaker: CircuitBreakerState = { status: 'TRIPPED', cursor: 'RESUME', trippedAt: null, resourceVersion };
  const listeners = new Set<(state: CircuitBreakerState) => void>();
  return {
    breaker: () => breaker,
    onBreaker: (listener: (state: CircuitBreakerState) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    sees: (next: string) => {
      breaker = { ...breaker, status: 'CLOSED', resourceVersion: next };
      for (const listener of listeners) listener(breaker);
    },
    listening: () => listeners.size,
  };
}

describe('the fault-quarantine Deployment', () => {
  it("is the chart's unless the variable names another", () => {
    expect(faultQuarantineDeploymentFromEnv({})).toBe('fault-quarantine');
    expect(faultQuarantineDeploymentFromEnv({ NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT: '  ' })).toBe('fault-quarantine');
    expect(faultQuarantineDeploymentFromEnv({ NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT: 'nvs-fault-quarantine' })).toBe(
      'nvs-fault-quarantine',
    );
  });

  it.each(['Fault-Quarantine', 'fault_quarantine', 'fault-quarantine-', 'a'.repeat(64), 'ns/fault-quarantine'])(
    'refuses %s',
    (value) => {
      expect(() => faultQuarantineDeploymentFromEnv({ NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT: value })).toThrow(
        `NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT must be a Deployment name (lowercase letters, digits and "-", at most 63) (got "${value}")`,
      );
    },
  );
});

describe('waiting for the watch after a reset', () => {
  it('answers at once when the watch already has that version or a later one', async () => {
    expect(await breakerSeenByWatch(watchOf('42'), '42')).toBe(true);
    expect(await breakerSeenByWatch(watchOf('43'), '42')).toBe(true);
    expect(await breakerSeenByWatch(watchOf('42'), null)).toBe(false);
  });

  it('answers when the watch catches up, and gives up after the time it is given, listening no more', async () => {
    const watch = watchOf('41');
    const waiting = breakerSeenByWatch(watch, '42', 10_000);
    watch.sees('41');
    watch.sees('42');
    expect(await waiting).toBe(true);
    expect(watch.listening()).toBe(0);
    vi.useFakeTimers();
    try {
      const late = breakerSeenByWatch(watch, '50', 10_000);
      await vi.advanceTimersByTimeAsync(9_999);
      expect(watch.listening()).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(await late).toBe(false);
      expect(watch.listening()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
