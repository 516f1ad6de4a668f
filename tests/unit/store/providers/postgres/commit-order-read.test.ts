// Commit order's read (lib/store/providers/postgres/feed/commit-order.ts) over rows written out by
// hand: which state each delivered change carries (what its ack stores), and when the read says it
// was held back by the limit of noted transactions. The SQL itself runs in the integration suites.
import { describe, expect, it } from 'vitest';

import { commitOrder } from '@/lib/store/providers/postgres/feed/commit-order';
import { ABOVE_LIMIT, type FeedState } from '@/lib/store/providers/postgres/feed/feed-position';
import type { PostgresConnection } from '@/lib/store/providers/postgres/postgres-connection';

const at = (txid: number, id: number) => ({ txid: BigInt(txid), id: BigInt(id) });
const row = (txid: number, id: number, below: boolean, xmin: number) => ({
  id: String(id),
  txid: String(txid),
  below,
  xmin: String(xmin),
  table_name: 'health_events',
  record_id: `r${id}`,
  operation: 'INSERT',
  new_values: null,
  old_values: null,
  changed_at: new Date(0),
  changed_at_text: '1970-01-01T00:00:00.000000Z',
});
/** Operations the reads were timed under (the names /metrics shows). */
const operations: string[] = [];
/** A connection whose one read answers `rows`. */
const answering = (rows: object[]) =>
  ({
    query: async (operation: string) => {
      operations.push(operation);
      return { rows, rowCount: rows.length };
    },
  }) as unknown as PostgresConnection;
const read = (rows: object[], passed: FeedState) =>
  commitOrder.reader()(answering(rows), passed, { tables: ['health_events'], batchSize: 500 });
/** What the read's lateral join answers when nothing is left to read: one row of nulls and the horizon. */
const nothing = (xmin: number) => ({ ...row(0, 0, false, xmin), id: null, txid: null, below: null });

describe('commit order read', () => {
  it('each change below the horizon carries its own position; only the last one also passes the horizon', async () => {
    const batch = await read([row(5, 1, true, 9), row(6, 2, true, 9), row(7, 3, true, 9)], {
      base: at(4, 0),
      above: [],
    });
    expect(batch.rows.map((r) => r.state)).toEqual([
      { base: at(5, 1), above: [] },
      { base: at(6, 2), above: [] },
      { base: at(9, 0), above: [] },
    ]);
    expect(batch.state).toEqual({ base: at(9, 0), above: [] });
    expect(batch.heldBack).toBe(false);
    expect(operations.at(-1)).toBe('feed.read');
  });

  it('a change above the horizon is noted, and with the rows below handed over its state passes the horizon', async () => {
    const batch = await read([row(5, 1, true, 7), row(8, 2, false, 7)], { base: at(4, 0), above: [] });
    expect(batch.rows.map((r) => r.state)).toEqual([
      { base: at(5, 1), above: [] },
      { base: at(7, 0), above: [at(8, 2)] },
    ]);
  });

  it('stops at the transaction that would note more than the limit, and says it was held back', async () => {
    const noted = Array.from({ length: ABOVE_LIMIT - 1 }, (_, i) => at(100 + i, 1));
    const batch = await read([row(500, 1, false, 50), row(501, 2, false, 50)], { base: at(40, 0), above: noted });
    expect(batch.rows.map((r) => r.position)).toEqual(['500/1']);
    expect(batch.heldBack).toBe(true);
    expect(batch.again).toBe(false);
  });

  it('with the limit of noted transactions reached and nothing read: read again at once when passing the horizon made room, else held back', async () => {
    const full = { base: at(40, 0), above: Array.from({ length: ABOVE_LIMIT }, (_, i) => at(100 + i, 1)) };
    const room = await read([nothing(200)], full);
    expect(room).toMatchObject({ rows: [], state: { base: at(200, 0), above: [] }, heldBack: false, again: true });
    const still = await read([nothing(50)], full);
    expect(still).toMatchObject({ rows: [], heldBack: true, again: false });
    expect(still.state.above).toHaveLength(ABOVE_LIMIT);
  });
});
