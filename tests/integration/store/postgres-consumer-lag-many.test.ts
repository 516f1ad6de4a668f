// Issue 18: lag() reads every consumer's figures at once, counts each consumer's rows behind only up
// to DOCUMENTS_BEHIND_CAP (an estimate past it, flagged) and finds NVSentinel's "late" rows (an id
// drawn before its token's eventID by a transaction that started after its token's time) without
// reading the whole changelog each time. Twelve consumers at mixed positions, in both changelog
// orders; each one's figures are checked against what it would actually read: its own feed for
// the console's consumers, NVSentinel's reader (its (changed_at, id) pages) for tokens in its format.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openDataStore, type ConsumerLagFigures, type DataStore } from '@/lib/store';
import { DOCUMENTS_BEHIND_CAP } from '@/lib/store/providers/postgres/feed/postgres-consumer-registry';

import { collect, event } from '../../contract/store-contract';
import { xidFatalDocument } from '../../fixtures/nvsentinel/documents';
import { changeStreamPage, platformConnectorInsert, saveResumeToken } from '../../fixtures/nvsentinel/writers';
import { openTestStore, testServers, withClient, type TestStore } from '../../support/test-databases';
import { until } from '../../support/until';

const EPOCH = '1970-01-01T00:00:00.000000Z';

/**
 * What NVSentinel's reader has left from a token: how many changes, the oldest one's time, and how
 * many of them are "late" (an id at or below the token's eventID: lag() counts those apart from the
 * rows above it, each part up to the cap, so its figure is an estimate only when a part passes it).
 */
async function nvsentinelLeft(client: pg.Client, cursor: { timestamp: string; eventId: number }) {
  const eventId = cursor.eventId;
  let left = 0;
  let late = 0;
  let oldest: Date | null = null;
  for (;;) {
    const page = await changeStreamPage(client, 'health_events', cursor);
    if (page.length === 0) return { left, oldest, late };
    left += page.length;
    late += page.filter((row) => Number(row.id) <= eventId).length;
    for (const row of page) if (!oldest || row.changed_at < oldest) oldest = row.changed_at;
    const last = page[page.length - 1];
    cursor = { timestamp: last.changed_at_text, eventId: Number(last.id) };
  }
}

/**
 * A transaction begun on its own connection, once the server's clock has passed its start: a
 * transaction begun after it has a later changed_at, whichever draws its changelog id first.
 */
