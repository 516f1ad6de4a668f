// The Reliability read shared between requests: every tab of the page refetches every minute, and
// the range's read is kept READ_CACHE_MS for all of them (both groupings from one read); one in
// flight is shared; a failed read is not kept.
import { describe, expect, it } from 'vitest';

import { READ_CACHE_MS, readReliabilityCached } from '@/lib/queries/reliability';
import type { DataStore, QuarantineHistoryEvent } from '@/lib/store';

function fakeStore(fail = false) {
  const reads: Array<{ from: Date; to: Date }> = [];
  const store = {
    provider: 'postgresql',
    healthEvents: () => ({
      quarantineHistory: async (range: { from: Date; to: Date }): Promise<QuarantineHistoryEvent[]> => {
        reads.push(range);
        if (fail) throw new Error('the datastore is away');
        return [];
      },
      quarantineDecisionsBefore: async () => [],
    }),
  } as unknown as DataStore;
  return { store, reads };
}

const NOW = Date.UTC(2026, 11, 7, 12, 0);

describe('the reliability read cache', () => {
  it('answers every request of a range from one read for READ_CACHE_MS, then reads again', async () => {
    const { store, reads } = fakeStore();
    const views = await Promise.all([
      readReliabilityCached(store, { range: '24h', by: 'check', now: NOW }),
      readReliabilityCached(store, { range: '24h', by: 'node', now: NOW + 1 }),
      readReliabilityCached(store, { range: '24h', by: 'check', now: NOW + READ_CACHE_MS - 1 }),
    ]);
    expect(reads).toHaveLength(1);
    expect(views.map((view) => [view.by, view.readAt])).toEqual([
      ['check', NOW],
      ['node', NOW],
      ['check', NOW],
    ]);
    // Another range is its own read; the first range's read is stale after READ_CACHE_MS.
    await readReliabilityCached(store, { range: '7d', by: 'check', now: NOW });
    const fresh = await readReliabilityCached(store, { range: '24h', by: 'check', now: NOW + READ_CACHE_MS });
    expect(reads).toHaveLength(3);
    expect(fresh.readAt).toBe(NOW + READ_CACHE_MS);
  });

  it('does not keep a failed read: the next request reads again', async () => {
    const { store, reads } = fakeStore(true);
    await expect(readReliabilityCached(store, { range: '24h', by: 'check', now: NOW })).rejects.toThrow(
      'the datastore is away',
    );
    await expect(readReliabilityCached(store, { range: '24h', by: 'check', now: NOW + 1 })).rejects.toThrow(
      'the datastore is away',
    );
    expect(reads).toHaveLength(2);
  });
});
