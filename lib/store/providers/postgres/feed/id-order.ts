// Id order: NVSentinel's changelog walked by id, on its schema as it is (no column of ours, no DDL).
//
// A changelog id is drawn inside the writing transaction, before it commits, so an id not visible
// yet may be a transaction still running (its row comes later), or one rolled back (never comes).
// The state says: every id up to `top` is passed, except the `gaps`, ids that were not visible
// when the feed went past them. Rows that later appear in a gap are delivered then; a gap is
// dropped once no transaction that could fill it can still be running:
//   - ids are drawn in time order (a sequence without cache, checked at open), so an id below the
//     highest visible one was drawn before the read that saw it, by a transaction that already
//     had its transaction id (the trigger's insert follows the row's own);
//   - so once every transaction in progress at that read has ended (a later read's xmin reaches
//     that read's xmax), or at once when no transaction was in progress, such a gap is final.
// A committed row is delivered as soon as a read sees it, whatever older transaction is open.
// docs/decisions.md, "A change feed without DDL".
import { StoreError } from '../../../errors/store-error';
import { ValidationError } from '../../../errors/validation-error';
import type { PostgresConnection } from '../postgres-connection';
import {
  changedAtText,
  NVSENTINEL_UNREAD,
  nvsentinelCursorTime,
  type ChangelogOrder,
  type ChangelogRow,
  type FeedRead,
  type ReadContext,
  type StoredToken,
} from './changelog-order';

export interface IdRange {
  from: bigint;
  to: bigint;
}

export interface IdOrderState {
  /** Every id up to here is passed, except the gaps. */
  top: bigint;
  /** Ids at or below `top` not passed yet: they may still be written. Ascending, disjoint. */
  gaps: readonly IdRange[];
}

/** At most this many gap ranges are kept; then the feed waits for them to resolve. */
export const GAP_LIMIT = 64;
/** Starting "now" with writers in progress: ids this far below the newest are watched as gaps. */
export const HEAD_GAP_WINDOW = 100_000n;
/** Reads remembered until every transaction they saw in progress has ended. */
const CHECKPOINT_LIMIT = 1024;

export const ID_START: IdOrderState = { top: 0n, gaps: [] };

/** The highest id below which everything is passed: what NVSentinel's `eventID` can say. */
export function floorOf(state: IdOrderState): bigint {
  return state.gaps.length > 0 ? state.gaps[0].from - 1n : state.top;
}

export function encodeGaps(gaps: readonly IdRange[]): string {
  return gaps.map((gap) => (gap.from === gap.to ? `${gap.from}` : `${gap.from}-${gap.to}`)).join(',');
}

const RANGE = /^(\d{1,19})(?:-(\d{1,19}))?$/;

export function parseGaps(text: string | undefined, top: bigint, field = 'resume_token.gaps'): IdRange[] {
  if (!text) return [];
  const gaps = text.split(',').map((part) => {
    const match = RANGE.exec(part);
    if (!match)
      throw new ValidationError(
        field,
        `is not a list of "<id>" or "<from>-<to>" (got ${JSON.stringify(text).slice(0, 60)})`,
      );
    return { from: BigInt(match[1]), to: BigInt(match[2] ?? match[1]) };
  });
  let previous = 0n;
  for (const gap of gaps) {
    if (gap.from > gap.to || gap.from <= previous || gap.to > top) {
      throw new ValidationError(
        field,
        `must list ascending, disjoint ranges up to the top ${top} (got ${JSON.stringify(text).slice(0, 60)})`,
      );
    }
    previous = gap.to + 1n;
  }
  if (gaps.length > GAP_LIMIT)
    throw new ValidationError(field, `lists ${gaps.length} ranges, over the limit of ${GAP_LIMIT}`);
  return gaps;
}

export function hasPassedId(state: IdOrderState, id: bigint): boolean {
  if (id > state.top) return false;
  return !state.gaps.some((gap) => id >= gap.from && id <= gap.to);
}

/** The state once the row `id` (visible now) is passed. */
export function passId(state: IdOrderState, id: bigint): IdOrderState {
  if (id > state.top) {
    const gaps = id > state.top + 1n ? [...state.gaps, { from: state.top + 1n, to: id - 1n }] : state.gaps;
    return { top: id, gaps };
  }
  const gaps: IdRange[] = [];
  for (const gap of state.gaps) {
    if (id < gap.from || id > gap.to) gaps.push(gap);
    else {
      if (gap.from < id) gaps.push({ from: gap.from, to: id - 1n });
      if (id < gap.to) gaps.push({ from: id + 1n, to: gap.to });
    }
  }
  return { top: state.top, gaps };
}

