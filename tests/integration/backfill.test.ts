// Backfilled history: the right number of events, spread over the range, already processed the
// way the pipeline would have left them, and not replayed through the change feed.
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import { backfill } from '@/lib/simulator/backfill';
import { openDataStore } from '@/lib/store';
import { applyMigrations } from '@/lib/store/providers/postgres/schema/migration-runner';

import { createTestDatabase, testServers } from '../support/test-databases';

describe('simulator backfill', () => {
  it('writes days of processed history without flooding the changelog', async () => {
    const database = await createTestDatabase(testServers()[0]);
    await applyMigrations(database.url);
    const store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    try {
      const progress: number[] = [];
      const result = await backfill(database.url, { seed: 3, nodes: 200, events: 12_000, days: 2, batchSize: 5_000, onProgress: (p) => progress.push(p.written) });
      expect(result).toMatchObject({ written: 12_000, skippedChangelog: true });
      expect(progress).toEqual([5_000, 10_000, 12_000]);
      expect(await store.healthEvents().count()).toBe(12_000);
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const span = (await client.query(`SELECT extract(epoch FROM max(created_at) - min(created_at)) / 3600 AS hours FROM health_events`)).rows[0];
      const changelog = (await client.query(`SELECT count(*)::int AS n FROM datastore_changelog`)).rows[0];
      await client.end();
      expect(Number(span.hours)).toBeGreaterThan(47);
      expect(changelog.n).toBe(0);
      const fatal = await store.healthEvents().find({ isFatal: true }, { limit: 50 });
      expect(fatal.items.length).toBeGreaterThan(0);
      for (const event of fatal.items) {
        expect(['Quarantined', 'AlreadyQuarantined']).toContain(event.status.nodeQuarantined);
        expect(['Succeeded', 'AlreadyDrained']).toContain(event.status.userPodsEvictionStatus.status);
      }
      await expect(backfill(database.url, { seed: 1, nodes: 10, events: 0, days: 1 })).rejects.toThrow('events must be a whole number from 1 to 100000000 (got 0)');
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
