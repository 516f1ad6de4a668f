// Commit-to-feed latency of the store SDK's PostgreSQL change feed, beside (a) a raw
// LISTEN/NOTIFY round trip on the same server (the floor the goal names), (b) the notification
// NVSentinel's trigger sends for the very same inserts, heard by a raw LISTEN (the earliest any
// reader of the changelog can know: the feed's own cost is the rest) and (c) a reader polling
// every 5 s the way NVSentinel's documentation describes. Each event is its own transaction. Every side is timed
// the same way: from just before the statement that commits is sent (the SDK's encoding of its one
// event, tens of µs, is inside the feed's figure) to the moment the reader holds the change, on one
// clock (performance.now() in this process). Writers have a connection per statement in flight and
// open them before the clock starts, so no figure includes waiting for a pool. Events that never
// arrive are counted and sit above every percentile; a writer that cannot reach the offered rate
// says so, and its baseline runs at the rate it did reach.
import pg from 'pg';

import { openDataStore } from '../../lib/store';
import { CHANGE_CHANNEL } from '../../lib/store/postgres';
import type { BenchDatabase } from './bench-database';
import {
  delivery,
  formatDelivery,
  percentiles,
  rateAchieved,
  type Delivery,
  type Percentiles,
} from './delivery-latency';

/** Statements in flight at most, and so the writers' pool size. */
const IN_FLIGHT = 16;
/** How long to wait after the last send for what has not arrived (then it is missing). */
const DRAIN_MS = 10_000;
/** An event arriving later than this after its send is late (and still in the percentiles). */
export const LATE_AFTER_MS = 1_000;
const POLL_INTERVAL_MS = 5_000;

export interface MeasuredDelivery extends Delivery {
  /** Events a second offered to the writer, and what it reached. */
  rate: number;
  achievedRate: number;
}

export interface LatencyRow {
  feed: MeasuredDelivery;
  /** The same events' trigger NOTIFY (nvsentinel_changes) on a raw listener, from the same send times. */
  insertNotify: Delivery;
  /** The feed as this benchmark timed it before issue 20 (from COMMIT's return, clipped at 0): how much that flattered it. */
  feedFromCommitReturn: Percentiles;
  /** Raw NOTIFY at the rate the feed's writer reached (the offered rate when it reached it). */
  notify: MeasuredDelivery;
}

