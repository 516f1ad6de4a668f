// Scenario 2: a consumer process SIGKILLed and restarted every N delivered changes while four
// writers insert: the set of delivered events equals the set inserted, each run starts after the
// position stored when the previous one was killed (nothing acknowledged comes again), and each
// node's events arrive in order within a run.
// Full: 1,000,000 events, a kill every 50,000 delivered. Quick: 100,000, a kill every 10,000.
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import type { StoredToken } from '@/lib/store/providers/postgres/feed/changelog-order';
import { commitOrder } from '@/lib/store/providers/postgres/feed/commit-order';
import { stateFromToken } from '@/lib/store/providers/postgres/feed/feed-position';
import { idOrder, parseGaps } from '@/lib/store/providers/postgres/feed/id-order';

import { event } from '../contract/store-contract';
import { runFeedConsumer } from '../support/feed-consumer';
import { dmlOnlyRole, openTestStore } from '../support/test-databases';
import { bySize } from './fault-mode';

const total = bySize(100_000, 1_000_000);
const killEvery = bySize(10_000, 50_000);
const writers = 4;
const nodesPerWriter = 25;
/** The consumer process reads batches of 200; a kill can lose at most the unacknowledged tail. */
const consumerBatch = 200;

/** The killed consumer's stored token (the console database is the test database). */
async function storedToken(url: string): Promise<StoredToken> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(`SELECT resume_token FROM console_consumers WHERE client_name = 'killed-consumer'`))
      .rows[0].resume_token;
  } finally {
    await client.end();
  }
}

/** Whether a consumer whose stored token is `token` has passed `position`, in the feed's order. */
function passedBy(order: 'id' | 'commit', token: StoredToken, position: string): boolean {
  if (order === 'commit')
    return commitOrder.hasPassed(stateFromToken({ ...token, txid: token.txid!, eventID: token.eventID! }), position);
  const top = BigInt(token.top!);
  return idOrder.hasPassed({ top, gaps: parseGaps(token.gaps, top) }, position);
}

