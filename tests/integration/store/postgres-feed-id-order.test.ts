// The change feed in id order (NVSentinel's schema as it is, no column of ours): interleavings in
// which a transaction's id order and its changelog ids disagree, many single-row writers at once,
// starting "now" while a writer is open, and a switch to commit order when a DBA adds the column.
// Written after a review found gaps dropped while their transaction still ran (a snapshot's xmax is
// the last completed transaction + 1: a running one above it is in no in-progress list).
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import type { ChangeEvent, DataStore } from '@/lib/store';
import { applyCommitOrderMigration } from '@/lib/store/providers/postgres/schema/nvsentinel-schema';

import { storeForSuite } from '../../support/test-databases';
import { until } from '../../support/until';

const insert = (client: pg.Client, node: string) =>
  client.query(
    `INSERT INTO health_events (node_name, document) VALUES ($1::text, jsonb_build_object('healthevent', jsonb_build_object('nodeName', $1::text)))`,
    [node],
  );

/** Reads `consumer`'s feed in the background, acknowledging each change; the nodes it delivered, in order. */
async function followFeed(store: DataStore, consumer: string) {
  const feed = await store.changes(consumer, { collections: ['healthEvents'], pollIntervalMs: 20 });
  const nodes: string[] = [];
  const reading = (async () => {
    for await (const change of feed as AsyncIterable<ChangeEvent>) {
      if (change.collection === 'healthEvents' && change.document) nodes.push(change.document.healthEvent.nodeName);
      await feed.ack(change.position);
    }
  })();
  return {
    nodes,
    close: async () => {
      await feed.close();
      await reading;
    },
  };
}

