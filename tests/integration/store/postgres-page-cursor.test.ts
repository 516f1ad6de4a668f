// Keyset pages over events as NVSentinel's PostgreSQL writer stores them: `created_at` takes the
// column default NOW() (health_events.go's INSERT names no created_at; migrations/00001), which has
// microseconds and is the same for every row one transaction inserts. A cursor cut to JavaScript's
// milliseconds would sort before every row of that microsecond and end the search after one page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openTestStore, withClient, type TestStore } from '../../support/test-databases';

describe('PostgreSQL keyset pages at microsecond times', () => {
  let test: TestStore;

  beforeAll(async () => {
    test = await openTestStore();
  });

  afterAll(async () => {
    await test?.close();
  });

  it('pages through a batch stored at one microsecond, and across microseconds of one millisecond, each event once', async () => {
    const node = 'gpu-node-micro';
    const stored = await test.store.healthEvents().insertMany(
      Array.from({ length: 12 }, (_, index) => ({
        nodeName: node,
        agent: 'syslog-health-monitor',
        checkName: 'SysLogsXIDError',
        errorCode: ['79'],
        message: `m${index}`,
      })),
    );
    // Eight rows as one NVSentinel transaction leaves them (one NOW()), four a few microseconds apart.
    await withClient(test.database.url, async (client) => {
      await client.query(`UPDATE health_events SET created_at = '2026-12-06 10:00:00.123456+00' WHERE id = ANY($1)`, [
        stored.slice(0, 8).map((event) => event.recordId),
      ]);
      for (const [offset, event] of stored.slice(8).entries())
        await client.query(`UPDATE health_events SET created_at = $1 WHERE id = $2`, [
          `2026-12-06 10:00:00.12345${offset}+00`,
          event.recordId,
        ]);
    });
    const filter = { nodeName: node, errorCode: '79' };
    const seen: string[] = [];
    let page = await test.store.healthEvents().find(filter, { limit: 3 });
    for (let pages = 1; ; pages += 1) {
      seen.push(...page.items.map((event) => event.recordId));
      if (!page.next || pages > 10) break;
      page = await test.store.healthEvents().find(filter, { limit: 3, after: page.next });
    }
    expect(seen).toHaveLength(12);
    expect(new Set(seen)).toEqual(new Set(stored.map((event) => event.recordId)));
  });

  it('refuses a cursor whose time is not a time, naming it', async () => {
    await expect(
      test.store.healthEvents().find({}, { after: { createdAt: 'yesterday', recordId: crypto.randomUUID() } }),
    ).rejects.toThrow('page.after.createdAt');
  });
});
