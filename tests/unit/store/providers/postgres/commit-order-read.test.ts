// Commit order's read (lib/store/providers/postgres/feed/commit-order.ts) over rows written out by
// hand: which state each delivered change carries (what its ack stores), and when the read says it
// was held back by the limit of noted transactions. The SQL itself runs in the integration suites.
// Its other members over answers written out the same way: the head, tokens and checkpoints, lag,
// and changelog retention (what each asks, under which name /metrics shows, and what it makes of
// the answer).
import { describe, expect, it } from 'vitest';

import { StoreError, ValidationError } from '@/lib/store';
import { commitOrder } from '@/lib/store/providers/postgres/feed/commit-order';
import { ABOVE_LIMIT, START_STATE, type FeedState } from '@/lib/store/providers/postgres/feed/feed-position';
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
const read = (rows: object[], passed: FeedState, batchSize = 500) =>
  commitOrder.reader()(answering(rows), passed, { tables: ['health_events'], batchSize });
/** What the read's lateral join answers when nothing is left to read: one row of nulls and the horizon. */
const nothing = (xmin: number) => ({ ...row(0, 0, false, xmin), id: null, txid: null, below: null });
/** One answer of a stand-in connection: its rows, and a rowCount (the number of rows unless given). */
type Answer = { rows?: object[]; rowCount?: number | null };
/**
 * A connection that answers its queries in turn and records each one (its operation, SQL text and
 * parameters); a query past the last answer fails, so a read that should not ask anything, or a
 * loop that should stop, shows.
 */
const recording = (...answers: Answer[]) => {
  const calls: { operation: string; text: string; params: unknown[] | undefined }[] = [];
  const connection = {
    query: async (operation: string, sql: string | { text: string }, params?: unknown[]) => {
      operations.push(operation);
      calls.push({ operation, text: typeof sql === 'string' ? sql : sql.text, params });
      const answer = answers[calls.length - 1];
      if (answer === undefined) throw new Error(`unexpected query ${calls.length} (${operation})`);
      const rows = answer.rows ?? [];
      return { rows, rowCount: answer.rowCount === undefined ? rows.length : answer.rowCount };
    },
  } as unknown as PostgresConnection;
  return { connection, calls };
};
const state = (base: ReturnType<typeof at>, above: ReturnType<typeof at>[] = []): FeedState => ({ base, above });

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

  it('a batch cut by its size passes no horizon: the last change and the read stop at the last row', async () => {
    const batch = await read([row(5, 1, true, 9), row(6, 2, true, 9)], state(at(4, 0)), 2);
    expect(batch.rows.map((r) => r.state)).toEqual([state(at(5, 1)), state(at(6, 2))]);
    expect(batch).toMatchObject({ state: state(at(6, 2)), heldBack: false, again: false });
  });
});

