// Commit-to-feed latency of the store SDK's PostgreSQL change feed, beside (a) a raw
// LISTEN/NOTIFY round trip on the same server (the floor) and (b) a reader polling every 5 s the
// way NVSentinel's documentation describes. Each event is its own transaction; latency runs
// from the moment the writer's COMMIT returned to the moment the consumer holds the change.
import pg from 'pg';

import { openDataStore } from '../../lib/store';
import { percentiles, type BenchDatabase } from './bench-database';

export interface LatencyRow {
  rate: number;
  achievedRate: number;
  feed: ReturnType<typeof percentiles>;
  notify: ReturnType<typeof percentiles>;
  poll5s: ReturnType<typeof percentiles>;
}

/** Calls `send(i)` about `rate` times a second for `seconds`, with bounded concurrency. */
export async function paced(rate: number, seconds: number, send: (i: number) => Promise<void>): Promise<number> {
  const total = Math.round(rate * seconds);
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const task = send(i).finally(() => inFlight.delete(task));
    inFlight.add(task);
    if (inFlight.size >= 16) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return total / ((performance.now() - started) / 1000);
}

export async function measureNotify(url: string, rate: number, seconds: number) {
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  listener.on('notification', (message) => {
    const at = sentAt.get(Number(message.payload));
    if (at !== undefined) latencies.push(performance.now() - at);
  });
  await listener.query('LISTEN bench_round_trip');
  await paced(rate, seconds, async (i) => {
    sentAt.set(i, performance.now());
    await pool.query(`SELECT pg_notify('bench_round_trip', $1)`, [String(i)]);
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await listener.end();
  await pool.end();
  return percentiles(latencies);
}

async function measureFeed(url: string, rate: number, seconds: number) {
  const store = await openDataStore({ provider: 'postgresql', connectionString: url, poolSize: 12 });
  const consumer = `bench-feed-${rate}`;
  await store.consumers().register(consumer, { startAt: 'now' });
  const feed = await store.changes(consumer, { collections: ['healthEvents'], batchSize: 1000 });
  const committedAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  const latencies: number[] = [];
  const total = Math.round(rate * seconds);
  const settle = (key: string) => {
    const commit = committedAt.get(key);
    const arrival = arrivedAt.get(key);
    if (commit !== undefined && arrival !== undefined) latencies.push(Math.max(0, arrival - commit));
  };
  let warmedUp!: () => void;
  const warm = new Promise<void>((resolve) => {
    warmedUp = resolve;
  });
  const reading = (async () => {
    for await (const change of feed) {
      if (change.collection === 'healthEvents' && change.document) {
        const key = change.document.healthEvent.message;
        if (key === 'warm-up') warmedUp();
        else {
          arrivedAt.set(key, performance.now());
          settle(key);
        }
      }
      feed.ack(change.position).catch(() => {});
      if (arrivedAt.size >= total) break;
    }
  })();
  // The clock starts once the feed is reading and listening (as the NOTIFY baseline's LISTEN is
  // in place before it sends): one change delivered end to end first.
  await store.healthEvents().insertMany([{ nodeName: 'bench-node-warm-up', agent: 'gpu-health-monitor', checkName: 'GpuThermalWatch', message: 'warm-up' }]);
  await warm;
  const achievedRate = await paced(rate, seconds, async (i) => {
    const key = `b${i}`;
    await store.healthEvents().insertMany([{ nodeName: `bench-node-${i % 100}`, agent: 'gpu-health-monitor', checkName: 'GpuThermalWatch', message: key }]);
    committedAt.set(key, performance.now());
    settle(key);
  });
  await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  await feed.close();
  await store.close();
  return { latencies: percentiles(latencies), achievedRate };
}

/** A reader that pages the changelog every 5 s by (changed_at, id), as NVSentinel's docs describe. */
async function measurePoll(url: string, rate: number, seconds: number) {
  const writer = new pg.Pool({ connectionString: url, max: 8 });
  const reader = new pg.Client({ connectionString: url });
  await reader.connect();
  const start = await reader.query(`SELECT COALESCE(max(id), 0) AS id, now() AS at FROM datastore_changelog`);
  let cursor = { at: start.rows[0].at as Date, id: Number(start.rows[0].id) };
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let stop = false;
  const polling = (async () => {
    while (!stop || latencies.length < sentAt.size) {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const rows = await reader.query(
        `SELECT id, changed_at, new_values->'document'->'healthevent'->>'message' AS message FROM datastore_changelog
         WHERE changed_at > $1 OR (changed_at = $1 AND id > $2) ORDER BY changed_at, id LIMIT 100000`,
        [cursor.at, cursor.id],
      );
      const now = performance.now();
      for (const row of rows.rows) {
        const at = sentAt.get(row.message);
        if (at !== undefined) latencies.push(now - at);
        cursor = { at: row.changed_at, id: Number(row.id) };
      }
      if (stop && rows.rowCount === 0) break;
    }
  })();
  await paced(Math.min(rate, 200), Math.min(seconds, 6), async (i) => {
    await writer.query(
      `INSERT INTO health_events (node_name, document) VALUES ('poll-node', jsonb_build_object('healthevent', jsonb_build_object('message', $1::text)))`,
      [`p${i}`],
    );
    sentAt.set(`p${i}`, performance.now());
  });
  stop = true;
  await polling;
  await reader.end();
  await writer.end();
  return percentiles(latencies);
}

export async function changeDetection(database: BenchDatabase, options: { quick: boolean }): Promise<LatencyRow[]> {
  const seconds = options.quick ? 2 : 10;
  const rows: LatencyRow[] = [];
  const poll = await measurePoll(database.url, 100, seconds);
  for (const rate of [100, 1_000, 5_000]) {
    const notify = await measureNotify(database.url, rate, seconds);
    const feed = await measureFeed(database.url, rate, seconds);
    rows.push({ rate, achievedRate: Math.round(feed.achievedRate), feed: feed.latencies, notify, poll5s: poll });
  }
  return rows;
}