/** The state once every id up to `through` not visible is known final and ids up to `top` are read. */
export function settle(state: IdOrderState, top: bigint, finalThrough: bigint): IdOrderState {
  let next = state;
  if (top > next.top) next = { top, gaps: [...next.gaps, { from: next.top + 1n, to: top }] };
  const gaps = next.gaps
    .filter((gap) => gap.to > finalThrough)
    .map((gap) => (gap.from <= finalThrough ? { from: finalThrough + 1n, to: gap.to } : gap));
  return { top: next.top, gaps };
}

export function describeIdState(state: IdOrderState): string {
  return state.gaps.length === 0 ? `${state.top}` : `${state.top}-gaps:${encodeGaps(state.gaps)}`;
}

function gapBounds(state: IdOrderState): [string[], string[]] {
  return [state.gaps.map((gap) => gap.from.toString()), state.gaps.map((gap) => gap.to.toString())];
}

type Row = ChangelogRow & { xmin: string; max_id: string | null };

/**
 * Fewer ranges, none lost: while over `limit`, the two closest ranges become one (the visible ids
 * between them come again: at least once, never skipped).
 */
export function mergeGaps(gaps: readonly IdRange[], limit = GAP_LIMIT): IdRange[] {
  const merged = [...gaps];
  while (merged.length > limit) {
    let closest = 0;
    for (let i = 1; i < merged.length - 1; i += 1) {
      if (merged[i + 1].from - merged[i].to < merged[closest + 1].from - merged[closest].to) closest = i;
    }
    merged.splice(closest, 2, { from: merged[closest].from, to: merged[closest + 1].to });
  }
  return merged;
}

/**
 * Ids in (top - window, top] not visible now, as gaps: where a transaction still running may yet
 * write (starting "now", or from NVSentinel's own token, which cannot name them). `top` defaults to
 * the highest visible id, read in the same snapshot (a row committed in between would otherwise
 * count as passed). Returns the top, its row's time and the gaps.
 */
async function invisibleBelow(
  connection: PostgresConnection,
  top?: bigint,
  merge = true,
): Promise<{ top: bigint; changedAt: string | null; gaps: IdRange[] }> {
  const result = await connection.query<{ top: string | null; changed_at: string | null; gaps: string | null }>(
    'feed.head',
    `WITH top AS (SELECT COALESCE($1::bigint, (SELECT max(id) FROM datastore_changelog)) AS id),
          ids AS (SELECT changelog.id FROM datastore_changelog changelog, top
                  WHERE changelog.id > GREATEST(top.id - $2::bigint, 0) AND changelog.id <= top.id
                  UNION ALL SELECT top.id + 1 FROM top),
          steps AS (SELECT id, COALESCE(lag(id) OVER (ORDER BY id), (SELECT GREATEST(id - $2::bigint, 0) FROM top)) AS previous FROM ids)
     SELECT (SELECT id::text FROM top) AS top,
            (SELECT ${changedAtText()} FROM datastore_changelog WHERE id = (SELECT id FROM top)) AS changed_at,
            (SELECT string_agg((previous + 1)::text || '-' || (id - 1)::text, ',' ORDER BY id) FROM steps WHERE id - previous > 1) AS gaps`,
    [top === undefined ? null : top.toString(), HEAD_GAP_WINDOW.toString()],
  );
  const row = result.rows[0];
  if (row.top === null) return { top: 0n, changedAt: null, gaps: [] };
  const gaps = (row.gaps ?? '')
    .split(',')
    .filter(Boolean)
    .map((part) => {
      const [from, to] = part.split('-');
      return { from: BigInt(from), to: BigInt(to) };
    });
  return { top: BigInt(row.top), changedAt: row.changed_at, gaps: merge ? mergeGaps(gaps) : gaps };
}

/**
 * A feed's reader. A gap (an id not visible when the feed went past it) may belong to a
 * transaction still running. It was drawn before the read that saw it (an id below the highest
 * visible one), by a transaction that then already had its transaction id; so once every
 * transaction id assigned before that read has ended, it is final. The reader takes a bound after
 * such a read (pg_current_xact_id(), one transaction id, only while gaps wait for one) and drops
 * those gaps once a later read's xmin reaches it. (Not pg_snapshot_xmax: that is the last
 * completed id + 1, and a running transaction above it is in no snapshot's in-progress list.)
 */
