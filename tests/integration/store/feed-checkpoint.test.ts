// Feed checkpoints and the consistent node-state read (issue 18): a projection loaded from
// readNodeState() and fed the changes from its checkpoint holds every change exactly once, also
// when a writer's transaction is open during the read (its insert is not in the read and comes
// through the feed) and when transactions commit out of their start order. The same for a
// checkpoint a feed hands out between changes and a feed opened from it again.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ChangeEvent, ChangeFeed } from '@/lib/store';

import { event } from '../../contract/store-contract';
import { openTestStore, storeForSuite, type TestStore } from '../../support/test-databases';
import { until } from '../../support/until';

/** NVSentinel's platform connector writes one event per transaction; a fatal XID on `node`. */
const insertFatal = (client: pg.Client, node: string) =>
  client.query(
    `INSERT INTO health_events (node_name, document)
     VALUES ($1::text, jsonb_build_object('healthevent', jsonb_build_object('nodeName', $1::text, 'checkName', 'SysLogsXIDError',
       'agent', 'syslog-health-monitor', 'isFatal', true, 'isHealthy', false, 'entitiesImpacted', '[]'::jsonb)))`,
    [node],
  );

/** Reads `feed` in the background; the node names of the inserts it delivered, in order. */
function collect(feed: ChangeFeed) {
  const nodes: string[] = [];
  const reading = (async () => {
    for await (const change of feed as AsyncIterable<ChangeEvent>) {
      if (change.collection === 'healthEvents' && change.operation === 'insert' && change.document)
        nodes.push(change.document.healthEvent.nodeName);
    }
  })();
  return { nodes, stop: async () => (await feed.close(), await reading) };
}

