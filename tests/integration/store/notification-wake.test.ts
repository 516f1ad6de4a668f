// The change feed is woken by NVSentinel's trigger NOTIFY, not by its poll: with the poll set to
// a minute, a change still arrives within two seconds; after the LISTEN connection is cut it says
// so, connects again, and looks at once for what was written while it was away; closing it
// leaves no LISTEN connection behind. (Written to kill the listener's mutants, which the other
// suites only noticed as slowness: the poll covered for them.)
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ChangeEvent, ChangeFeed, DataStore, FeedState } from '@/lib/store';

import { event } from '../../contract/store-contract';
import { openTestStore, type TestStore } from '../../support/test-databases';

const WAKE_MS = 2_000;
const POLL_MS = 60_000;

/** Reads `feed` in the background: node names of inserts, and every state it reported. */
function follow(feed: ChangeFeed, states: FeedState[]) {
  const nodes: string[] = [];
  const reading = (async () => {
    for await (const change of feed as AsyncIterable<ChangeEvent>) {
      if (change.collection === 'healthEvents' && change.document) nodes.push(change.document.healthEvent.nodeName);
      await feed.ack(change.position);
    }
  })();
  return { nodes, states, stop: async () => (await feed.close(), await reading) };
}

/** Polls `check` every 20 ms for at most `ms`; true when it held in time. */
async function within(ms: number, check: () => boolean | Promise<boolean>): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the feed is woken by NOTIFY', () => {
  let fresh: TestStore;
  let store: DataStore;
  let admin: pg.Client;
  const listeners = () =>
    admin
      .query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN nvsentinel_changes'`,
      )
      .then((result) => result.rows.map((row) => row.pid));

  beforeAll(async () => {
    fresh = await openTestStore();
    store = fresh.store;
    admin = new pg.Client({ connectionString: fresh.database.url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await fresh?.close();
  });

  it('delivers a change within two seconds with the poll at a minute, and closing leaves no LISTEN connection', async () => {
    await store.consumers().register('woken', { startAt: 'now' });
    const states: FeedState[] = [];
    const feed = follow(
      await store.changes('woken', {
        collections: ['healthEvents'],
        pollIntervalMs: POLL_MS,
        onStateChange: (state) => states.push(state),
      }),
      states,
    );
    expect(await within(10_000, () => states.includes('live'))).toBe(true);
    expect(await within(5_000, async () => (await listeners()).length === 1)).toBe(true);
    // Past the first look after connecting: only a notification can bring the next change soon.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await store.healthEvents().insertMany([event('woken-1')]);
    expect(await within(WAKE_MS, () => feed.nodes.includes('woken-1'))).toBe(true);
    await store.healthEvents().insertMany([event('woken-2')]);
    expect(await within(WAKE_MS, () => feed.nodes.includes('woken-2'))).toBe(true);
    await feed.stop();
    expect(states.at(-1)).toBe('closed');
    expect(await within(5_000, async () => (await listeners()).length === 0)).toBe(true);
  });

  it('a cut LISTEN connection: reconnecting, then live again, and what was written meanwhile arrives at once', async () => {
    await store.consumers().register('cut', { startAt: 'now' });
    const states: FeedState[] = [];
    const feed = follow(
      await store.changes('cut', {
        collections: ['healthEvents'],
        pollIntervalMs: POLL_MS,
        onStateChange: (state) => states.push(state),
      }),
      states,
    );
    expect(await within(10_000, () => states.includes('live'))).toBe(true);
    expect(await within(5_000, async () => (await listeners()).length === 1)).toBe(true);
    const [pid] = await listeners();
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    expect(await within(5_000, () => states.includes('reconnecting'))).toBe(true);
    // Written while no one listens: no notification will ever come for it.
    await store.healthEvents().insertMany([event('cut-while-away')]);
    expect(await within(10_000, () => states.lastIndexOf('live') > states.indexOf('reconnecting'))).toBe(true);
    expect(await within(WAKE_MS, () => feed.nodes.includes('cut-while-away'))).toBe(true);
    // And it is woken again by the next notification.
    await store.healthEvents().insertMany([event('cut-after')]);
    expect(await within(WAKE_MS, () => feed.nodes.includes('cut-after'))).toBe(true);
    await feed.stop();
  });
});