async function begunEarlier(url: string, watcher: pg.Client): Promise<pg.Client> {
  const early = new pg.Client({ connectionString: url });
  await early.connect();
  await early.query('BEGIN');
  await early.query('SELECT 1'); // its changed_at is this transaction's start
  const pid = (await early.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  await until(
    "the server's clock past the early transaction's start",
    async () =>
      (
        await watcher.query<{ after: boolean }>(
          `SELECT clock_timestamp() > (SELECT xact_start FROM pg_stat_activity WHERE pid = $1) + interval '1 millisecond' AS after`,
          [pid],
        )
      ).rows[0].after,
    5_000,
    1,
  );
  return early;
}

/** The changelog row of the health event of `node` (its id and changed_at as NVSentinel's token keeps it). */
async function changelogRowOf(client: pg.Client, node: string) {
  return (
    await client.query<{ id: string; changed_at_text: string }>(
      `SELECT id::text, to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS changed_at_text
       FROM datastore_changelog WHERE new_values->>'node_name' = $1`,
      [node],
    )
  ).rows[0];
}

/** What a console consumer's own feed delivers before the marker change: how many and the oldest one's time. */
async function feedLeft(store: DataStore, consumer: string, marker: string) {
  const feed = await store.changes(consumer, { pollIntervalMs: 200, batchSize: 500 });
  let left = 0;
  let oldest: Date | null = null;
  try {
    for await (const change of feed) {
      if (change.collection === 'healthEvents' && change.document?.healthEvent.nodeName === marker) break;
      left += 1;
      if (!oldest || change.committedAt < oldest) oldest = change.committedAt;
    }
  } finally {
    await feed.close();
  }
  return { left, oldest };
}

/**
 * `estimated`: whether the figure went past the cap (by default when more than the cap are left;
 * NVSentinel's rows above and below its eventID are counted apart, each up to the cap).
 */
function expectFigures(
  figures: ConsumerLagFigures | undefined,
  truth: { left: number; oldest: Date | null; late?: number },
  estimated = truth.late === undefined
    ? truth.left > DOCUMENTS_BEHIND_CAP
    : truth.left - truth.late > DOCUMENTS_BEHIND_CAP || truth.late > DOCUMENTS_BEHIND_CAP,
) {
  expect(figures, 'the consumer is listed').toBeDefined();
  const label = `${figures!.consumer}: ${JSON.stringify(figures)}`;
  expect(figures!.positionKnown, label).toBe(true);
  // No id of this changelog was rolled back or removed: past the cap the estimate is the count.
  expect(figures!.documentsBehind, label).toBe(truth.left);
  expect(figures!.documentsBehindEstimated, label).toBe(estimated);
  expect(figures!.documentsBehindCapped, label).toBe(false);
  const lag = truth.left === 0 ? 0 : (figures!.headTime!.getTime() - truth.oldest!.getTime()) / 1000;
  expect(figures!.lagSeconds, label).toBeCloseTo(Math.max(0, lag), 3);
}

describe.each([
  { order: 'id', commitOrder: false },
  { order: 'commit', commitOrder: true },
])('lag of twelve consumers at mixed positions ($order order)', ({ commitOrder }) => {
  let fresh: TestStore;
  let store: DataStore;
  /** NVSentinel: its writers and its reader. */
  let nvsentinel: pg.Client;
  const insert = (prefix: string, count: number) =>
    store.healthEvents().insertMany(Array.from({ length: count }, (_, index) => event(`${prefix}-${index}`)));

  beforeAll(async () => {
    fresh = await openTestStore(testServers()[0], { commitOrder });
    store = fresh.store;
    nvsentinel = new pg.Client({ connectionString: fresh.database.url });
    await nvsentinel.connect();
  });
  afterAll(async () => {
    await nvsentinel?.end();
    await fresh?.close();
  });

  it("gives each consumer its own figures: the changes its reader has left, estimated past the cap, lost as lost, NVSentinel's late rows included", async () => {
    const consumers = store.consumers();
    await consumers.register('from-beginning', { startAt: 'beginning' });
    await consumers.register('read-five', { startAt: 'beginning' });
    await consumers.register('read-batch-a', { startAt: 'beginning' });
    await consumers.register('lost', { startAt: 'beginning' });
    await insert('a', 20);
    await collect(store, 'read-five', 5);
    await collect(store, 'read-batch-a', 20);
    await consumers.register('twin-in-resume-tokens', { startAt: 'now', positionStore: 'nvsentinel' });
    // Retention removed changes "lost" had not read: it is marked, as retention marks it.
    await withClient(fresh.database.url, (client) =>
      client.query(
        `UPDATE console_consumers SET position_lost_at = NOW(), position_lost_reason = 'changelog retention removed changes older than 2026-01-01T00:00:00.000Z that it had not read' WHERE client_name = 'lost'`,
      ),
    );
    // A reading before the late rows, so the store knows which ids were drawn by then.
    expect((await consumers.lag()).length).toBe(5);

    // A late row: "late-u" starts after "late-e" but draws its changelog id first. NVSentinel's
    // reader, in (changed_at, id) order, reads late-e first; its token after late-e sits above
    // late-u's id while late-u is still unread.
    const early = await begunEarlier(fresh.database.url, nvsentinel); // late-e's transaction
    try {
      await platformConnectorInsert(nvsentinel, xidFatalDocument('late-u'));
      await platformConnectorInsert(early, xidFatalDocument('late-e'));
      await early.query('COMMIT');
    } finally {
      await early.end();
    }
    const lateE = await changelogRowOf(nvsentinel, 'late-e');
    const lateU = (
      await nvsentinel.query<{ id: string; later: boolean }>(
        `SELECT u.id::text, u.changed_at > e.changed_at AS later FROM datastore_changelog u, datastore_changelog e
         WHERE u.new_values->>'node_name' = 'late-u' AND e.new_values->>'node_name' = 'late-e'`,
      )
    ).rows[0];
    expect(BigInt(lateU.id) < BigInt(lateE.id) && lateU.later, 'late-u: a lower id, a later time').toBe(true);
    await saveResumeToken(nvsentinel, 'node-drainer', { timestamp: lateE.changed_at_text, eventId: Number(lateE.id) });
    await consumers.register('after-late', { startAt: 'now' });

    await insert('b', 10);
    await consumers.register('after-b', { startAt: 'now' });
    await consumers.register('legacy-twin', { startAt: 'now', positionStore: 'nvsentinel-legacy' });
    await saveResumeToken(nvsentinel, 'fault-quarantine', { timestamp: EPOCH, eventId: 0 });
    const headB = (
      await nvsentinel.query<{ id: string; changed_at_text: string }>(
        `SELECT id::text, to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS changed_at_text
         FROM datastore_changelog ORDER BY id DESC LIMIT 1`,
      )
    ).rows[0];
    await saveResumeToken(nvsentinel, 'janitor', { timestamp: headB.changed_at_text, eventId: Number(headB.id) });
    // Past the cap for the consumers that started before batch B, exactly at it for after-late.
    await insert('c', DOCUMENTS_BEHIND_CAP - 10);
    await consumers.register('caught-up', { startAt: 'now' });

    // Three readings of this store (the late search then final), and the first reading of a new
    // one (its tokens all older than anything it read: the late rows searched in full).
    const readings = [await consumers.lag(), await consumers.lag(), await consumers.lag()];
    const another = await openDataStore({ provider: 'postgresql', connectionString: fresh.database.url });
    try {
      readings.push(await another.consumers().lag(), await another.consumers().lag());
    } finally {
      await another.close();
    }

    const truth = new Map<string, { left: number; oldest: Date | null; late?: number }>();
    for (const name of ['node-drainer', 'fault-quarantine', 'janitor', 'legacy-twin']) {
      const token = (
        await nvsentinel.query<{ resume_token: { timestamp: string; eventID: number } }>(
          'SELECT resume_token FROM resume_tokens WHERE client_name = $1',
          [name],
        )
      ).rows[0].resume_token;
      truth.set(name, await nvsentinelLeft(nvsentinel, { timestamp: token.timestamp, eventId: Number(token.eventID) }));
    }
    // NVSentinel's reader has late-u left below node-drainer's eventID.
    expect(truth.get('node-drainer')!.left).toBe(1 + 10 + DOCUMENTS_BEHIND_CAP - 10);
    const marker = `marker-${Date.now()}`;
    await insert(marker, 1);
    for (const name of [
      'from-beginning',
      'read-five',
      'read-batch-a',
      'twin-in-resume-tokens',
      'after-late',
      'after-b',
      'caught-up',
    ])
      truth.set(name, await feedLeft(store, name, `${marker}-0`));
    expect(truth.get('from-beginning')!.left).toBeGreaterThan(DOCUMENTS_BEHIND_CAP);
    // In id order a consumer started "now" has passed exactly what was written; in commit order it
    // starts at the server-wide horizon, which another suite's open transaction may hold back.
    if (!commitOrder) expect(truth.get('after-late')!.left).toBe(DOCUMENTS_BEHIND_CAP);

    for (const [index, figures] of readings.entries()) {
      const byName = new Map(figures.map((entry) => [entry.consumer, entry]));
      // Listed by name, whichever table a consumer's position is in.
      expect([...byName.keys()], `reading ${index}`).toEqual([...truth.keys(), 'lost'].sort());
      // NVSentinel's consumers: the position is the token's time and eventID, as its reader resumes.
      expect(byName.get('janitor')).toMatchObject({
        position: `${headB.changed_at_text}/${headB.id}`,
        positionTime: new Date(headB.changed_at_text),
      });
      expect(byName.get('fault-quarantine')!.positionTime, 'a token at the epoch has no position time').toBeNull();
      // Acknowledged and seen: read-five's feed stored a position and beat while it ran.
      expect(byName.get('read-five')!.lastAckAt).toBeInstanceOf(Date);
      expect(byName.get('read-five')!.lastSeenAt).toBeInstanceOf(Date);
      // node-drainer: late-u below its eventID and exactly the cap above it, both counted row by row.
      for (const [name, expected] of truth)
        expectFigures(byName.get(name), expected, name === 'node-drainer' ? false : undefined);
      expect(byName.get('lost')).toMatchObject({
        positionKnown: false,
        documentsBehind: null,
        lagSeconds: null,
        positionLost: { reason: expect.stringContaining('retention removed') },
      });
    }
  });

  // The late row's transaction below or above the token row's in transaction ids: above, it is
  // running past the snapshot's xmax (the last completed id + 1), in no in-progress list.
  it.each([
    { variant: "the late row's transaction id below the token row's", takesIdFirst: false },
    { variant: "the late row's transaction id above the token row's", takesIdFirst: true },
  ])(
    "counts a late row whose transaction was still open at its token's first reading, in every reading after it commits ($variant)",
    async ({ takesIdFirst }) => {
      const consumers = store.consumers();
      await consumers.lag(); // the store knows which ids were drawn by now
      const early = await begunEarlier(fresh.database.url, nvsentinel); // open-e's transaction
      if (takesIdFirst) await early.query('SELECT pg_current_xact_id()');
      const suffix = takesIdFirst ? '-above' : '';
      const open = new pg.Client({ connectionString: fresh.database.url });
      await open.connect();
      let token: { timestamp: string; eventId: number };
      try {
        // open-u starts after open-e and draws its id first, but stays open past the first reading.
        await open.query('BEGIN');
        await platformConnectorInsert(open, xidFatalDocument(`open-u${suffix}`));
        await platformConnectorInsert(early, xidFatalDocument(`open-e${suffix}`));
        await early.query('COMMIT');
        const openE = await changelogRowOf(nvsentinel, `open-e${suffix}`);
        token = { timestamp: openE.changed_at_text, eventId: Number(openE.id) };
        await saveResumeToken(nvsentinel, `open-reader${suffix}`, token);
        const first = (await consumers.lag()).find((entry) => entry.consumer === `open-reader${suffix}`);
        expectFigures(first, await nvsentinelLeft(nvsentinel, token)); // open-u invisible to its reader too
        await open.query('COMMIT');
      } finally {
        await early.end();
        await open.end();
      }
      // Every transaction in progress at the first reading has ended once the server's horizon
      // reaches what is running now (another suite may hold it back a while).
      const now = (
        await nvsentinel.query<{ xmax: string }>(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`)
      ).rows[0].xmax;
      await until(
        "the server's horizon past every transaction of the first reading",
        async () =>
          BigInt(
            (await nvsentinel.query<{ xmin: string }>(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`))
              .rows[0].xmin,
          ) >= BigInt(now),
        60_000,
      );
      const truth = await nvsentinelLeft(nvsentinel, token);
      expect(truth.late, 'open-u is late: below the token, after its time').toBe(1);
      for (let reading = 0; reading < 3; reading += 1)
        expectFigures(
          (await consumers.lag()).find((entry) => entry.consumer === `open-reader${suffix}`),
          truth,
        );
    },
  );

  it("estimates the late rows past the cap as the ids drawn below the token's own row", async () => {
    const consumers = store.consumers();
    const early = await begunEarlier(fresh.database.url, nvsentinel); // many-e's transaction
    try {
      // More late rows than the cap: one transaction that starts after many-e's and commits first.
      await insert('many-late', DOCUMENTS_BEHIND_CAP + 5);
      await platformConnectorInsert(early, xidFatalDocument('many-e'));
      await early.query('COMMIT');
    } finally {
      await early.end();
    }
    const manyE = await changelogRowOf(nvsentinel, 'many-e');
    const token = { timestamp: manyE.changed_at_text, eventId: Number(manyE.id) };
    await saveResumeToken(nvsentinel, 'many-reader', token);
    const late = await nvsentinelLeft(nvsentinel, token);
    expect(late).toMatchObject({ left: DOCUMENTS_BEHIND_CAP + 5, late: DOCUMENTS_BEHIND_CAP + 5 });
    expectFigures(
      (await consumers.lag()).find((entry) => entry.consumer === 'many-reader'),
      late,
    );
    // Both parts past the cap: above the token too.
    await insert('many-above', DOCUMENTS_BEHIND_CAP + 5);
    const both = await nvsentinelLeft(nvsentinel, token);
    expect(both.left).toBe(2 * (DOCUMENTS_BEHIND_CAP + 5));
    expectFigures(
      (await consumers.lag()).find((entry) => entry.consumer === 'many-reader'),
      both,
    );
  });
});