for (const order of ['id', 'commit'] as const) {
  describe(`feed checkpoints, ${order} order`, () => {
    const suite = storeForSuite({ commitOrder: order === 'commit' });
    const connect = () => suite.connect();

    it('readNodeState sees what was committed, and a feed from its checkpoint delivers exactly the rest (a writer open during the read included)', async () => {
      const node = `read-${order}`;
      await suite.store.healthEvents().insertMany([event(node, { isFatal: true }), event(node, { isFatal: true })]);
      // A transaction that started first and is still open during the read; one that commits after it.
      const early = await connect();
      await early.query('BEGIN');
      await insertFatal(early, node);
      const later = await connect();
      await insertFatal(later, `${node}-other`);

      const read = await suite.store.readNodeState({ nodeNames: [node, `${node}-other`] });
      expect(read.fatalCounts.get(node)).toBe(2);
      expect(read.fatalCounts.get(`${node}-other`)).toBe(1);
      expect(read.latestPerNode.map((latest) => latest.healthEvent.nodeName).sort()).toEqual([node, `${node}-other`]);

      await early.query('COMMIT');
      await insertFatal(later, node);
      await suite.store.consumers().register(`from-read-${order}`, { startAt: 'beginning' });
      const feed = collect(
        await suite.store.changes(`from-read-${order}`, {
          collections: ['healthEvents'],
          pollIntervalMs: 20,
          from: read.checkpoint,
        }),
      );
      await until('the two changes after the read', async () => feed.nodes.filter((name) => name === node).length >= 2);
      // The open writer's event and the one after the read; nothing the read already counted.
      expect(feed.nodes.filter((name) => name.startsWith('read-'))).toEqual([node, node]);
      const total = (await suite.store.healthEvents().countByNode({ isFatal: true, nodeNames: [node] })).get(node);
      expect(read.fatalCounts.get(node)! + feed.nodes.length).toBe(total);
      await feed.stop();
    });

    it("a feed's checkpoint taken between changes starts a second feed exactly after them; hasPassed tells which changes a checkpoint saw", async () => {
      const name = `resume-${order}`;
      await suite.store.consumers().register(name, { startAt: 'now' });
      const first = await suite.store.changes(name, { collections: ['healthEvents'], pollIntervalMs: 20 });
      const writer = await connect();
      for (let i = 0; i < 3; i += 1) await insertFatal(writer, `${name}-${i}`);
      const seen: ChangeEvent[] = [];
      let checkpoint = '';
      for await (const change of first as AsyncIterable<ChangeEvent>) {
        if (change.collection !== 'healthEvents' || !change.document?.healthEvent.nodeName.startsWith(name)) continue;
        seen.push(change);
        if (seen.length === 2) {
          checkpoint = first.checkpoint();
          break;
        }
      }
      await first.close();
      await insertFatal(writer, `${name}-3`);

      const second = await suite.store.changes(name, {
        collections: ['healthEvents'],
        pollIntervalMs: 20,
        from: checkpoint,
      });
      const rest = collect(second);
      await until('the changes after the checkpoint', async () => rest.nodes.includes(`${name}-3`));
      expect(rest.nodes.filter((node) => node.startsWith(name))).toEqual([`${name}-2`, `${name}-3`]);
      expect(seen.map((change) => second.hasPassed(checkpoint, change.position))).toEqual([true, true]);
      await rest.stop();
    });

    it('a reader that keeps no position follows a checkpoint without a consumer of its own, and ends with position-lost when retention removed what it had not read', async () => {
      const name = `replica-${order}`;
      const writer = await connect();
      const { checkpoint } = await suite.store.readNodeState({ nodeNames: [] });
      await insertFatal(writer, `${name}-a`);
      // Not registered: a replica following what another process keeps the place of.
      const feed = await suite.store.changes(name, {
        collections: ['healthEvents'],
        pollIntervalMs: 20,
        from: checkpoint,
        durable: false,
      });
      const seen = collect(feed);
      await until('the change after the checkpoint', async () => seen.nodes.includes(`${name}-a`));
      await seen.stop();
      expect(await suite.store.consumers().names()).not.toContain(name);
      await expect(suite.store.changes(name, { durable: false })).rejects.toThrow(
        /from: a feed that keeps no position/,
      );

      // Retention removes rows this reader has not read (it was away): it must not read on past the gap.
      await insertFatal(writer, `${name}-b`);
      // Until the reader's unread change is gone: retention removes only what no transaction open
      // anywhere on the server can still precede (in commit order, the server-wide horizon), and
      // another suite may hold one open for a while (the reliability read's timeout test holds 15 s).
      await until(
        'retention to remove the change the reader has not read',
        async () => {
          await suite.store.retainChangelog!({ maxAgeMs: 0 });
          const { rows } = await writer.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM datastore_changelog WHERE new_values::text LIKE $1`,
            [`%${name}-a%`],
          );
          return rows[0].n === 0;
        },
        45_000,
        200,
      );
      const behind = await suite.store.changes(name, {
        collections: ['healthEvents'],
        pollIntervalMs: 20,
        from: checkpoint,
        durable: false,
      });
      const failure = await (async () => {
        try {
          for await (const change of behind as AsyncIterable<ChangeEvent>) void change;
        } catch (error) {
          return error as Error & { code?: string };
        }
      })();
      expect(failure?.code).toBe('position-lost');
      expect(failure?.message).toMatch(/fell behind changelog retention/);
    });

    it('a checkpoint that is not one, or of the other order, is refused by name when the feed is asked for', async () => {
      const name = `refused-${order}`;
      await suite.store.consumers().register(name, { startAt: 'now' });
      await expect(suite.store.changes(name, { from: 'not json' })).rejects.toThrow(
        /checkpoint.*is not a PostgreSQL feed checkpoint/,
      );
      const other = order === 'id' ? '{"order":"commit","txid":"5","eventID":0}' : '{"order":"id","top":"5"}';
      await expect(suite.store.changes(name, { from: other })).rejects.toThrow(/checkpoint.*was taken in .* order/);
      // Nothing was opened: the consumer's feed can still be asked for.
      const feed = await suite.store.changes(name, { collections: ['healthEvents'] });
      await feed.close();
    });
  });
}

describe('node names, paged', () => {
  let fresh: TestStore;
  beforeAll(async () => {
    fresh = await openTestStore();
  });
  afterAll(async () => {
    await fresh?.close();
  });

  it('lists each node with events once, ascending, a page after another; a bad limit is named', async () => {
    const names = ['gpu-b', 'gpu-a', 'gpu-c', 'gpu-a', 'gpu-d', 'gpu-b'];
    await fresh.store.healthEvents().insertMany(names.map((name) => event(name)));
    const events = fresh.store.healthEvents();
    expect(await events.nodeNames({ limit: 3 })).toEqual(['gpu-a', 'gpu-b', 'gpu-c']);
    expect(await events.nodeNames({ after: 'gpu-c', limit: 3 })).toEqual(['gpu-d']);
    expect(await events.nodeNames({ after: 'gpu-d', limit: 3 })).toEqual([]);
    await expect(events.nodeNames({ limit: 0 })).rejects.toThrow(/limit/);
  });
});
