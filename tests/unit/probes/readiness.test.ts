// /api/ready's live-feed check: ready once the hub follows the feed; ready too while the kept node
// projection's first build reads a big history (the hub answers meanwhile: a Deployment must route
// to a warming-up replica, or no page answers until a build of minutes ends); not ready while the
// feed starts for any other reason or reconnects.
import { describe, expect, it } from 'vitest';

import type { AppContext } from '@/lib/context/app-context';
import type { LiveHub } from '@/lib/live/live-hub';
import type { LiveStatusMessage } from '@/lib/live/live-messages';
import { probeReadiness } from '@/lib/probes/readiness';
import type { DataStore } from '@/lib/store';

const contextWith = (status: Pick<LiveStatusMessage, 'feed' | 'projection'>) =>
  ({
    store: async () => ({ ping: async () => ({ latencyMs: 1 }) }) as unknown as DataStore,
    liveHub: async () => ({ status: () => ({ provider: 'postgresql', clients: 0, ...status }) }) as unknown as LiveHub,
  }) as unknown as AppContext;
const building = { phase: 'building' as const, nodesBuilt: 1_500, nodesTotal: 6_000, startedAt: 0, finishedAt: null };

describe('readiness of the live feed', () => {
  it('is ready while the first build of the kept projection reads the history, and says so', async () => {
    const readiness = await probeReadiness(contextWith({ feed: 'starting', projection: building }), 1_000);
    expect(readiness.checks.liveFeed).toEqual({
      ready: true,
      detail: 'the live hub answers while the node projection is built (warming up: 1500 of 6000 nodes read)',
    });
  });

  it('is ready once the feed is followed, and not while it starts without a build or reconnects', async () => {
    const live = { phase: 'live' as const, nodesBuilt: 6_000, nodesTotal: 6_000, startedAt: 0, finishedAt: 1 };
    expect((await probeReadiness(contextWith({ feed: 'live', projection: live }), 1_000)).checks.liveFeed.ready).toBe(
      true,
    );
    for (const status of [
      { feed: 'starting' as const, projection: live },
      { feed: 'starting' as const },
      { feed: 'reconnecting' as const, projection: building },
    ]) {
      const readiness = await probeReadiness(contextWith(status), 1_000);
      expect(readiness.checks.liveFeed.ready, JSON.stringify(status)).toBe(false);
      expect(readiness.notReady).toContain('liveFeed');
    }
  });
});