describe('PostgreSQL change feed in id order', () => {
  const suite = storeForSuite();
  const connect = () => suite.connect();
  const follow = (consumer: string) => followFeed(suite.store, consumer);

  for (const variant of ['explicit transactions', 'one statement of two rows'] as const) {
    it(`delivers a row whose transaction took its id after another's but drew the lower changelog id (${variant})`, async () => {
      const consumer = `xid-order-${variant.replace(/\W/g, '-')}`;
      await suite.store.consumers().register(consumer, { startAt: 'now' });
      const reader = await follow(consumer);
      const [early, late] = [await connect(), await connect()];
      try {
        if (variant === 'explicit transactions') {
          await early.query('BEGIN');
          await early.query(`INSERT INTO resume_tokens (client_name, resume_token) VALUES ($1, '{}')`, [
            `xid-${consumer}`,
          ]); // early takes its transaction id first
          await late.query('BEGIN');
          await insert(late, `${consumer}-late`); // lower changelog id, higher transaction id, stays open
          await insert(early, `${consumer}-early`);
          await early.query('COMMIT');
        } else {
          // One autocommit statement: its transaction id is taken at its first row, the change-log
          // rows (AFTER ROW triggers) are written at its end, after the other transaction drew its id.
          const statement = early.query(
            `INSERT INTO health_events (node_name, document)
            SELECT $1::text || g, jsonb_build_object('healthevent', jsonb_build_object('nodeName', $1::text || g))
            FROM generate_series(1, 2) g, LATERAL (SELECT pg_sleep(CASE WHEN g = 2 THEN 0.5 ELSE 0 END)) pause`,
            [`${consumer}-early-`],
          );
          await new Promise((resolve) => setTimeout(resolve, 150));
          await late.query('BEGIN');
          await insert(late, `${consumer}-late`);
          await statement;
        }
        await until('the committed rows delivered', async () =>
          reader.nodes.some((node) => node.startsWith(`${consumer}-early`)),
        );
        // Several reads while the late one is still open: its gap must stay.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await late.query('COMMIT');
        await until('the late commit delivered', async () => reader.nodes.includes(`${consumer}-late`));
      } finally {
        await reader.close();
      }
    });
  }

  it('8 writers of single-row autocommit inserts at once: every committed row delivered, each once', async () => {
    await suite.store.consumers().register('many-writers', { startAt: 'now' });
    const reader = await follow('many-writers');
    const writers = await Promise.all(Array.from({ length: 8 }, () => connect()));
    const perWriter = 400;
    await Promise.all(
      writers.map(async (client, w) => {
        for (let i = 0; i < perWriter; i += 1) await insert(client, `writer-${w}-${i}`);
      }),
    );
    await until(
      'every row delivered',
      async () => reader.nodes.filter((node) => node.startsWith('writer-')).length >= 8 * perWriter,
      60_000,
    );
    await reader.close();
    const ours = reader.nodes.filter((node) => node.startsWith('writer-'));
    expect(new Set(ours).size).toBe(8 * perWriter);
    expect(ours.length).toBe(8 * perWriter);
  });

  it('a consumer starting "now" while a writer holds a lower id gets that row when it commits', async () => {
    const open = await connect();
    await open.query('BEGIN');
    await insert(open, 'open-at-registration');
    await insert(await connect(), 'committed-before-registration');
    await suite.store.consumers().register('started-now', { startAt: 'now' });
    const reader = await follow('started-now');
    try {
      await open.query('COMMIT');
      await until('the row open at registration delivered', async () => reader.nodes.includes('open-at-registration'));
      expect(reader.nodes).not.toContain('committed-before-registration');
    } finally {
      await reader.close();
    }
  });

  it("refuses to register a console consumer under the name of one of NVSentinel's own", async () => {
    const client = await connect();
    await client.query(
      `INSERT INTO resume_tokens (client_name, resume_token) VALUES ('health-events-analyzer', '{"timestamp": "2026-12-06T10:00:00Z", "eventID": 1}')`,
    );
    await expect(suite.store.consumers().register('health-events-analyzer')).rejects.toThrow(
      /is one of NVSentinel's own/,
    );
    const token = await client.query(
      `SELECT resume_token FROM resume_tokens WHERE client_name = 'health-events-analyzer'`,
    );
    expect(token.rows[0].resume_token).toEqual({ timestamp: '2026-12-06T10:00:00Z', eventID: 1 });
  });

  // Last: it adds the column, and the feed reads in commit order from then on.
  it('when a DBA adds the commit-order column, a consumer goes on from its id-order position without acknowledged rows again', async () => {
    await suite.store.consumers().register('switching', { startAt: 'now' });
    const writer = await connect();
    const before = await follow('switching');
    for (const node of ['switch-1', 'switch-2', 'switch-3']) await insert(writer, node);
    await until(
      'three rows before the switch',
      async () => before.nodes.filter((node) => node.startsWith('switch-')).length === 3,
    );
    await before.close();
    await applyCommitOrderMigration(writer);
    // A store opened after the column exists reads in commit order.
    const { openDataStore } = await import('@/lib/store');
    const after = await openDataStore({ provider: 'postgresql', connectionString: suite.url });
    try {
      const feed = await after.changes('switching', { collections: ['healthEvents'], pollIntervalMs: 20 });
      await insert(writer, 'switch-4');
      const seen: string[] = [];
      for await (const change of feed as AsyncIterable<ChangeEvent>) {
        if (change.collection === 'healthEvents' && change.document) seen.push(change.document.healthEvent.nodeName);
        await feed.ack(change.position);
        if (seen.includes('switch-4')) break;
      }
      await feed.close();
      expect(seen.filter((node) => node.startsWith('switch-'))).toEqual(['switch-4']);
    } finally {
      await after.close();
    }
  });
});