// Both ways the feed walks the changelog: id order (NVSentinel's schema as it is), commit order (the opt-in column).
describe.each(['id', 'commit'] as const)('consumer process killed and restarted mid-stream, %s order', (order) => {
  it(
    `${total.toLocaleString('en')} events from ${writers} writers, consumer SIGKILLed every ${killEvery.toLocaleString('en')} delivered: delivered set equals inserted set`,
    async () => {
      const { store, database, close } = await openTestStore(undefined, { commitOrder: order === 'commit' });
      await store.consumers().register('killed-consumer', { startAt: 'now' });
      // The consumer process runs as a role with DML rights only, as on NVSentinel's own database.
      const consumerUrl = await dmlOnlyRole(database.url);
      try {
        // Event i: written by writer ⌊i / perWriter⌋ in sequence, on one of that writer's nodes;
        // its message is i, so a node's events carry increasing numbers.
        const perWriter = total / writers;
        let written = 0;
        const writing = Array.from({ length: writers }, async (_, w) => {
          for (let start = 0; start < perWriter; start += 500) {
            const batch = Array.from({ length: Math.min(500, perWriter - start) }, (_, offset) => {
              const j = start + offset;
              return event(`w${w}-node-${j % nodesPerWriter}`, { message: String(w * perWriter + j) });
            });
            await store.healthEvents().insertMany(batch);
            written += batch.length;
          }
        });
        const writersDone = Promise.all(writing);

        const deliveredTimes = new Uint8Array(total);
        let distinct = 0;
        let deliveries = 0;
        let strangers = 0;
        let redeliveredAfterAck = 0;
        let outOfOrder = 0;
        let kills = 0;
        let after: StoredToken | undefined;
        const storedAfter: string[] = [];
        const lastDeliveries: string[][] = [];
        const deliveredByTransaction = new Map<string, { first: bigint; last: bigint; n: number; runs: Set<number> }>();
        const started = Date.now();
        for (let run = 0; distinct < total; run += 1) {
          expect(run, 'runs needed to deliver everything').toBeLessThan((total / killEvery) * 2 + 5);
          let inRun = 0;
          const runPositions: string[] = [];
          lastDeliveries.push(runPositions);
          const lastOfNode = new Map<string, number>();
          const exit = await runFeedConsumer(
            consumerUrl,
            'killed-consumer',
            ({ position, node, message }) => {
              deliveries += 1;
              inRun += 1;
              if (process.env.FAULTS_DEBUG && order === 'commit') {
                if (runPositions.length < 6) runPositions.push(`${position}=${message}`);
                const [txid, id] = position.split('/');
                const entry = deliveredByTransaction.get(txid) ?? {
                  first: BigInt(id),
                  last: BigInt(id),
                  n: 0,
                  runs: new Set<number>(),
                };
                entry.first = BigInt(id) < entry.first ? BigInt(id) : entry.first;
                entry.last = BigInt(id) > entry.last ? BigInt(id) : entry.last;
                entry.n += 1;
                entry.runs.add(run);
                deliveredByTransaction.set(txid, entry);
              }
              const index = Number(message);
              if (!Number.isInteger(index) || index < 0 || index >= total) {
                strangers += 1;
                return;
              }
              if (deliveredTimes[index] === 0) distinct += 1;
              deliveredTimes[index] = Math.min(255, deliveredTimes[index] + 1);
              if (after && passedBy(order, after, position)) redeliveredAfterAck += 1;
              if (index <= (lastOfNode.get(node) ?? -1)) outOfOrder += 1;
              lastOfNode.set(node, index);
            },
            () => inRun >= killEvery || distinct >= total,
          );
          if (!exit.killed) {
            // Say what never came, so a failure here can be traced to its transaction.
            const missing: number[] = [];
            deliveredTimes.forEach((times, index) => {
              if (times === 0) missing.push(index);
            });
            const stored = (await store.consumers().lag()).find((lag) => lag.consumer === 'killed-consumer');
            console.log(
              `[faults] run ${run} ended by itself after ${inRun} deliveries; ${missing.length} never delivered, first ${missing.slice(0, 20).join(', ')}; stored position ${stored?.position}, documents behind ${stored?.documentsBehind}`,
            );
            if (process.env.FAULTS_DEBUG && order === 'commit') {
              const pgClient = new (await import('pg')).default.Client({ connectionString: database.url });
              await pgClient.connect();
              const groups = await pgClient.query(
                `SELECT txid::text, min(id)::text AS first, max(id)::text AS last, count(*)::int AS n FROM datastore_changelog
              WHERE (new_values->'document'->'healthevent'->>'message')::int = ANY($1::int[]) GROUP BY txid ORDER BY txid`,
                [missing.slice(0, 5000)],
              );
              console.log('[faults] missing rows by transaction', JSON.stringify(groups.rows));
              for (const group of groups.rows) {
                const around = await pgClient.query(
                  `SELECT txid::text, count(*)::int AS n, min(id)::text AS first, max(id)::text AS last FROM datastore_changelog
                WHERE txid = $1::text::xid8 GROUP BY txid`,
                  [group.txid],
                );
                const seen = deliveredByTransaction.get(group.txid);
                console.log(
                  '[faults] whole transaction',
                  JSON.stringify(around.rows),
                  'delivered of it',
                  seen ? `${seen.first}-${seen.last} (${seen.n}) in runs ${[...seen.runs].join(',')}` : 'none',
                );
              }
              console.log('[faults] stored positions after each run', JSON.stringify(storedAfter));
              console.log('[faults] last deliveries per run', JSON.stringify(lastDeliveries));
              await pgClient.end();
            }
          }
          expect(exit, `run ${run} ended by itself`).toMatchObject({ killed: true, idle: false });
          if (distinct < total) kills += 1;
          // What the killed process had stored: the next run must start after it.
          const stored = (await store.consumers().lag()).find((lag) => lag.consumer === 'killed-consumer')!.position!;
          after = await storedToken(database.url);
          storedAfter.push(stored);
        }
        await writersDone;
        const seconds = (Date.now() - started) / 1000;
        const duplicates = deliveries - distinct;
        console.log(
          `[faults] ${total} events, ${kills} kills, ${deliveries} deliveries (${duplicates} again after a kill), ${seconds.toFixed(1)} s`,
        );

        expect(written).toBe(total);
        expect(distinct).toBe(total);
        expect(deliveredTimes.every((times) => times > 0)).toBe(true);
        expect(strangers).toBe(0);
        expect(redeliveredAfterAck).toBe(0);
        expect(outOfOrder).toBe(0);
        expect(kills).toBeGreaterThanOrEqual(Math.floor(total / killEvery) - 1);
        // Only the unacknowledged tail comes again: at most a batch or two per kill.
        expect(duplicates).toBeLessThanOrEqual(kills * 2 * consumerBatch);
      } finally {
        await close();
      }
    },
    bySize(300_000, 1_800_000),
  );
});
