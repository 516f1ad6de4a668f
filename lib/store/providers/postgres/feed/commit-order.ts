// Commit order: the changelog walked in (txid, id) order, on a database where a DBA applied the
// opt-in column `txid` (schema/opt-in/sentinel-console-0001). The state and its rules are in
// feed-position.ts; docs/decisions.md, "Commit order without waiting for the horizon".
import { StoreError } from '../../../errors/store-error';
import { ValidationError } from '../../../errors/validation-error';
import type { PostgresConnection } from '../postgres-connection';
import type { ChangelogOrder, ChangelogRow, FeedRead, ReadContext, StoredToken } from './changelog-order';
import { changedAtText, NVSENTINEL_UNREAD, nvsentinelCursorTime } from './changelog-order';
import {
  aboveArrays,
  ABOVE_LIMIT,
  advance,
  COMMIT_ORDER,
  comparePositions,
  encodePosition,
  encodeState,
  hasPassed,
  parsePosition,
  passedAbove,
  passHorizon,
  START_STATE,
  stateFromToken,
  tokenFor,
  type FeedState,
} from './feed-position';

type Row = ChangelogRow & { txid: string; below: boolean; xmin: string };

async function fromToken(connection: PostgresConnection, token: StoredToken): Promise<FeedState> {
  if (token.txid !== undefined && token.eventID !== undefined)
    return stateFromToken({ ...token, txid: token.txid, eventID: token.eventID });
  if (token.eventID === undefined) return START_STATE;
  // A token of id order (a DBA added the column since): every id up to its floor is passed, and
  // rows written before the column sort as transaction 0, so the base is (0, floor).
  if (token.top !== undefined) return { base: { txid: 0n, id: BigInt(token.eventID) }, above: [] };
  // NVSentinel's token (or one of id order): start at the oldest transaction that wrote a row its
  // reader has not read, or at the horizon when there is none (a transaction still open may yet
  // write one): nothing unread is passed, a few changes may come again.
  const { timestamp, eventId } = await nvsentinelCursorTime(connection, token);
  const result = await connection.query<{ txid: string }>(
    'consumers.loadPosition',
    `SELECT LEAST((SELECT min(${COMMIT_ORDER}) FROM datastore_changelog WHERE ${NVSENTINEL_UNREAD}),
                  pg_snapshot_xmin(pg_current_snapshot()))::text AS txid`,
    [timestamp, eventId],
  );
  return { base: { txid: BigInt(result.rows[0].txid), id: 0n }, above: [] };
}

/** The next batch: rows below the horizon, then committed transactions above it while fewer than ABOVE_LIMIT are noted. */
async function readBatch(
  reader: PostgresConnection,
  passed: FeedState,
  context: ReadContext,
): Promise<FeedRead<FeedState>> {
  const { base } = passed;
  // With ABOVE_LIMIT transactions noted, only rows below the horizon can be delivered: ask for
  // nothing else (under a long transaction the rows above it would come back on every look).
  // Two statements, not a flag: as a parameter the bound would be a filter in a generic plan.
  const full = passed.above.length >= ABOVE_LIMIT;
  // The inner query walks the commit-order index from the base and stops after a batch; the
  // table filter stays outside it on purpose: inside, the planner may combine the
  // (table_name, record_id) index with a bitmap AND and sort every row of the table on every read.
  // Rows of tables this feed does not follow come back without their values, only to move past
  // them. A named statement is planned once per connection. (A transaction cut by the batch limit
  // is walked again from the base by the next read: quadratic in the rare transaction of many
  // batches committed above the horizon.)
  const result = await reader.query<Row>(
    'feed.read',
    {
      // prettier-ignore
      // Stryker disable next-line StringLiteral: equivalent in every answer: an empty name makes an unnamed statement, planned on each read instead of once per connection; the rows are the same
      name: full ? 'feed.read.below-horizon' : 'feed.read',
      text: `WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
       SELECT c.id::text AS id, c.commit_order::text AS txid, c.table_name, c.record_id, c.operation,
              CASE WHEN c.table_name = ANY($3::text[]) THEN c.new_values END AS new_values,
              CASE WHEN c.table_name = ANY($3::text[]) THEN c.old_values END AS old_values, c.changed_at,
              ${changedAtText('c.changed_at')} AS changed_at_text,
              c.commit_order < horizon.xmin AS below, horizon.xmin::text AS xmin
       FROM horizon LEFT JOIN LATERAL (
             SELECT changelog.*, ${COMMIT_ORDER} AS commit_order
             FROM datastore_changelog changelog
             WHERE (${COMMIT_ORDER}, changelog.id) > ($1::text::xid8, $2::bigint)
               AND NOT ${passedAbove('$5', '$6')}
               ${full ? `AND ${COMMIT_ORDER} < horizon.xmin` : ''}
             ORDER BY ${COMMIT_ORDER}, changelog.id
             LIMIT $4) c ON true
       ORDER BY c.commit_order, c.id`,
    },
    [base.txid.toString(), base.id.toString(), context.tables, context.batchSize, ...aboveArrays(passed)],
  );
  // The lateral join keeps one row (its columns null) when there is nothing to read, so the
  // read's horizon always comes back, taken in the same snapshot as the rows.
  // prettier-ignore
  // Stryker disable next-line OptionalChaining: equivalent: the lateral join always answers at least one row (its columns null when nothing is left)
  const horizonText = result.rows[0]?.xmin;
  const horizon = horizonText ? BigInt(horizonText) : undefined;
  let rows = result.rows.filter((row) => row.id !== null);
  let cut = false;
  // Rows below the horizon come first (ascending txid). Every one not yet passed is here unless
  // the batch limit cut them: then the state cannot pass the horizon yet.
  const complete = rows.length < context.batchSize || (rows.length > 0 && !rows[rows.length - 1].below);
  const horizonPassed = complete ? horizon : undefined;
  if (rows.length > 0) {
    // Above it, stop at the first transaction that would make the noted ones more than ABOVE_LIMIT.
    const noted = new Set(passed.above.map((entry) => entry.txid.toString()));
    for (let i = 0; i < rows.length; i += 1) {
      const row = rows[i];
      if (row.below || noted.has(row.txid)) continue;
      if (noted.size >= ABOVE_LIMIT) {
        rows = rows.slice(0, i);
        cut = true;
        break;
      }
      noted.add(row.txid);
    }
  }
  let state = passed;
  const out: FeedRead<FeedState>['rows'] = [];
  for (const [index, row] of rows.entries()) {
    const position = { txid: BigInt(row.txid), id: BigInt(row.id) };
    state = advance(state, position, row.below);
    // Once the rows below the horizon are handed over, the state passes the horizon; the change
    // that carries it stores it when acknowledged.
    if (horizonPassed !== undefined && (!row.below || index === rows.length - 1))
      state = passHorizon(state, horizonPassed);
    out.push({ row, position: encodePosition(position), state });
  }
  // Nothing (more) below the horizon: every transaction below it is passed.
  if (horizonPassed !== undefined) state = passHorizon(state, horizonPassed);
  if (out.length > 0) return { rows: out, state, heldBack: cut, again: false };
  // An empty read of a full state asked only below the horizon; if passing it made room above
  // it, read again at once. Still full: wait for the open transaction (heldBack).
  const stillFull = state.above.length >= ABOVE_LIMIT;
  return { rows: out, state, heldBack: full && stillFull, again: full && !stillFull };
}