// Retention and lag in id order while a consumer's position holds a gap (an id drawn by a
// transaction still open when the consumer read past it): the rows it has not read stay, its lag
// counts the gap's row once it commits, and nothing is marked lost that was never removed.
describe('PostgreSQL changelog retention and lag in id order, with a gap in a position', () => {
  const suite = storeForSuite();
  const connect = () => suite.connect();
  /** The changelog rows of a node's events. */
  const changelogRows = async (node: string) => {
    const client = await connect();
    const rows = await client.query(`SELECT id FROM datastore_changelog WHERE new_values->>'node_name' = $1`, [node]);
    return rows.rowCount ?? 0;
  };
  const lagOf = async (consumer: string) =>
    (await suite.store.consumers().lag()).find((figures) => figures.consumer === consumer)!;

  it('keeps the gap row through retention, counts it behind once committed, delivers it, then lets it go', async () => {
    await suite.store.consumers().register('gap-reader', { startAt: 'now' });
    const reader = await followFeed(suite.store, 'gap-reader');
    const open = await connect();
    try {
      await open.query('BEGIN');
      await insert(open, 'gap-held'); // draws the lower id and stays open
      await insert(await connect(), 'gap-after'); // the higher id, committed
      await until('the committed row delivered past the open one', async () => reader.nodes.includes('gap-after'));
      await until(
        'its position acknowledged, nothing behind',
        async () => (await lagOf('gap-reader')).documentsBehind === 0,
      );

      // Everything older than now may go: the open row is not visible, so it is not removed, and the
      // reader is not lost for it (it has read all that is there).
      const strict = await suite.store.retainChangelog!({ maxAgeMs: 0 });
      expect(strict.lostConsumers).toEqual([]);
      expect(await changelogRows('gap-after')).toBe(0);

      await open.query('COMMIT');
      // Its row is below what retention removed, in the reader's gap: behind by one, then delivered.
      const behind = await until('the committed gap row counted behind or already delivered', async () => {
        const lag = await lagOf('gap-reader');
        return lag.documentsBehind === 1 || reader.nodes.includes('gap-held') ? lag : undefined;
      });
      expect(behind.positionKnown).toBe(true);
      expect(behind.positionLost).toBeNull();
      await until('the gap row delivered', async () => reader.nodes.includes('gap-held'));
      expect(reader.nodes.filter((node) => node.startsWith('gap-'))).toEqual(['gap-after', 'gap-held']);
      await until('the gap row acknowledged', async () => (await lagOf('gap-reader')).documentsBehind === 0);

      // Read now: the gentlest retention removes it, as every row every consumer has passed.
      expect(await changelogRows('gap-held')).toBe(1);
      const gentle = await suite.store.retainChangelog!({ maxAgeMs: 3_600_000 });
      expect(gentle.lostConsumers).toEqual([]);
      expect(gentle.removedRows).toBeGreaterThanOrEqual(1);
      expect(await changelogRows('gap-held')).toBe(0);
    } finally {
      await reader.close();
    }
  });

  it('a consumer that has not read a committed gap row is told its position is lost when the row ages out, never skipped', async () => {
    await suite.store.consumers().register('gap-sleeper', { startAt: 'now' });
    const reader = await followFeed(suite.store, 'gap-sleeper');
    const open = await connect();
    await open.query('BEGIN');
    await insert(open, 'sleeper-held');
    await insert(await connect(), 'sleeper-after');
    await until('the committed row delivered past the open one', async () => reader.nodes.includes('sleeper-after'));
    await until('its position acknowledged', async () => (await lagOf('gap-sleeper')).documentsBehind === 0);
    await reader.close(); // it stops reading with the gap in its position
    await open.query('COMMIT');
    await until('the gap row counted behind', async () => (await lagOf('gap-sleeper')).documentsBehind === 1);

    // Kept while it is young...
    expect((await suite.store.retainChangelog!({ maxAgeMs: 3_600_000 })).lostConsumers).toEqual([]);
    expect(await changelogRows('sleeper-held')).toBe(1);
    // ...removed once it is old, and the consumer that had not read it is told.
    const strict = await suite.store.retainChangelog!({ maxAgeMs: 0 });
    // (gap-reader, which stopped reading in the test before, has not read these rows either.)
    expect(strict.lostConsumers).toEqual(['gap-reader', 'gap-sleeper']);
    expect(await changelogRows('sleeper-held')).toBe(0);
    await expect(suite.store.changes('gap-sleeper')).rejects.toMatchObject({ code: 'position-lost' });
  });
});
