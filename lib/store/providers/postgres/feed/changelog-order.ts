// How the PostgreSQL change feed walks NVSentinel's changelog without losing a late commit.
//
// Changelog ids and changed_at are assigned before commit, so a reader that pages past them
// (NVSentinel's own `(changed_at, id) > cursor`) can pass over a row whose transaction commits
// later. Two ways round it, chosen per database (docs/decisions.md):
//   - commit order (commit-order.ts), when a DBA applied the opt-in column `txid`: rows read in
//     (txid, id) order below the visibility horizon, committed transactions above it at once;
//   - id order (id-order.ts), on NVSentinel's schema as it is (no DDL): rows read in id order,
//     ids not yet visible tracked as gaps until every transaction that could still fill them ended.
// Both keep a consumer's position as a state serialised into one stored token, and both read a
// token NVSentinel itself wrote ({timestamp, eventID}) as "everything its reader had not read".
import { StoreError } from '../../../errors/store-error';
import type { PostgresConnection } from '../postgres-connection';

/** A changelog row as the feed reads it. */
export interface ChangelogRow {
  id: string;
  table_name: string;
  record_id: string;
  operation: string;
  new_values: { id: string; created_at: string; document: unknown } | null;
  old_values: { id: string; created_at: string; document: unknown } | null;
  changed_at: Date;
  /** changed_at to the microsecond (RFC 3339), for stored tokens: see changedAtText. */
  changed_at_text: string;
}

/**
 * SQL for a changelog row's changed_at as RFC 3339 with microseconds, as NVSentinel's Go writes it
 * into a token. Tokens keep it as text: a JS Date keeps milliseconds, and a token cut to the
 * millisecond would make NVSentinel's meaning of it, (changed_at, id) after it, count rows passed.
 */