export const commitOrder: ChangelogOrder<FeedState> = {
  kind: 'commit',
  beginning: START_STATE,

  async head(connection) {
    const result = await connection.query<{ txid: string; id: string; changed_at: string }>(
      'feed.head',
      `SELECT ${COMMIT_ORDER}::text AS txid, id::text AS id, ${changedAtText()} AS changed_at FROM datastore_changelog c
       WHERE ${COMMIT_ORDER} < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY ${COMMIT_ORDER} DESC, c.id DESC LIMIT 1`,
    );
    const row = result.rows[0];
    return row
      ? { state: { base: { txid: BigInt(row.txid), id: BigInt(row.id) }, above: [] }, changedAt: row.changed_at }
      : { state: START_STATE, changedAt: null };
  },

  /**
   * Inside the snapshot: every transaction below its xmin has ended, so the base is (xmin, 0);
   * the transactions at or above it whose rows the snapshot sees committed before it was taken,
   * and go into `above` with their last row. More of them than a state may note: the read is
   * refused (an old transaction held open while many committed), to be tried again.
   */
  async snapshotHead(connection) {
    const result = await connection.query<{
      xmin: string;
      above: { txid: string; id: string }[];
      changed_at: string | null;
    }>(
      'feed.head',
      `WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
            seen AS (SELECT ${COMMIT_ORDER} AS txid, max(c.id) AS id FROM datastore_changelog c, horizon
                     WHERE ${COMMIT_ORDER} >= horizon.xmin GROUP BY 1)
       SELECT (SELECT xmin::text FROM horizon) AS xmin,
              COALESCE((SELECT json_agg(json_build_object('txid', txid::text, 'id', id::text) ORDER BY txid) FROM seen), '[]') AS above,
              (SELECT ${changedAtText()} FROM datastore_changelog ORDER BY id DESC LIMIT 1) AS changed_at`,
    );
    const row = result.rows[0];
    if (row.above.length > ABOVE_LIMIT)
      throw new StoreError(
        'busy',
        `${row.above.length} transactions committed while an older one is still open (at most ${ABOVE_LIMIT} fit a feed position); read again once it ends`,
      );
    const state = {
      base: { txid: BigInt(row.xmin), id: 0n },
      above: row.above.map((entry) => ({ txid: BigInt(entry.txid), id: BigInt(entry.id) })),
    };
    return { state, changedAt: row.changed_at };
  },

  fromToken,
  ownTokenState(token) {
    if (token.txid === undefined || token.eventID === undefined) {
      const missing = token.txid === undefined ? 'txid' : 'eventID';
      throw new ValidationError('checkpoint', `is not a checkpoint of this feed (commit order: no "${missing}")`);
    }
    return stateFromToken({ ...token, txid: String(token.txid), eventID: token.eventID });
  },
  toToken: tokenFor,
  describe: encodeState,
  hasPassed: (state, position) => hasPassed(state, parsePosition(position)),
  // Only the base passes everything before it; a transaction noted above it passes its own rows only.
  passedThrough: (state, position) => comparePositions(parsePosition(position), state.base) <= 0,

  // The first `cap` rows after the base in commit order (and one more, to tell "exactly cap" from
  // "more") are counted and timed row by row, along the commit-order index; past them the rest is
  // estimated from ids drawn above the highest one counted (transactions commit roughly in the
  // order they draw ids), so a consumer far behind costs `cap` rows, not its whole backlog.
  async behind(connection, state, cap) {
    // The noted transactions' test only when there are any: evaluated per row, it tripled this query.
    const noted = state.above.length > 0;
    const result = await connection.query<{
      n: string;
      last_id: string | null;
      max_id: string | null;
      first_at: Date | null;
    }>(
      'consumers.lag',
      `WITH counted AS (SELECT id, changed_at FROM datastore_changelog changelog
         WHERE (${COMMIT_ORDER}, id) > ($1::text::xid8, $2::bigint) ${noted ? `AND NOT ${passedAbove('$3', '$4')}` : ''}
         ORDER BY ${COMMIT_ORDER}, id LIMIT ${cap + 1})
       SELECT count(*) AS n, max(id)::text AS last_id, min(changed_at) AS first_at,
              (SELECT max(id) FROM datastore_changelog)::text AS max_id
       FROM counted`,
      [state.base.txid.toString(), state.base.id.toString(), ...(noted ? aboveArrays(state) : [])],
    );
    const row = result.rows[0];
    const counted = Number(row.n);
    if (counted <= cap) return { count: counted, firstAt: row.first_at, estimated: false };
    const rest = BigInt(row.max_id ?? 0) - BigInt(row.last_id ?? 0);
    // prettier-ignore
    // Stryker disable next-line EqualityOperator,ConditionalExpression: `rest >= 0n` and `true` are equivalent: max_id (the whole table's) and last_id (the counted rows') come from one statement, one snapshot, so rest is never negative and the clamp never changes the count; the line's `false` and `<=` mutants are killed (tests/unit/store/providers/postgres/commit-order-read.test.ts)
    return { count: counted + Number(rest > 0n ? rest : 0n), firstAt: row.first_at, estimated: true };
  },

  reader: () => readBatch,

  async agedThrough(connection, cutoff) {
    const aged = await connection.query<{ txid: string; id: string }>(
      'retention.aged',
      `SELECT ${COMMIT_ORDER}::text AS txid, id::text AS id FROM datastore_changelog
       WHERE changed_at < $1 AND ${COMMIT_ORDER} < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY ${COMMIT_ORDER} DESC, datastore_changelog.id DESC LIMIT 1`,
      [cutoff],
    );
    return aged.rows[0] ? encodePosition({ txid: BigInt(aged.rows[0].txid), id: BigInt(aged.rows[0].id) }) : undefined;
  },

  // Rows are removed up to the slowest base: rows a consumer passed above it (ahead of an open
  // transaction) stay until its base passes them too.
  slowest: (states) => {
    const bases = states.map((state) => state.base).sort(comparePositions);
    return bases[0] ? encodePosition(bases[0]) : undefined;
  },

  async unreadThrough(connection, state, through) {
    const end = parsePosition(through);
    if (comparePositions(state.base, end) >= 0) return false;
    const unread = await connection.query(
      'retention.aged',
      `SELECT 1 FROM datastore_changelog changelog
       WHERE (${COMMIT_ORDER}, id) > ($1::text::xid8, $2::bigint) AND (${COMMIT_ORDER}, id) <= ($3::text::xid8, $4::bigint)
         AND NOT ${passedAbove('$5', '$6')} LIMIT 1`,
      [
        state.base.txid.toString(),
        state.base.id.toString(),
        end.txid.toString(),
        end.id.toString(),
        ...aboveArrays(state),
      ],
    );
    return (unread.rowCount ?? 0) > 0;
  },

  compare: (a, b) => comparePositions(parsePosition(a), parsePosition(b)),

  async removeThrough(connection, through) {
    const end = parsePosition(through);
    let removedRows = 0;
    for (;;) {
      const removed = await connection.query(
        'retention.delete',
        `DELETE FROM datastore_changelog WHERE id IN (
           SELECT id FROM datastore_changelog WHERE (${COMMIT_ORDER}, id) <= ($1::text::xid8, $2::bigint) LIMIT 5000)`,
        [end.txid.toString(), end.id.toString()],
      );
      removedRows += removed.rowCount ?? 0;
      if ((removed.rowCount ?? 0) < 5000) return removedRows;
    }
  },
};

export { ABOVE_LIMIT };
