// PostgreSQL feed positions.
//
// A change's position is its changelog row's place in (txid, id) order: the writing transaction's
// id and the row id, serialised "<txid>/<id>".
//
// A consumer's stored position (FeedState) says which rows it has passed: every row at or before
// `base` in (txid, id) order, plus, for transactions after the base that committed while an older
// one was still open, the rows up to the id noted in `above`. Transactions below the visibility
// horizon have all ended, so the base only moves through them; a committed transaction above the
// horizon is delivered at once instead of waiting for the older ones (docs/decisions.md, "Commit
// order without waiting for the horizon"). `above` stays small: it is capped (ABOVE_LIMIT) and
// emptied as the horizon passes.
//
// Stored in resume_tokens as NVSentinel's token plus ours:
// {"timestamp": RFC3339Nano, "eventID": n, "txid": "t", "above": "t/i,t/i"} (above only when set).
import { ValidationError } from '../../../errors/validation-error';

export interface ChangelogPosition {
  txid: bigint;
  id: bigint;
}

export interface FeedState {
  base: ChangelogPosition;
  /** Transactions after the base already passed, ascending by txid: the last row id passed in each. */
  above: readonly ChangelogPosition[];
}

/** At most this many transactions are delivered ahead of an open older one; then the feed waits. */
export const ABOVE_LIMIT = 64;

export const START: ChangelogPosition = { txid: 0n, id: 0n };
export const START_STATE: FeedState = { base: START, above: [] };

/** SQL for a changelog row's place in commit order; rows from before our migration sort as txid 0. */
export const COMMIT_ORDER = `COALESCE(txid, '0'::xid8)`;

/**
 * SQL that is true for a changelog row passed by a state's `above` list, given as two arrays
 * (txids as text, last ids) at placeholders $txids and $ids.
 */
export function passedAbove(txids: string, ids: string, row = 'changelog'): string {
  return `EXISTS (SELECT 1 FROM unnest(${txids}::text[]::xid8[], ${ids}::bigint[]) AS above(txid, id)
          WHERE above.txid = COALESCE(${row}.txid, '0'::xid8) AND ${row}.id <= above.id)`;
}

/** The two arrays passedAbove() takes. */
export function aboveArrays(state: FeedState): [string[], string[]] {
  return [state.above.map((entry) => entry.txid.toString()), state.above.map((entry) => entry.id.toString())];
}

export function encodePosition(position: ChangelogPosition): string {
  return `${position.txid}/${position.id}`;
}

const POSITION = /^(\d{1,20})\/(\d{1,19})$/;

export function parsePosition(value: unknown): ChangelogPosition {
  const match = typeof value === 'string' ? POSITION.exec(value) : null;
  if (!match)
    throw new ValidationError(
      'position',
      `is not a PostgreSQL feed position (expected "<txid>/<id>", got ${JSON.stringify(value)?.slice(0, 60)})`,
    );
  return { txid: BigInt(match[1]), id: BigInt(match[2]) };
}

export function comparePositions(a: ChangelogPosition, b: ChangelogPosition): number {
  // prettier-ignore
  // Stryker disable next-line EqualityOperator: `a.txid <= b.txid` is equivalent: the two differ here, so <= and < agree; the line's other equality mutants are killed (tests/unit/store/providers/postgres/feed-position-rules.test.ts, tests/integration/store/postgres-store.test.ts)
  if (a.txid !== b.txid) return a.txid < b.txid ? -1 : 1;
  // prettier-ignore
  // Stryker disable next-line EqualityOperator: `a.id <= b.id` is equivalent: the two differ here, so <= and < agree; the line's other equality mutants are killed (tests/unit/store/providers/postgres/feed-position-rules.test.ts, tests/integration/store/postgres-store.test.ts)
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

/** "<base>" or "<base>+<txid>/<id>,…": how a stored position reads in lag figures. */
export function encodeState(state: FeedState): string {
  const base = encodePosition(state.base);
  return state.above.length === 0 ? base : `${base}+${state.above.map(encodePosition).join(',')}`;
}

function parseAbove(base: ChangelogPosition, text: string | undefined, field: string): ChangelogPosition[] {
  if (text === undefined || text === '') return [];
  const above = text.split(',').map((part) => {
    const match = POSITION.exec(part);
    if (!match)
      throw new ValidationError(field, `is not a list of "<txid>/<id>" (got ${JSON.stringify(text).slice(0, 60)})`);
    return { txid: BigInt(match[1]), id: BigInt(match[2]) };
  });
  let previous = base.txid;
  for (const entry of above) {
    if (entry.txid <= previous)
      throw new ValidationError(
        field,
        `must list transactions after the base in ascending order (got ${JSON.stringify(text).slice(0, 60)})`,
      );
    previous = entry.txid;
  }
  if (above.length > ABOVE_LIMIT)
    throw new ValidationError(field, `lists ${above.length} transactions, over the limit of ${ABOVE_LIMIT}`);
  return above;
}

export function parseState(value: unknown): FeedState {
  const text = typeof value === 'string' ? value : '';
  const [basePart, abovePart] = text.split('+', 2);
  const base = parsePosition(basePart);
  return { base, above: parseAbove(base, abovePart, 'position') };
}

/** Whether a consumer at `state` has passed the row at `position`. */
export function hasPassed(state: FeedState, position: ChangelogPosition): boolean {
  if (comparePositions(position, state.base) <= 0) return true;
  const entry = state.above.find((above) => above.txid === position.txid);
  return entry !== undefined && position.id <= entry.id;
}

/**
 * The state once a read whose snapshot had `horizon` as xmin has handed over every row below it
 * that the state had not passed: every transaction below the horizon is passed, so the base moves
 * to (horizon, 0) (no row has id 0) and the noted transactions below it go. Without this, noted
 * transactions would outlive the open one they went ahead of when no later row moves the base,
 * keep the feed "full" and hold a consumer that read everything behind for retention.
 */
export function passHorizon(state: FeedState, horizon: bigint): FeedState {
  if (horizon <= state.base.txid) return state;
  return { base: { txid: horizon, id: 0n }, above: state.above.filter((entry) => entry.txid > horizon) };
}

/**
 * The state after passing the row at `position`. A row below the horizon moves the base (the
 * feed reads in order from the base, so every row before it is passed) and drops the
 * transactions it overtakes; a row above it is noted under its transaction.
 */
export function advance(state: FeedState, position: ChangelogPosition, belowHorizon: boolean): FeedState {
  if (belowHorizon) return { base: position, above: state.above.filter((entry) => entry.txid > position.txid) };
  const above = state.above.filter((entry) => entry.txid !== position.txid);
  above.push(position);
  above.sort(comparePositions);
  return { base: state.base, above };
}

export interface StoredToken {
  timestamp?: string;
  eventID?: number | string;
  txid?: string;
  above?: string;
}

export function tokenFor(state: FeedState, changedAt: string): StoredToken {
  const token: StoredToken = { timestamp: changedAt, eventID: Number(state.base.id), txid: state.base.txid.toString() };
  if (state.above.length > 0) token.above = state.above.map(encodePosition).join(',');
  return token;
}

/** Our token's state; `above` is checked as any input is (a hand-edited token is refused clearly). */
export function stateFromToken(token: StoredToken & { txid: string; eventID: number | string }): FeedState {
  const base = { txid: BigInt(token.txid), id: BigInt(token.eventID) };
  return { base, above: parseAbove(base, token.above, 'resume_token.above') };
}