export function changedAtText(row = 'changed_at'): string {
  return `to_char(${row} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** The time of a token for a position before any row. */
export const EPOCH_TEXT = '1970-01-01T00:00:00.000000Z';

/**
 * A stored position: NVSentinel's token ({timestamp, eventID}) plus what our feed needs. Commit
 * order adds `txid` and `above`; id order adds `top` and `gaps`. A token with only NVSentinel's fields is
 * one NVSentinel wrote (or our 'nvsentinel-legacy' consumer): read with its reader's meaning.
 */
export interface StoredToken {
  timestamp?: string;
  eventID?: number | string;
  txid?: string;
  above?: string;
  top?: string;
  gaps?: string;
}

export interface FeedRead<S> {
  /** Rows to pass, in delivery order, each with the state once it is passed. */
  rows: { row: ChangelogRow; position: string; state: S }[];
  /** The state after the read (ahead of the last row's when the read also moved past the horizon or gaps). */
  state: S;
  /** The state's limit of noted entries stopped the read: look again soon instead of waiting for a notification. */
  heldBack: boolean;
  /** Nothing was read, but the state moved so that a read now may find rows: read again at once. */
  again: boolean;
}

export interface ReadContext {
  tables: string[];
  batchSize: number;
}

/** One way of walking the changelog, with the state it keeps per consumer. */
export interface ChangelogOrder<S> {
  readonly kind: 'commit' | 'id';
  readonly beginning: S;
  /** The state of a consumer starting now: everything committed so far passed, nothing that may still come. */
  head(connection: PostgresConnection): Promise<{ state: S; changedAt: string | null }>;
  /**
   * Inside a REPEATABLE READ transaction (PostgresConnection.readSnapshot): the state that has passed
   * exactly the rows this transaction's snapshot sees, so a feed from it delivers the rest.
   */
  snapshotHead(connection: PostgresConnection): Promise<{ state: S; changedAt: string | null }>;
  /** The state a stored token stands for; NVSentinel's own tokens by its reader's meaning (at least once). */
  fromToken(connection: PostgresConnection, token: StoredToken): Promise<S>;
  /** The state of a token this order wrote itself (a checkpoint); a validation error for any other. */
  ownTokenState(token: StoredToken): S;
  /** `changedAt`: RFC 3339 to the microsecond (changedAtText). */
  toToken(state: S, changedAt: string): StoredToken;
  /** How a state reads in lag figures. */
  describe(state: S): string;
  hasPassed(state: S, position: string): boolean;
  /** Whether a consumer at `state` has passed every row up to and including `position` (not only that row). */
  passedThrough(state: S, position: string): boolean;
  /** Rows a consumer at `state` has not passed (counted up to `cap`), and the oldest one's time. */
  behind(
    connection: PostgresConnection,
    state: S,
    cap: number,
  ): Promise<{
    count: number;
    firstAt: Date | null;
    /** Past `cap`: an estimate (id arithmetic), not a count. */ estimated?: boolean;
  }>;
  /** The next batch after `state`. A new reader object per feed: it may keep what it learnt between reads. */
  reader(): (connection: PostgresConnection, state: S, context: ReadContext) => Promise<FeedRead<S>>;
  /** Retention: the newest row older than `cutoff` that no transaction can still precede. */
  agedThrough(connection: PostgresConnection, cutoff: Date): Promise<string | undefined>;
  /** Retention: the point every state has passed (undefined when no state). */
  slowest(states: S[]): string | undefined;
  /** Retention: whether a consumer at `state` has not read a row up to `through`. */
  unreadThrough(connection: PostgresConnection, state: S, through: string): Promise<boolean>;
  /** Retention: the first of `a`, `b` in changelog order. */
  compare(a: string, b: string): number;
  /** Retention: removes rows up to `through`; returns how many. */
  removeThrough(connection: PostgresConnection, through: string): Promise<number>;
}

/**
 * Where NVSentinel's reader stands for `token`: rows with (changed_at, id) after it are unread
 * (changestream.go's fetchNewChanges). The time stays text, to PostgreSQL's microsecond (a JS Date
 * keeps milliseconds and would misplace rows of the same millisecond). An ID-only token takes the
 * time of its row, as NVSentinel's convertOldTokenToTimestamp does. In NVSENTINEL_UNREAD `$1`, `$2`
 * are the time and the id.
 */
export const NVSENTINEL_UNREAD = `(changed_at > $1::timestamptz OR (changed_at = $1::timestamptz AND id > $2::bigint))`;

export async function nvsentinelCursorTime(
  connection: PostgresConnection,
  token: StoredToken,
): Promise<{ timestamp: string; eventId: string }> {
  const eventId = String(token.eventID ?? 0);
  if (typeof token.timestamp === 'string' && !Number.isNaN(new Date(token.timestamp).getTime()))
    return { timestamp: token.timestamp, eventId };
  const row = await connection.query<{ changed_at: string }>(
    'consumers.loadPosition',
    `SELECT ${changedAtText()} AS changed_at FROM datastore_changelog WHERE id = $1::bigint`,
    [eventId],
  );
  return { timestamp: row.rows[0]?.changed_at ?? EPOCH_TEXT, eventId };
}

/** Which order this database allows: commit order needs the opt-in column. */
export async function detectChangelogOrder(connection: PostgresConnection): Promise<'commit' | 'id'> {
  const result = await connection.query<{ txid: boolean; cache: string | null }>(
    'feed.order',
    `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('datastore_changelog')
                      AND attname = 'txid' AND NOT attisdropped) AS txid,
            (SELECT seqcache::text FROM pg_sequence WHERE seqrelid = to_regclass(pg_get_serial_sequence('datastore_changelog', 'id'))) AS cache`,
  );
  const row = result.rows[0];
  if (row.txid) return 'commit';
  // Id order relies on ids being drawn in time order across sessions: a sequence cache hands
  // each session a block of its own.
  if (row.cache !== null && Number(row.cache) > 1) {
    throw new StoreError(
      'schema-unsupported',
      `datastore_changelog's id sequence caches ${row.cache} values per session, so ids are not drawn in time order; set its cache to 1 or apply the opt-in commit-order migration (README, "What the console needs from a DBA")`,
    );
  }
  return 'id';
}