export interface ChangeDetection {
  rows: LatencyRow[];
  /** Measured once: its latency is its 5 s interval, whatever the rate. */
  poll5s: MeasuredDelivery;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done()` or `ms` passed. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (!done() && performance.now() < end) await sleep(10);
}

/**
 * Calls `send(i)` about `rate` times a second for `seconds` (then stops, sent or not: a writer
 * short of its rate sends fewer), at most IN_FLIGHT at once; returns the rate reached.
 */
export async function paced(rate: number, seconds: number, send: (i: number) => Promise<void>): Promise<number> {
  const total = Math.round(rate * seconds);
  const started = performance.now();
  const end = started + seconds * 1000;
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  for (; sent < total && performance.now() < end; sent += 1) {
    const due = started + (sent * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const task = send(sent).finally(() => inFlight.delete(task));
    inFlight.add(task);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return sent / ((performance.now() - started) / 1000);
}

/** A pool with a connection for every statement in flight, all open (idle ones are kept). */
async function writerPool(url: string): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: IN_FLIGHT, idleTimeoutMillis: 0 });
  await Promise.all(Array.from({ length: IN_FLIGHT }, () => pool.query('SELECT 1')));
  return pool;
}

export async function measureNotify(url: string, rate: number, seconds: number): Promise<MeasuredDelivery> {
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  const pool = await writerPool(url);
  const sentAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  let warmedUp = 0;
  listener.on('notification', (message) => {
    const now = performance.now();
    if (message.payload === 'warm-up') warmedUp += 1;
    else arrivedAt.set(message.payload!, now);
  });
  await listener.query('LISTEN bench_round_trip');
  const notify = (payload: string) => pool.query(`SELECT pg_notify('bench_round_trip', $1)`, [payload]);
  // One round trip end to end before the clock starts, as the feed gets one.
  await notify('warm-up');
  await until(() => warmedUp > 0, DRAIN_MS);
  const achievedRate = await paced(rate, seconds, async (i) => {
    sentAt.set(`n${i}`, performance.now());
    await notify(`n${i}`);
  });
  await until(() => arrivedAt.size >= sentAt.size, DRAIN_MS);
  await listener.end();
  await pool.end();
  return { ...delivery(sentAt, arrivedAt, LATE_AFTER_MS), rate, achievedRate };
}

async function measureFeed(url: string, rate: number, seconds: number): Promise<Omit<LatencyRow, 'notify'>> {
  // The writer is a store of its own (as NVSentinel's monitors are other processes): the reader's
  // acknowledgements do not take the writer's connections.
  const reader = await openDataStore({ provider: 'postgresql', connectionString: url });
  const writer = await openDataStore({ provider: 'postgresql', connectionString: url, poolSize: IN_FLIGHT });
  const consumer = `bench-feed-${rate}`;
  await reader.consumers().register(consumer, { startAt: 'now' });
  const feed = await reader.changes(consumer, { collections: ['healthEvents'], batchSize: 1000 });
  const prefix = `f${rate}-`;
  const sentAt = new Map<string, number>();
  const committedAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  let warmedUp = 0;
  // The trigger's notifications name the changelog id; which event each was is looked up after.
  const notified = new Map<number, number>();
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  listener.on('notification', (message) => {
    const now = performance.now();
    const change = JSON.parse(message.payload!) as { id: number; table: string };
    if (change.table === 'health_events') notified.set(Number(change.id), now);
  });
  await listener.query(`LISTEN ${CHANGE_CHANNEL}`);
  const reading = (async () => {
    for await (const change of feed) {
      const now = performance.now();
      if (change.collection === 'healthEvents' && change.document) {
        const key = change.document.healthEvent.message;
        if (key === 'warm-up') warmedUp += 1;
        else if (key.startsWith(prefix) && !arrivedAt.has(key)) arrivedAt.set(key, now);
      }
      feed.ack(change.position).catch(() => {});
    }
  })();
  const insert = (message: string) =>
    writer.healthEvents().insertMany([
      {
        nodeName: `bench-node-${sentAt.size % 100}`,
        agent: 'gpu-health-monitor',
        checkName: 'GpuThermalWatch',
        message,
      },
    ]);
  // The clock starts once the feed is reading and listening (as the NOTIFY baseline's LISTEN is
  // in place before it sends) and every writer connection is open: warm-up events end to end.
  await Promise.all(Array.from({ length: IN_FLIGHT }, () => insert('warm-up')));
  await until(() => warmedUp >= IN_FLIGHT, DRAIN_MS);
  const achievedRate = await paced(rate, seconds, async (i) => {
    sentAt.set(`${prefix}${i}`, performance.now());
    await insert(`${prefix}${i}`);
    committedAt.set(`${prefix}${i}`, performance.now());
  });
  await until(() => arrivedAt.size >= sentAt.size, DRAIN_MS);
  await feed.close();
  await reading.catch(() => {});
  const notifiedAt = new Map<string, number>();
  const changes = await listener.query<{ id: string; message: string }>(
    `SELECT id, new_values->'document'->'healthevent'->>'message' AS message FROM datastore_changelog WHERE id = ANY($1::bigint[])`,
    [[...notified.keys()]],
  );
  for (const row of changes.rows)
    if (sentAt.has(row.message)) notifiedAt.set(row.message, notified.get(Number(row.id))!);
  await listener.end();
  await reader.close();
  await writer.close();
  const fromCommitReturn = [...arrivedAt].map(([key, arrived]) => Math.max(0, arrived - committedAt.get(key)!));
  return {
    feed: { ...delivery(sentAt, arrivedAt, LATE_AFTER_MS), rate, achievedRate },
    insertNotify: delivery(sentAt, notifiedAt, LATE_AFTER_MS),
    feedFromCommitReturn: percentiles(fromCommitReturn),
  };
}

/**
 * A reader that pages the changelog every 5 s by (changed_at, id), as NVSentinel's docs describe
 * (the cursor keeps PostgreSQL's microseconds, as a Go reader's time.Time does). It passes over a
 * row whose transaction commits after a later one was read: such a row is missing.
 */
async function measurePoll(url: string, rate: number, seconds: number): Promise<MeasuredDelivery> {
  const writer = await writerPool(url);
  const reader = new pg.Client({ connectionString: url });
  await reader.connect();
  const start = await reader.query(`SELECT COALESCE(max(id), 0) AS id, now()::text AS at FROM datastore_changelog`);
  let cursor = { at: start.rows[0].at as string, id: Number(start.rows[0].id) };
  const sentAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  /** When the writer stopped; from then on, poll until everything arrived, a poll finds nothing new, or DRAIN_MS. */
  let writtenAt = Infinity;
  const polling = (async () => {
    while (arrivedAt.size < sentAt.size || writtenAt === Infinity) {
      await sleep(POLL_INTERVAL_MS);
      const rows = await reader.query(
        `SELECT id, changed_at::text AS changed_at, new_values->'document'->'healthevent'->>'message' AS message FROM datastore_changelog
         WHERE changed_at > $1::timestamptz OR (changed_at = $1::timestamptz AND id > $2) ORDER BY changed_at, id LIMIT 100000`,
        [cursor.at, cursor.id],
      );
      const now = performance.now();
      for (const row of rows.rows) {
        if (sentAt.has(row.message) && !arrivedAt.has(row.message)) arrivedAt.set(row.message, now);
        cursor = { at: row.changed_at, id: Number(row.id) };
      }
      if (rows.rowCount === 0 && writtenAt < Infinity) break;
      if (now > writtenAt + DRAIN_MS) break;
    }
  })();
  const achievedRate = await paced(rate, seconds, async (i) => {
    sentAt.set(`p${i}`, performance.now());
    await writer.query(
      `INSERT INTO health_events (node_name, document) VALUES ('poll-node', jsonb_build_object('healthevent', jsonb_build_object('message', $1::text)))`,
      [`p${i}`],
    );
  });
  writtenAt = performance.now();
  await polling;
  await reader.end();
  await writer.end();
  return { ...delivery(sentAt, arrivedAt, POLL_INTERVAL_MS + LATE_AFTER_MS), rate, achievedRate };
}

export async function changeDetection(database: BenchDatabase, options: { quick: boolean }): Promise<ChangeDetection> {
  const seconds = options.quick ? 2 : 10;
  const rows: LatencyRow[] = [];
  for (const rate of [100, 1_000, 5_000]) {
    const { feed, insertNotify, feedFromCommitReturn } = await measureFeed(database.url, rate, seconds);
    // A writer short of its rate is compared with the floor at the rate it reached, not at another.
    const notify = await measureNotify(
      database.url,
      rateAchieved(rate, feed.achievedRate) ? rate : Math.round(feed.achievedRate),
      seconds,
    );
    rows.push({ feed, insertNotify, feedFromCommitReturn, notify });
    console.log(
      `  ${rate}/s offered, ${Math.round(feed.achievedRate)}/s written: feed ${formatDelivery(feed)} ms (late ${feed.late}, missing ${feed.missing}); the inserts' own NOTIFY ${formatDelivery(insertNotify)} ms; raw NOTIFY at ${notify.rate}/s ${formatDelivery(notify)} ms (missing ${notify.missing}); the feed timed the old way, from COMMIT's return: ${formatDelivery(feedFromCommitReturn)} ms`,
    );
  }
  const poll5s = await measurePoll(database.url, 100, seconds);
  return { rows, poll5s };
}