describe('commit order head', () => {
  it('is the newest row below the horizon, under feed.head; the beginning when there is none', async () => {
    const { connection, calls } = recording({ rows: [{ txid: '7', id: '42', changed_at: 'X' }] }, { rows: [] });
    expect(await commitOrder.head(connection)).toEqual({ state: state(at(7, 42)), changedAt: 'X' });
    expect(await commitOrder.head(connection)).toEqual({ state: START_STATE, changedAt: null });
    expect(calls.map((call) => call.operation)).toEqual(['feed.head', 'feed.head']);
    expect(calls[0].text).toMatch(
      /FROM datastore_changelog c\s+WHERE .* < pg_snapshot_xmin\(pg_current_snapshot\(\)\)/,
    );
    expect(calls[0].text).toMatch(/ORDER BY .* DESC, c\.id DESC LIMIT 1$/);
  });

  it("in a snapshot: the base is the snapshot's horizon and the transactions it saw committed above it are noted", async () => {
    const { connection, calls } = recording({
      rows: [
        {
          xmin: '100',
          above: [
            { txid: '105', id: '7' },
            { txid: '110', id: '9' },
          ],
          changed_at: 'X',
        },
      ],
    });
    expect(await commitOrder.snapshotHead(connection)).toEqual({
      state: state(at(100, 0), [at(105, 7), at(110, 9)]),
      changedAt: 'X',
    });
    expect(calls.map((call) => call.operation)).toEqual(['feed.head']);
    expect(calls[0].text).toMatch(/pg_snapshot_xmin\(pg_current_snapshot\(\)\)/);
    expect(calls[0].text).toMatch(/json_agg/);
  });

  it('in a snapshot that saw more committed transactions above its horizon than a state may note: busy, read again later', async () => {
    const seen = (n: number) => ({
      rows: [
        {
          xmin: '100',
          above: Array.from({ length: n }, (_, i) => ({ txid: String(101 + i), id: '1' })),
          changed_at: 'X',
        },
      ],
    });
    const over = recording(seen(ABOVE_LIMIT + 1), seen(ABOVE_LIMIT + 1)).connection;
    await expect(commitOrder.snapshotHead(over)).rejects.toThrow(StoreError);
    await expect(commitOrder.snapshotHead(over)).rejects.toMatchObject({
      code: 'busy',
      message: expect.stringMatching(/^65 transactions committed while an older one is still open \(at most 64 /),
    });
    const full = await commitOrder.snapshotHead(recording(seen(ABOVE_LIMIT)).connection);
    expect(full.state.base).toEqual(at(100, 0));
    expect(full.state.above).toHaveLength(ABOVE_LIMIT);
    expect(full.state.above.at(-1)).toEqual(at(100 + ABOVE_LIMIT, 1));
  });
});

describe("commit order's tokens and checkpoints", () => {
  it('a token without an eventID starts at the beginning, without asking the database', async () => {
    const { connection, calls } = recording();
    for (const token of [{}, { timestamp: '2026-12-07T10:00:00.000001Z' }, { txid: '7' }])
      expect(await commitOrder.fromToken(connection, token), JSON.stringify(token)).toEqual(START_STATE);
    expect(calls).toEqual([]);
  });

  it("its own token (txid and eventID) and id order's (top) are read without asking the database", async () => {
    const { connection, calls } = recording();
    const own = { timestamp: '2026-12-07T10:00:00.000001Z', eventID: 42, txid: '7', above: '9/3' };
    expect(await commitOrder.fromToken(connection, own)).toEqual(state(at(7, 42), [at(9, 3)]));
    expect(await commitOrder.fromToken(connection, { eventID: 42, top: '42' })).toEqual(state(at(0, 42)));
    expect(calls).toEqual([]);
  });

  it('reads back the state its own checkpoint was written from', () => {
    const kept = state(at(7, 42), [at(9, 3)]);
    const token = commitOrder.toToken(kept, '2026-12-07T10:00:00.000001Z');
    expect(commitOrder.ownTokenState(token)).toEqual(kept);
    expect(commitOrder.ownTokenState({ txid: '7', eventID: '42' })).toEqual(state(at(7, 42)));
    expect(commitOrder.kind).toBe('commit');
  });

  it('refuses a checkpoint without a txid or an eventID, naming the checkpoint', () => {
    for (const [token, missing] of [
      [{ eventID: 42, top: '42' }, 'txid'],
      [{ txid: '7' }, 'eventID'],
      [{}, 'txid'],
    ] as const) {
      const refused = (() => {
        try {
          commitOrder.ownTokenState(token);
        } catch (error) {
          return error;
        }
      })();
      expect(refused, JSON.stringify(token)).toBeInstanceOf(ValidationError);
      expect(refused).toMatchObject({
        field: 'checkpoint',
        message: `checkpoint: is not a checkpoint of this feed (commit order: no "${missing}")`,
      });
    }
  });

  it('compares positions by transaction, then id, as numbers', () => {
    expect(commitOrder.compare('9/5', '10/1')).toBe(-1);
    expect(commitOrder.compare('10/1', '9/5')).toBe(1);
    expect(commitOrder.compare('10/2', '10/10')).toBe(-1);
    expect(commitOrder.compare('10/10', '10/10')).toBe(0);
  });
});

describe("commit order's lag", () => {
  const lag = (n: number, lastId: string | null, maxId: string | null) => ({
    rows: [{ n: String(n), last_id: lastId, max_id: maxId, first_at: new Date(0) }],
  });

  it('with no transaction noted above the base, asks without the noted-transactions test (2 parameters)', async () => {
    const { connection, calls } = recording(lag(3, '45', '45'));
    expect(await commitOrder.behind(connection, state(at(7, 42)), 100)).toEqual({
      count: 3,
      firstAt: new Date(0),
      estimated: false,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0].operation).toBe('consumers.lag');
    expect(calls[0].params).toEqual(['7', '42']);
    expect(calls[0].text).not.toMatch(/unnest/);
    expect(calls[0].text).toMatch(/> \(\$1::text::xid8, \$2::bigint\)\s+ORDER BY .* LIMIT 101\)/);
  });

  it('with transactions noted above the base, leaves their rows out (4 parameters)', async () => {
    const { connection, calls } = recording(lag(3, '45', '45'));
    await commitOrder.behind(connection, state(at(7, 42), [at(9, 3), at(11, 8)]), 100);
    expect(calls[0].operation).toBe('consumers.lag');
    expect(calls[0].params).toEqual(['7', '42', ['9', '11'], ['3', '8']]);
    expect(calls[0].text).toMatch(/AND NOT EXISTS \(SELECT 1 FROM unnest\(\$3::text\[\]::xid8\[\], \$4::bigint\[\]\)/);
    expect(calls[0].text).toMatch(/LIMIT 101\)/);
  });

  it('counts up to the cap exactly; past it, estimates the rest from the ids above the last one counted', async () => {
    const behind = async (answer: Answer) => commitOrder.behind(recording(answer).connection, state(at(7, 42)), 100);
    expect(await behind(lag(0, null, '45'))).toEqual({ count: 0, firstAt: new Date(0), estimated: false });
    expect(await behind(lag(100, '900', '5000'))).toEqual({ count: 100, firstAt: new Date(0), estimated: false });
    expect(await behind(lag(101, '900', '5000'))).toEqual({ count: 4201, firstAt: new Date(0), estimated: true });
    expect(await behind(lag(101, '900', '900'))).toEqual({ count: 101, firstAt: new Date(0), estimated: true });
  });
});