function idReader() {
  const checkpoints: { bound: bigint; maxId: bigint }[] = [];
  let finalThrough = 0n;

  return async (
    reader: PostgresConnection,
    passed: IdOrderState,
    context: ReadContext,
  ): Promise<FeedRead<IdOrderState>> => {
    const result = await reader.query<Row>(
      'feed.read',
      {
        name: 'feed.read.id-order',
        text: `WITH snap AS MATERIALIZED (SELECT pg_current_snapshot() AS s)
         SELECT c.id::text AS id, c.table_name, c.record_id, c.operation,
                CASE WHEN c.table_name = ANY($5::text[]) THEN c.new_values END AS new_values,
                CASE WHEN c.table_name = ANY($5::text[]) THEN c.old_values END AS old_values, c.changed_at,
                ${changedAtText('c.changed_at')} AS changed_at_text,
                pg_snapshot_xmin(snap.s)::text AS xmin,
                (SELECT max(id) FROM datastore_changelog)::text AS max_id
         FROM snap LEFT JOIN LATERAL (
               SELECT u.* FROM (
                 SELECT changelog.* FROM unnest($2::bigint[], $3::bigint[]) AS gap(lo, hi)
                   CROSS JOIN LATERAL (SELECT * FROM datastore_changelog WHERE id BETWEEN gap.lo AND gap.hi ORDER BY id LIMIT $4) changelog
                 UNION ALL
                 (SELECT * FROM datastore_changelog WHERE id > $1::bigint ORDER BY id LIMIT $4)
               ) u ORDER BY u.id LIMIT $4) c ON true
         ORDER BY c.id`,
      },
      [passed.top.toString(), ...gapBounds(passed), context.batchSize, context.tables],
    );
    const first = result.rows[0];
    const xmin = BigInt(first.xmin);
    const maxId = first.max_id === null ? 0n : BigInt(first.max_id);
    const found = result.rows.filter((row) => row.id !== null);

    // Every transaction id below this read's xmin has ended: gaps seen before a bound below it are final.
    while (checkpoints.length > 0 && checkpoints[0].bound <= xmin) {
      const resolved = checkpoints.shift()!;
      // Stryker disable next-line EqualityOperator: `resolved.maxId >= finalThrough` is equivalent: when the two are equal the assignment leaves finalThrough as it was; the line's `<` mutant is killed (tests/unit/store/providers/postgres/id-order-reader.test.ts)
      if (resolved.maxId > finalThrough) finalThrough = resolved.maxId;
    }

    let state = passed;
    const rows: FeedRead<IdOrderState>['rows'] = [];
    let cut = false;
    for (const row of found) {
      const next = passId(state, BigInt(row.id));
      if (next.gaps.length > GAP_LIMIT) {
        cut = true;
        break;
      }
      state = next;
      rows.push({ row, position: row.id, state });
    }
    // Up to where every visible id not passed has been handed over: all of them when the read
    // was not limited, else up to the last one taken (or just before the one the limit stopped).
    const limited = cut || found.length >= context.batchSize;
    const readThrough = cut
      ? BigInt(found[rows.length].id) - 1n
      : limited
        ? BigInt(rows[rows.length - 1].row.id)
        : maxId;
    // Stryker disable next-line EqualityOperator,ConditionalExpression: `readThrough >= state.top` and `readThrough > state.top` to `true` are equivalent: not limited, a readThrough at or below the top makes settle() keep the top (it only raises it), so settleTop = readThrough and settleTop = state.top give the same state; the line's other mutants (`<=`, `!limited` dropped or `||`, the whole condition true or false) are killed (tests/unit/store/providers/postgres/id-order-reader.test.ts)
    const settleTop = !limited && readThrough > state.top ? readThrough : state.top;
    // Stryker disable next-line EqualityOperator: `finalThrough <= readThrough` is equivalent: when the two are equal either branch gives the same value; the line's `>=`, `true` and `false` mutants are killed (tests/unit/store/providers/postgres/id-order-reader.test.ts)
    const settleFinal = finalThrough < readThrough ? finalThrough : readThrough;
    const settled = settle(state, settleTop, settleFinal);
    // Reading past the top may add a range; over the limit, only drop what is final.
    state = settled.gaps.length > GAP_LIMIT ? settle(state, state.top, settleFinal) : settled;
    if (rows.length > 0) rows[rows.length - 1] = { ...rows[rows.length - 1], state };

    // Gaps no bound covers yet: take one now (after the read, so above every id assigned before it).
    const covered = checkpoints.length > 0 ? checkpoints[checkpoints.length - 1].maxId : finalThrough;
    if (state.gaps.length > 0 && state.gaps[state.gaps.length - 1].to > covered) {
      // Its commit need not wait for the WAL flush: the bound is only compared, never kept.
      const bound = await reader.query<{ bound: string }>('feed.read', {
        name: 'feed.read.gap-bound',
        text: `SELECT pg_current_xact_id()::text AS bound FROM (SELECT set_config('synchronous_commit', 'off', true)) local`,
      });
      checkpoints.push({ bound: BigInt(bound.rows[0].bound), maxId });
      // Forgetting a checkpoint only makes a gap wait for a later one.
      if (checkpoints.length > CHECKPOINT_LIMIT)
        checkpoints.splice(0, checkpoints.length, ...checkpoints.filter((_, index) => index % 2 === 1));
    }
    return { rows, state, heldBack: cut || (rows.length === 0 && state.gaps.length >= GAP_LIMIT), again: false };
  };
}

