// How close the breaker is, read from the cluster as NVSentinel counts it (breaker.go:209-216):
// GPU nodes cordoned by NVSentinel's rules within the window, against ceil(GPU nodes × % / 100).
import { describe, expect, it } from 'vitest';

import { breakerLimitsFromEnv, circuitBreakerView } from '@/lib/cluster/circuit-breaker-view';
import { clusterNodeOf } from '@/lib/cluster/cluster-node';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const LIVE = { state: 'live' as const, staleSince: null, lastError: null, nodes: 7 };
const at = (secondsAgo: number) =>
  new Date(NOW - secondsAgo * 1000)
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
const node = (name: string, options: { gpu?: boolean; cordonedBy?: string; secondsAgo?: number } = {}) =>
  clusterNodeOf({
    metadata: {
      name,
      labels: {
        ...(options.gpu === false ? {} : { 'nvidia.com/gpu.present': 'true' }),
        ...(options.cordonedBy
          ? {
              'k8saas.nvidia.com/cordon-by': options.cordonedBy,
              'k8saas.nvidia.com/cordon-timestamp': at(options.secondsAgo ?? 0),
            }
          : {}),
      },
    },
    spec: { unschedulable: Boolean(options.cordonedBy) },
  });

describe('the circuit breaker, as the Pipeline page shows it', () => {
  const limits = { percentage: 50, windowSeconds: 300 };

  it("counts GPU nodes NVSentinel's rules cordoned within the window, against half the GPU nodes rounded up", () => {
    const nodes = [
      node('a', { cordonedBy: 'NVSentinel', secondsAgo: 10 }),
      node('b', { cordonedBy: 'NVSentinel', secondsAgo: 299 }),
      node('c', { cordonedBy: 'NVSentinel', secondsAgo: 301 }), // before the window
      node('d', { cordonedBy: 'sentinel-console-ana', secondsAgo: 5 }), // forced: not counted
      node('e', { gpu: false, cordonedBy: 'NVSentinel', secondsAgo: 5 }), // not a GPU node
      node('f'),
      node('g'),
    ];
    const view = circuitBreakerView(
      { status: 'CLOSED', cursor: 'RESUME', trippedAt: null },
      nodes,
      limits,
      0,
      LIVE,
      NOW,
    );
    expect(view).toMatchObject({
      status: 'CLOSED',
      gpuNodes: 6,
      recentCordons: 2,
      limit: 3,
      waiting: 0,
      trippedAt: null,
    });
  });

  it('says when it tripped and how many events wait, only while tripped', () => {
    const tripped = circuitBreakerView(
      { status: 'TRIPPED', cursor: 'RESUME', trippedAt: NOW - 60_000 },
      [node('a')],
      limits,
      1_234,
      LIVE,
      NOW,
    );
    expect(tripped).toMatchObject({ status: 'TRIPPED', trippedAt: NOW - 60_000, waiting: 1_234, limit: 1 });
    expect(
      circuitBreakerView({ status: 'CLOSED', cursor: null, trippedAt: NOW }, [], limits, null, LIVE, NOW).trippedAt,
    ).toBeNull();
  });

  it("takes NVSentinel's settings from the environment, defaulting to its chart's, and names a bad one", () => {
    expect(breakerLimitsFromEnv({})).toEqual({ percentage: 50, windowSeconds: 300 });
    expect(
      breakerLimitsFromEnv({ NVSENTINEL_BREAKER_PERCENTAGE: '30', NVSENTINEL_BREAKER_WINDOW_SECONDS: '600' }),
    ).toEqual({ percentage: 30, windowSeconds: 600 });
    expect(() => breakerLimitsFromEnv({ NVSENTINEL_BREAKER_PERCENTAGE: '150' })).toThrow(
      'NVSENTINEL_BREAKER_PERCENTAGE must be a number above 0 and at most 100 (got "150")',
    );
  });
});
