// The PostgreSQL feed's noted transactions (delivered ahead of an older open one) must not outlive
// the horizon: once a read hands over everything below it, the state passes it, even when no
// later row follows to move the base (found in review: a caught-up consumer was marked lost by
// retention, and 64 stale entries kept a feed waiting behind a new open transaction).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ChangeEvent, type DataStore } from '@/lib/store';

import { collect, event } from '../../contract/store-contract';
import { openTestStore, testServers, type TestStore } from '../../support/test-databases';

const onNode = (node: string) => (change: ChangeEvent) =>
  change.collection === 'healthEvents' && change.document?.healthEvent.nodeName === node;

describe('PostgreSQL feed state passes the horizon', () => {
  let fresh: TestStore;
  let store: DataStore;

  beforeAll(async () => {
    fresh = await openTestStore(testServers()[0], { commitOrder: true });
    store = fresh.store;
  });
  afterAll(async () => {
    await fresh?.close();
  });

  it('retention does not mark a caught-up consumer lost because its base stays behind a transaction it passed above the horizon', async () => {
    await store.consumers().register('stale-base', { startAt: 'now' });
    const a = new pg.Client({ connectionString: fresh.database.url });
    await a.connect();
    try {
      await a.query('BEGIN');
      await a.query(
        `INSERT INTO health_events (node_name, document) VALUES ('stale-a', jsonb_build_object('healthevent', jsonb_build_object('nodeName', 'stale-a')))`,
      );
      await store.healthEvents().insertMany([event('stale-b')]); // B commits while A is open: delivered above
      expect(await collect(store, 'stale-base', 1, onNode('stale-b'))).toHaveLength(1);
      await a.query('COMMIT');
      expect(await collect(store, 'stale-base', 1, onNode('stale-a'))).toHaveLength(1);
    } finally {
      await a.end();
    }
    const lag = (await store.consumers().lag()).find((l) => l.consumer === 'stale-base')!;
    expect(lag.documentsBehind).toBe(0); // it has read everything

    const result = await store.retainChangelog!({ maxAgeMs: 0 });
    expect(result.lostConsumers, 'a consumer that read everything is not lost').not.toContain('stale-base');
  });

  it('with 64 stale entries below the horizon, a later transaction committed above a new open one is still delivered at once', async () => {
    await store.consumers().register('stale-full', { startAt: 'now' });
    const node = `stale-full-${Date.now()}`;
    const x = new pg.Client({ connectionString: fresh.database.url });
    const y = new pg.Client({ connectionString: fresh.database.url });
    await x.connect();
    await y.connect();
    try {
      await x.query('BEGIN');
      await x.query('SELECT pg_current_xact_id()'); // X holds the horizon, writes nothing
      for (let i = 0; i < 64; i += 1) await store.healthEvents().insertMany([event(node, { message: `ahead-${i}` })]);
      expect(await collect(store, 'stale-full', 64, onNode(node))).toHaveLength(64);
      await x.query('COMMIT'); // the horizon passes all 64; no row below it follows them
      // The horizon is server-wide: let another suite's open transaction (a backfill's) end first.
      const newest = (await x.query(`SELECT max(txid)::text AS txid FROM datastore_changelog`)).rows[0].txid;
      for (
        let waited = 0;
        !(await x.query(`SELECT pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8 AS past`, [newest])).rows[0].past;
        waited += 50
      ) {
        if (waited > 60_000) throw new Error('another transaction on the server held the horizon for a minute');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }

      await y.query('BEGIN');
      await y.query('SELECT pg_current_xact_id()'); // a new open transaction
      await store.healthEvents().insertMany([event(node, { message: 'z' })]);
      const early = await collect(store, 'stale-full', 1, onNode(node), 2_000);
      await y.query('COMMIT');
      const late = early.length ? [] : await collect(store, 'stale-full', 1, onNode(node), 5_000);
      expect(early.length + late.length, 'never lost').toBe(1);
      expect(early, 'delivered while Y is open (0 of 64 transactions are ahead of it)').toHaveLength(1);
    } finally {
      await x.end();
      await y.end();
    }
  });
});