async function fromToken(connection: PostgresConnection, token: StoredToken): Promise<IdOrderState> {
  // Without an eventID, from the beginning, as commit order does: with a time alone the top below
  // would be at most its eventID, counted as 0, anyway.
  if (token.eventID === undefined) return ID_START;
  if (token.top !== undefined) {
    const top = BigInt(token.top);
    return { top, gaps: parseGaps(token.gaps, top) };
  }
  // NVSentinel's token (or one of commit order): from the lowest id its reader has not read, and
  // the ids below it not visible now watched as gaps (a transaction that drew one may still commit,
  // and NVSentinel's reader, ordering by changed_at, would still read it).
  const { timestamp, eventId } = await nvsentinelCursorTime(connection, token);
  const result = await connection.query<{ first: string | null }>(
    'consumers.loadPosition',
    `SELECT min(id)::text AS first FROM datastore_changelog WHERE ${NVSENTINEL_UNREAD}`,
    [timestamp, eventId],
  );
  const eventIdNumber = BigInt(eventId);
  const first = result.rows[0].first === null ? undefined : BigInt(result.rows[0].first) - 1n;
  // Stryker disable next-line EqualityOperator: `first <= eventIdNumber` is equivalent: when the two are equal both branches give the same top; the line's `===` and `>=` mutants are killed (tests/unit/store/providers/postgres/id-order-reader.test.ts)
  const top = first !== undefined && first < eventIdNumber ? first : eventIdNumber;
  return { top, gaps: (await invisibleBelow(connection, top)).gaps };
}