describe("commit order's retention", () => {
  it('finds the newest row older than the cutoff below the horizon, under retention.aged', async () => {
    const cutoff = new Date('2026-12-07T10:00:00Z');
    const { connection, calls } = recording({ rows: [{ txid: '9', id: '3' }] }, { rows: [] });
    expect(await commitOrder.agedThrough(connection, cutoff)).toBe('9/3');
    expect(await commitOrder.agedThrough(connection, cutoff)).toBeUndefined();
    expect(calls.map((call) => call.operation)).toEqual(['retention.aged', 'retention.aged']);
    expect(calls[0].params).toEqual([cutoff]);
    expect(calls[0].text).toMatch(/WHERE changed_at < \$1 AND .* < pg_snapshot_xmin\(pg_current_snapshot\(\)\)/);
  });

  it('removes up to the slowest consumer: the lowest base by transaction, then id, whatever the order of the states', () => {
    const states = [
      state(at(500, 1)),
      state(at(90, 7), [at(95, 1)]),
      state(at(100, 1)),
      state(at(90, 3), [at(91, 2)]),
      state(at(120, 0)),
    ];
    expect(commitOrder.slowest(states)).toBe('90/3');
    expect(commitOrder.slowest([...states].reverse())).toBe('90/3');
    expect(commitOrder.slowest([state(at(10, 1)), state(at(9, 5))])).toBe('9/5');
    expect(commitOrder.slowest([state(at(10, 1))])).toBe('10/1');
    expect(commitOrder.slowest([])).toBeUndefined();
  });

  it('a consumer has unread rows through a position when one row between its base and it is not passed', async () => {
    const { connection, calls } = recording({ rowCount: 1 }, { rowCount: 0 }, { rowCount: null });
    const behind = state(at(5, 0), [at(8, 2)]);
    expect(await commitOrder.unreadThrough(connection, behind, '10/4')).toBe(true);
    expect(await commitOrder.unreadThrough(connection, behind, '10/4')).toBe(false);
    expect(await commitOrder.unreadThrough(connection, behind, '10/4')).toBe(false);
    expect(calls.map((call) => call.operation)).toEqual(['retention.aged', 'retention.aged', 'retention.aged']);
    expect(calls[0].params).toEqual(['5', '0', '10', '4', ['8'], ['2']]);
    expect(calls[0].text).toMatch(/AND NOT EXISTS \(SELECT 1 FROM unnest\(\$5::text\[\]::xid8\[\], \$6::bigint\[\]\)/);
  });

  it('a consumer whose base is at or after the position has nothing unread there, without asking the database', async () => {
    const { connection, calls } = recording();
    expect(await commitOrder.unreadThrough(connection, state(at(10, 4)), '10/4')).toBe(false);
    expect(await commitOrder.unreadThrough(connection, state(at(10, 5)), '10/4')).toBe(false);
    expect(await commitOrder.unreadThrough(connection, state(at(11, 0), [at(12, 1)]), '10/4')).toBe(false);
    expect(calls).toEqual([]);
  });

  it('deletes in batches of 5000 until one removes fewer, and says how many rows it removed in all', async () => {
    const { connection, calls } = recording({ rowCount: 5000 }, { rowCount: 5000 }, { rowCount: 12 });
    expect(await commitOrder.removeThrough(connection, '10/4')).toBe(10012);
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(call.operation).toBe('retention.delete');
      expect(call.params).toEqual(['10', '4']);
      expect(call.text).toMatch(/<= \(\$1::text::xid8, \$2::bigint\) LIMIT 5000\)$/);
    }
    expect(await commitOrder.removeThrough(recording({ rowCount: 0 }).connection, '10/4')).toBe(0);
    expect(await commitOrder.removeThrough(recording({ rowCount: 5000 }, { rowCount: 0 }).connection, '10/4')).toBe(
      5000,
    );
    expect(await commitOrder.removeThrough(recording({ rowCount: null }).connection, '10/4')).toBe(0);
  });
});
