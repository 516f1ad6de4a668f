// The store SDK on PostgreSQL: the shared contract on every server the run has, then what only
// PostgreSQL's change feed must prove (commit order, restarts, retention).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openDataStore, type ChangeEvent, type DataStore } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { collect, defineStoreContract, event } from '../../contract/store-contract';
import { createTestDatabase, testServers, type TestServer } from '../../support/test-databases';
import { until } from '../../support/until';

async function openFresh(server: TestServer, commitOrder = false) {
  const database = await createTestDatabase(server);
  await setUpOwnDatabase(database.url, { commitOrder });
  const store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
  return { store, database, cleanup: () => database.drop() };
}

for (const server of testServers()) {
  defineStoreContract({ name: `PostgreSQL (${server.name})`, open: () => openFresh(server) });
}

// Both ways the feed walks the changelog: id order on NVSentinel's schema as it is (the default),
// commit order with the opt-in column (schema/opt-in/sentinel-console-0001).
const variants = testServers().flatMap((server) =>
  (['id', 'commit'] as const).map((order) => ({ name: server.name, server, order })),
);

describe.each(variants)('PostgreSQL change feed on $name in $order order', ({ server, order }) => {
  let store: DataStore;
  let url: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await openFresh(server, order === 'commit');
    store = fresh.store;
    url = fresh.database.url;
    cleanup = fresh.cleanup;
  });

  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  });

  it('insertMany (one INSERT for a few rows, one COPY for more) stores any text byte for byte, fires the change trigger per row, and a refused row rolls back the call', async () => {
    const node = `copy-node-${Date.now()}`;
    const tricky = 'tab\there, newline\nthere, CR\r, backslash \\ and \\N, "quotes", \\. alone, naïve ✓ 🚀';
    const trickyEvent = () => event(node, { message: tricky, metadata: { path: 'C:\\gpu\\0', note: '\\.' } });
    const [stored] = await store.healthEvents().insertMany([trickyEvent()]);
    const copied = await store.healthEvents().insertMany(Array.from({ length: 40 }, trickyEvent));
    for (const { recordId } of [stored, copied[0], copied[39]]) {
      const read = await store.healthEvents().get(recordId);
      expect(read?.healthEvent.message).toBe(tricky);
      expect(read?.healthEvent.metadata).toEqual({ path: 'C:\\gpu\\0', note: '\\.' });
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const row = (
        await client.query(
          `SELECT node_name, event_type, severity, recommended_action, node_quarantined, user_pods_eviction_status,
          user_pods_eviction_message, updated_at = created_at AS same_time FROM health_events WHERE id = $1`,
          [stored.recordId],
        )
      ).rows[0];
      expect(row).toEqual({
        node_name: node,
        event_type: 'SysLogsXIDError',
        severity: 'GPU',
        recommended_action: 'RESTART_BM',
        node_quarantined: null,
        user_pods_eviction_status: null,
        user_pods_eviction_message: '',
        same_time: true,
      });
      const changes = (
        await client.query(
          `SELECT operation, new_values->'document'->'healthevent'->>'message' AS message FROM datastore_changelog
          WHERE record_id = $1`,
          [stored.recordId],
        )
      ).rows;
      expect(changes).toEqual([{ operation: 'INSERT', message: tricky }]);
      const copiedChanges = (
        await client.query(`SELECT count(*)::int AS n FROM datastore_changelog WHERE record_id = ANY($1)`, [
          copied.map((row) => row.recordId),
        ])
      ).rows[0];
      expect(copiedChanges.n).toBe(40);

      // NVSentinel's unique idempotency index refuses the last row: nothing of the call is kept,
      // whether it went as one INSERT (3 rows) or one COPY (40 rows).
      for (const size of [3, 40]) {
        const key = { idempotencyKey: `key-${size}-${Date.now()}` };
        const batch = [
          ...Array.from({ length: size - 2 }, () => event(node, { message: 'a' })),
          event(node, { metadata: key }),
          event(node, { metadata: key }),
        ];
        const refused = await store
          .healthEvents()
          .insertMany(batch)
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(String(refused)).toMatch(/healthevent_idempotency_key_unique/);
        expect(await store.healthEvents().count({ nodeName: node })).toBe(41);
      }
      // The pooled connection is usable afterwards.
      await store.healthEvents().insertMany([event(node, { message: 'after' })]);
      expect(await store.healthEvents().count({ nodeName: node })).toBe(42);
    } finally {
      await client.end();
    }
  });

  it('a feed that follows maintenance events only moves past health rows and delivers the maintenance change between them', async () => {
    await store.consumers().register('maintenance-only', { startAt: 'now' });
    const node = `mx-only-${Date.now()}`;
    await store.healthEvents().insertMany(Array.from({ length: 120 }, () => event(node)));
    const maintenance = {
      eventId: `mx-${Date.now()}`,
      csp: 'aws' as const,
      clusterName: 'c1',
      resourceType: 'instance',
      resourceId: 'i-1',
      nodeName: node,
      maintenanceType: 'SCHEDULED' as const,
      status: 'DETECTED' as const,
      cspStatus: 'PENDING' as const,
      scheduledStartTime: new Date(Date.now() + 3_600_000),
      scheduledEndTime: null,
      actualStartTime: null,
      actualEndTime: null,
      eventReceivedTimestamp: new Date(),
      lastUpdatedTimestamp: new Date(),
      recommendedAction: 'RESTART_VM' as const,
      metadata: {},
    };
    await store.maintenanceEvents().upsert(maintenance);
    await store.healthEvents().insertMany(Array.from({ length: 120 }, () => event(node)));
    // Batches of 50: the maintenance row sits after two full batches of health rows it must pass.
    const feed = await store.changes('maintenance-only', {
      collections: ['maintenanceEvents'],
      batchSize: 50,
      pollIntervalMs: 50,
    });
    const received: ChangeEvent[] = [];
    for await (const change of feed) {
      received.push(change);
      await feed.ack(change.position);
      if (change.collection === 'maintenanceEvents' && change.document?.eventId === maintenance.eventId) break;
    }
    await feed.close();
    expect(received.every((change) => change.collection === 'maintenanceEvents')).toBe(true);
    expect(received.at(-1)?.document).toMatchObject({ eventId: maintenance.eventId, nodeName: node });
  });

  it('delivers a transaction that commits while an older one is still open at once, and the older one when it commits, once each across a restart', async () => {
    await store.consumers().register('interleaving', { startAt: 'now' });
    const a = new pg.Client({ connectionString: url });
    const b = new pg.Client({ connectionString: url });
    await a.connect();
    await b.connect();
    // Only A and B count: a feed started at 'now' starts at the server-wide visibility horizon,
    // so while another suite's long transaction runs on the same server, events committed just
    // before may come too.
    const ours = (change: ChangeEvent) => {
      const name = change.collection === 'healthEvents' ? change.document!.healthEvent.nodeName : undefined;
      return name === 'node-a' || name === 'node-b' ? name : undefined;
    };
    const readUntil = async (wanted: number) => {
      const feed = await store.changes('interleaving', { pollIntervalMs: 50 });
      const received: string[] = [];
      for await (const change of feed) {
        const name = ours(change);
        if (name) received.push(name);
        await feed.ack(change.position);
        if (received.length === wanted) break;
      }
      await feed.close();
      return received;
    };
    try {
      const insert = (client: pg.Client, node: string) =>
        client.query(
          `INSERT INTO health_events (node_name, document) VALUES ($1::text, jsonb_build_object('healthevent', jsonb_build_object('nodeName', $1::text, 'checkName', 'GpuMemWatch'), 'healtheventstatus', '{}'::jsonb))`,
          [node],
        );
      await a.query('BEGIN');
      await insert(a, 'node-a'); // A: lower transaction id and changelog id, stays open
      await insert(b, 'node-b'); // B: higher ids, commits at once

      // B is delivered while A is still open (commit order), and acknowledged; the reader stops.
      expect(await readUntil(1)).toEqual(['node-b']);
      const stored = (await store.consumers().lag()).find((lag) => lag.consumer === 'interleaving')!;
      // Commit order: the base before A, B noted above it. Id order: B passed, A's id a gap.
      expect(stored.position).toMatch(order === 'commit' ? /^\d+\/\d+\+\d+\/\d+$/ : /^\d+-gaps:\d+$/);

      await a.query('COMMIT');
      // A new reader from the stored position: A, and not B again.
      const restarted = readUntil(1);
      expect(await restarted).toEqual(['node-a']);
      const caughtUp = (await store.consumers().lag()).find((lag) => lag.consumer === 'interleaving')!;
      expect(caughtUp.documentsBehind).toBe(0);
    } finally {
      await a.end();
      await b.end();
    }
  });

  it('a second close() waits for the first, so the consumer can be opened again right after either', async () => {
    await store.consumers().register('close-twice', { startAt: 'now' });
    const feed = await store.changes('close-twice', { pollIntervalMs: 50 });
    const reading = (async () => {
      for await (const change of feed) await feed.ack(change.position);
    })();
    await store.healthEvents().insertMany([event(`close-twice-${Date.now()}`)]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const first = feed.close();
    await feed.close();
    // Opening it again would be refused ("already open") if the first close were still running.
    const again = await store.changes('close-twice');
    await again.close();
    await first;
    await reading;
  });

  it(
    order === 'commit'
      ? 'waits for an open transaction once 64 later ones are delivered ahead of it, then delivers it first'
      : 'delivers every later transaction while an older one is open, and the older one when it commits',
    async () => {
      await store.consumers().register('ahead-limit', { startAt: 'now' });
      const open = new pg.Client({ connectionString: url });
      await open.connect();
      const node = `ahead-${Date.now()}`;
      try {
        await open.query('BEGIN');
        await open.query(
          `INSERT INTO health_events (node_name, document) VALUES ($1::text, jsonb_build_object('healthevent', jsonb_build_object('nodeName', $1::text, 'message', 'old')))`,
          [node],
        );
        for (let i = 0; i < 70; i += 1) await store.healthEvents().insertMany([event(node, { message: `later-${i}` })]);
        const feed = await store.changes('ahead-limit', { collections: ['healthEvents'], pollIntervalMs: 50 });
        const received: string[] = [];
        const reading = (async () => {
          for await (const change of feed) {
            if (change.collection !== 'healthEvents' || change.document?.healthEvent.nodeName !== node) continue;
            received.push(change.document.healthEvent.message);
            await feed.ack(change.position);
            if (received.length === 71) break;
          }
        })();
        if (order === 'commit') {
          // 64 transactions ahead of the open one, then the feed waits for it: it goes on reading the
          // changelog and delivers nothing more (three reads after the 64th, however slow the machine).
          await until('64 later transactions delivered', async () => received.length >= 64);
          let reads = 0;
          const stopCounting = store.observeOperations((sample) => {
            if (sample.operation === 'feed.read') reads += 1;
          });
          try {
            await until('three more reads of the changelog', async () => reads >= 3);
          } finally {
            stopCounting();
          }
          expect(received).toEqual(Array.from({ length: 64 }, (_, i) => `later-${i}`));
          await open.query('COMMIT');
          await reading;
          await feed.close();
          expect(received.slice(64)).toEqual(['old', ...Array.from({ length: 6 }, (_, i) => `later-${64 + i}`)]);
        } else {
          // The open transaction is one gap, however many commit after it.
          await until('70 later transactions delivered', async () => received.length === 70);
          expect(received).toEqual(Array.from({ length: 70 }, (_, i) => `later-${i}`));
          await open.query('COMMIT');
          await reading;
          await feed.close();
          expect(received.at(-1)).toBe('old');
        }
      } finally {
        await open.end();
      }
    },
  );

  it("accepts NVSentinel's own resume token and delivers everything after it", async () => {
    const [first] = await store.healthEvents().insertMany([event('legacy-node', { message: 'before token' })]);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const row = (
      await admin.query(`SELECT id, changed_at FROM datastore_changelog WHERE record_id = $1`, [first.recordId])
    ).rows[0];
    await admin.query(`INSERT INTO resume_tokens (client_name, resume_token) VALUES ('event-exporter', $1)`, [
      JSON.stringify({ eventID: Number(row.id), timestamp: row.changed_at.toISOString() }),
    ]);
    await admin.end();
    await store.healthEvents().insertMany([event('legacy-node', { message: 'after token' })]);
    const changes = await collect(
      store,
      'event-exporter',
      1,
      (c) => c.collection === 'healthEvents' && c.document?.healthEvent.message === 'after token',
    );
    expect(changes.map((c) => (c.collection === 'healthEvents' ? c.document?.healthEvent.message : ''))).toEqual([
      'after token',
    ]);
  });

  it('marks a consumer left behind by retention as position lost, never skips silently', async () => {
    await store.consumers().register('paused-consumer', { startAt: 'now' });
    await store.consumers().register('keeping-up', { startAt: 'now' });
    await store.healthEvents().insertMany([event('retained-node')]);
    await collect(
      store,
      'keeping-up',
      1,
      (c) => c.collection === 'healthEvents' && c.document?.healthEvent.nodeName === 'retained-node',
    );

    // Rows every consumer passed go; rows the paused one needs stay while they are young.
    const gentle = await store.retainChangelog!({ maxAgeMs: 3_600_000 });
    expect(gentle.lostConsumers).toEqual([]);
    const paused = (await store.consumers().lag()).find((l) => l.consumer === 'paused-consumer');
    expect(paused).toMatchObject({ positionKnown: true });
    expect(paused!.documentsBehind).toBeGreaterThanOrEqual(1);

    // Past the age limit they go anyway, and the paused consumer is told. In commit order only rows
    // below the visibility horizon can age out, and the horizon is server-wide: another suite's long
    // transaction (the backfill's) may hold it, so wait until the paused consumer's row is below it.
    if (order === 'commit') {
      await until(
        'the retained row below the visibility horizon',
        async () => {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            const row =
              await client.query(`SELECT bool_and(COALESCE(txid, '0'::xid8) < pg_snapshot_xmin(pg_current_snapshot())) AS below
            FROM datastore_changelog WHERE new_values->>'node_name' = 'retained-node'`);
            return row.rows[0].below === true;
          } finally {
            await client.end();
          }
        },
        60_000,
      );
    }
    const strict = await store.retainChangelog!({ maxAgeMs: 0 });
    expect(strict.lostConsumers).toContain('paused-consumer');
    expect(strict.lostConsumers).not.toContain('keeping-up');
    await expect(store.changes('paused-consumer')).rejects.toMatchObject({ code: 'position-lost' });
    const lag = (await store.consumers().lag()).find((l) => l.consumer === 'paused-consumer');
    expect(lag).toMatchObject({
      positionKnown: false,
      positionLost: { reason: expect.stringContaining('retention removed') },
    });

    await store.consumers().restart('paused-consumer', { startAt: 'now' });
    const feed = await store.changes('paused-consumer');
    await feed.close();
  });

  it('keeps at most one batch in memory for a consumer that does not read (backpressure)', async () => {
    await store.consumers().register('slow-reader', { startAt: 'now' });
    await store.healthEvents().insertMany(Array.from({ length: 300 }, () => event('pressure-node')));
    const feed = await store.changes('slow-reader', { batchSize: 50, collections: ['healthEvents'] });
    const reads = async () => (await store.stats()).operations.find((o) => o.operation === 'feed.read')?.count ?? 0;
    const iterator = feed[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    const afterFirst = await reads();
    // The consumer sits on its first change: the feed reads nothing more while it does.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await reads()).toBe(afterFirst);
    // The rest of the batch (50) comes from memory; only the change after it needs a read.
    for (let i = 1; i < 50; i += 1) await iterator.next();
    expect(await reads()).toBe(afterFirst);
    await iterator.next();
    expect(await reads()).toBeGreaterThan(afterFirst);
    await iterator.return?.();
    await feed.close();
  });
});

export type { ChangeEvent };