export const idOrder: ChangelogOrder<IdOrderState> & { kind: 'id' } = {
  kind: 'id',
  beginning: ID_START,

  /**
   * Everything visible passed; ids not visible among the newest HEAD_GAP_WINDOW watched as gaps
   * (a transaction in progress may still write them). A transaction open longer than it took to
   * draw that many ids is not waited for: the limit of starting "now" without the opt-in column.
   */
  async head(connection) {
    const head = await invisibleBelow(connection);
    return { state: { top: head.top, gaps: head.gaps }, changedAt: head.changedAt };
  },

  /**
   * The head, read inside the snapshot: the ids it does not see below the newest it sees are
   * exactly the gaps (transactions running at the snapshot, or rolled back), so the state has
   * passed what the snapshot saw and nothing else.
   */
  async snapshotHead(connection) {
    // Exact, or refused: merging gaps would count rows the snapshot saw as not passed (read twice).
    const head = await invisibleBelow(connection, undefined, false);
    const running = await connection.query<{ n: string }>(
      'feed.head',
      `SELECT count(*) AS n FROM pg_snapshot_xip(pg_current_snapshot())`,
    );
    // No transaction in progress at the snapshot: every id it does not see was rolled back, final.
    if (Number(running.rows[0].n) === 0) return { state: { top: head.top, gaps: [] }, changedAt: head.changedAt };
    if (head.gaps.length > GAP_LIMIT)
      throw new StoreError(
        'busy',
        `${head.gaps.length} ranges of changelog ids were not visible to the read (more than a position notes, ${GAP_LIMIT}) while transactions were in progress; read again`,
      );
    return { state: { top: head.top, gaps: head.gaps }, changedAt: head.changedAt };
  },

  fromToken,

  ownTokenState(token) {
    if (token.top === undefined || !/^\d{1,19}$/.test(String(token.top)))
      throw new ValidationError('checkpoint', 'is not a checkpoint of this feed (id order: no "top")');
    const top = BigInt(token.top);
    return { top, gaps: parseGaps(token.gaps, top, 'checkpoint.gaps') };
  },

  toToken(state, changedAt) {
    const token: StoredToken = { timestamp: changedAt, eventID: Number(floorOf(state)), top: state.top.toString() };
    if (state.gaps.length > 0) token.gaps = encodeGaps(state.gaps);
    return token;
  },

  describe: describeIdState,
  hasPassed: (state, position) => {
    if (!/^\d{1,19}$/.test(position))
      throw new ValidationError(
        'position',
        `is not a PostgreSQL feed position (expected a changelog id, got ${JSON.stringify(position)?.slice(0, 60)})`,
      );
    return hasPassedId(state, BigInt(position));
  },

  // Rows behind in delivery order: the gaps' rows, then ids above the top. The first `cap` (and
  // one more, to tell "exactly cap" from "more") are counted and timed row by row; past them the
  // rest is id arithmetic, ids drawn above the last one counted (an estimate: an id rolled back or
  // removed has no row), so a consumer far behind costs `cap` rows, not its whole backlog.
  // Every id up to the floor is passed; a gap below `position` means a row it may yet have to read.
  passedThrough: (state, position) => floorOf(state) >= BigInt(position),

  async behind(connection, state, cap) {
    const [from, to] = gapBounds(state);
    const result = await connection.query<{
      n: string;
      last_id: string | null;
      max_id: string | null;
      first_at: Date | null;
    }>(
      'consumers.lag',
      `WITH counted AS (
         SELECT changelog.id, changelog.changed_at FROM unnest($2::bigint[], $3::bigint[]) AS gap(lo, hi)
           CROSS JOIN LATERAL (SELECT id, changed_at FROM datastore_changelog WHERE id BETWEEN gap.lo AND gap.hi ORDER BY id LIMIT ${cap + 1}) changelog
         UNION ALL
         (SELECT id, changed_at FROM datastore_changelog WHERE id > $1::bigint ORDER BY id LIMIT ${cap + 1}))
       SELECT count(*) AS n, max(id)::text AS last_id, min(changed_at) AS first_at,
              (SELECT max(id) FROM datastore_changelog)::text AS max_id
       FROM counted`,
      [state.top.toString(), from, to],
    );
    const row = result.rows[0];
    const counted = Number(row.n);
    if (counted <= cap) return { count: counted, firstAt: row.first_at, estimated: false };
    const rest = BigInt(row.max_id ?? 0) - BigInt(row.last_id ?? 0);
    // Stryker disable next-line EqualityOperator: `rest >= 0n` is equivalent: when rest is 0 both branches add 0n; the line's `<=` mutant is killed (tests/unit/store/providers/postgres/id-order-reader.test.ts)
    return { count: counted + Number(rest > 0n ? rest : 0n), firstAt: row.first_at, estimated: true };
  },

  reader: idReader,

  async agedThrough(connection, cutoff) {
    const aged = await connection.query<{ id: string | null }>(
      'retention.aged',
      `SELECT max(id)::text AS id FROM datastore_changelog WHERE changed_at < $1`,
      [cutoff],
    );
    return aged.rows[0].id ?? undefined;
  },

  slowest: (states) => {
    let lowest: bigint | undefined;
    for (const state of states) {
      const floor = floorOf(state);
      // Stryker disable next-line EqualityOperator: `floor <= lowest` is equivalent: an equal floor is the same number
      if (lowest === undefined || floor < lowest) lowest = floor;
    }
    return lowest?.toString();
  },

  async unreadThrough(connection, state, through) {
    const end = BigInt(through);
    if (floorOf(state) >= end) return false;
    const [from, to] = gapBounds(state);
    const unread = await connection.query(
      'retention.aged',
      `SELECT 1 FROM datastore_changelog WHERE id > $1::bigint AND id <= $4::bigint
       UNION ALL
       SELECT 1 FROM unnest($2::bigint[], $3::bigint[]) AS gap(lo, hi)
         CROSS JOIN LATERAL (SELECT 1 FROM datastore_changelog WHERE id BETWEEN gap.lo AND LEAST(gap.hi, $4::bigint) LIMIT 1) changelog
       LIMIT 1`,
      [state.top.toString(), from, to, end.toString()],
    );
    return (unread.rowCount ?? 0) > 0;
  },

  compare: (a, b) => {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  },

  async removeThrough(connection, through) {
    let removedRows = 0;
    for (;;) {
      const removed = await connection.query(
        'retention.delete',
        `DELETE FROM datastore_changelog WHERE id IN (SELECT id FROM datastore_changelog WHERE id <= $1::bigint ORDER BY id LIMIT 5000)`,
        [through],
      );
      removedRows += removed.rowCount ?? 0;
      if ((removed.rowCount ?? 0) < 5000) return removedRows;
    }
  },
};
