// Consumers of the PostgreSQL change feed. Registration, health and, for the console's own
// consumers, positions live in the console database (console_consumers): the console writes
// nothing of its own into NVSentinel's tables. A consumer registered to keep its position where
// NVSentinel keeps its own (the simulated NVSentinel twins) stores it in resume_tokens; NVSentinel's
// own consumers are found there too and read, never written.
import { StoreError } from '../../../errors/store-error';
import type { ConsumerPositionStore, StartPosition } from '../../../feed/change-feed';
import { assertConsumerName } from '../../../feed/consumer-name';
import type { ConsumerLagFigures } from '../../../feed/consumer-lag';
import type { PostgresConnection } from '../postgres-connection';
import {
  changedAtText,
  detectChangelogOrder,
  EPOCH_TEXT,
  NVSENTINEL_UNREAD,
  nvsentinelCursorTime,
  type ChangelogOrder,
  type StoredToken,
} from './changelog-order';
import { commitOrder } from './commit-order';
import { idOrder } from './id-order';

/**
 * Documents behind are counted row by row up to here; beyond it the figure is an estimate from id
 * arithmetic, flagged `documentsBehindEstimated`. Each row counted is a heap visit on every lag
 * reading (the live hub reads every 2 s): a consumer far behind must not cost its whole backlog.
 */
export const DOCUMENTS_BEHIND_CAP = 1_000;

/** Consumers whose figures are read at once: the round trips overlap, and the pool keeps room for the pages. */
const LAG_READS_AT_ONCE = 4;

/** Readings of "every id up to here was drawn before this time" kept for NVSentinel's tokens (see nvsentinelBehind). */
const DRAWN_BEFORE_LIMIT = 256;

/** Up to `through`, the only rows an NVSentinel reader has left below its eventID are `late`. */
interface LateSearch {
  through: bigint;
  late: bigint[];
}

/**
 * What a changelog order's `behind` answers; `estimated` when the count went past the cap. Both
 * orders return it, but ChangelogOrder.behind does not declare it yet (changelog-order.ts was
 * outside issue 18's change): read through this type, never assumed present.
 */
interface BehindReading {
  count: number;
  firstAt: Date | null;
  estimated?: boolean;
}

/** A consumer's figures against the stored position, as `lag()` needs them. */
interface Behind extends BehindReading {
  position: string;
}

/** NVSentinel's change-stream consumers all watch health events. */
const NVSENTINEL_WATCHED_TABLE = 'health_events';

/** The error of a consumer whose position retention removed: only an explicit restart goes on. */
export function positionLostError(name: string, at: Date, reason: string | null): StoreError {
  return new StoreError(
    'position-lost',
    `consumer "${name}" lost its position at ${at.toISOString()}: ${reason ?? 'changelog rows it had not read were removed'}; restart it explicitly with consumers().restart("${name}", …)`,
  );
}

export interface StoredPosition<S = unknown> {
  state: S;
  changedAt: Date | null;
}

interface ConsumerRow {
  client_name: string;
  resume_token: StoredToken | null;
  position_store: ConsumerPositionStore;
  last_updated: Date | null;
  last_seen_at: Date | null;
  position_lost_at: Date | null;
  position_lost_reason: string | null;
}

/** A consumer the console does not run: NVSentinel's own (its token in resume_tokens). */
const NVSENTINEL_CONSUMER: Omit<ConsumerRow, 'client_name'> = {
  resume_token: null,
  position_store: 'nvsentinel-legacy',
  last_updated: null,
  last_seen_at: null,
  position_lost_at: null,
  position_lost_reason: null,
};

export class PostgresConsumerRegistry {
  private order?: Promise<ChangelogOrder<unknown>>;
  private idsInTimeOrder?: Promise<boolean>;
  /**
   * Lag readings of the head: at `at` (the server's clock, after the snapshot), every changelog id
   * up to `id` had been drawn. Oldest first; thinned, not dropped, past DRAWN_BEFORE_LIMIT.
   */
  private readonly drawnBefore: { at: string; id: string }[] = [];
  /**
   * Per NVSentinel token ("time/eventID"): `xmax`, the first search's snapshot xmax (every id at or
   * below eventID was drawn by a transaction below it: see nvsentinelBehind); `settled`, once a
   * search whose snapshot xmin had reached that xmax (it saw every such transaction end) found
   * them: up to `through`, the rows its reader has left below eventID are at most `late`.
   */
  private readonly lateSearched = new Map<string, { xmax: bigint; settled?: LateSearch }>();

  /**
   * @param datastore NVSentinel's database (changelog, resume_tokens)
   * @param console the console database (console_consumers); may be the same database
   */
  constructor(
    private readonly datastore: PostgresConnection,
    private readonly console: PostgresConnection,
  ) {}

  /** How this database's changelog is walked: detected once (the opt-in column, or id order). */
  changelogOrder(): Promise<ChangelogOrder<unknown>> {
    this.order ??= detectChangelogOrder(this.datastore).then(
      (kind) => (kind === 'commit' ? commitOrder : idOrder) as ChangelogOrder<unknown>,
      (error: unknown) => {
        this.order = undefined;
        throw error;
      },
    );
    return this.order;
  }

  /** Makes a consumer known, starting at the beginning of the changelog or at its head. Idempotent. */
  async register(
    name: string,
    startAt: StartPosition = 'beginning',
    store: ConsumerPositionStore = 'console',
  ): Promise<void> {
    assertConsumerName(name);
    if (startAt !== 'beginning' && startAt !== 'now')
      throw new StoreError('invalid', `startAt: must be "beginning" or "now"`);
    if (!['console', 'nvsentinel', 'nvsentinel-legacy'].includes(store))
      throw new StoreError('invalid', `positionStore: must be "console", "nvsentinel" or "nvsentinel-legacy"`);
    const existing = await this.consumer(name);
    if (existing && (existing.resume_token || existing.position_store !== 'console')) return;
    // Known to NVSentinel already: ours from before positions moved to the console database (our
    // token), or a twin asked to keep NVSentinel's format, keep their position there. A console
    // consumer never takes over the name of one of NVSentinel's own components: every ack would
    // overwrite that component's position.
    const nvsentinelToken = await this.nvsentinelToken(name);
    if (nvsentinelToken && store === 'console' && !isOurToken(nvsentinelToken)) {
      throw new StoreError(
        'invalid',
        `consumer "${name}" is one of NVSentinel's own (its position is in resume_tokens); give the console's consumer another name`,
      );
    }
    if (nvsentinelToken) {
      await this.console.query(
        'consumers.register',
        `INSERT INTO console_consumers (client_name, position_store) VALUES ($1, $2)
         ON CONFLICT (client_name) DO UPDATE SET position_store = EXCLUDED.position_store`,
        [name, store === 'console' ? 'nvsentinel' : store],
      );
      return;
    }
    const order = await this.changelogOrder();
    const start = startAt === 'now' ? await order.head(this.datastore) : { state: order.beginning, changedAt: null };
    const changedAt = start.changedAt ?? EPOCH_TEXT;
    await this.console.query(
      'consumers.register',
      `INSERT INTO console_consumers (client_name, position_store) VALUES ($1, $2)
       ON CONFLICT (client_name) DO UPDATE SET position_store = EXCLUDED.position_store`,
      [name, store],
    );
    await this.writeToken(name, store, order.toToken(start.state, changedAt), true);
  }

  private async consumer(name: string): Promise<ConsumerRow | undefined> {
    const result = await this.console.query<ConsumerRow>(
      'consumers.loadPosition',
      `SELECT client_name, resume_token, position_store, last_updated, last_seen_at, position_lost_at, position_lost_reason
       FROM console_consumers WHERE client_name = $1`,
      [name],
    );
    return result.rows[0];
  }

  private async nvsentinelToken(name: string): Promise<StoredToken | undefined> {
    const result = await this.datastore.query<{ resume_token: StoredToken }>(
      'consumers.loadPosition',
      `SELECT resume_token FROM resume_tokens WHERE client_name = $1`,
      [name],
    );
    return result.rows[0]?.resume_token ?? undefined;
  }

  private async writeToken(
    name: string,
    store: ConsumerPositionStore,
    token: StoredToken,
    onlyIfMissing = false,
  ): Promise<void> {
    if (store === 'console') {
      await this.console.query(
        'consumers.savePosition',
        `UPDATE console_consumers SET resume_token = $2, last_updated = NOW() WHERE client_name = $1 ${onlyIfMissing ? 'AND resume_token IS NULL' : ''}`,
        [name, JSON.stringify(token)],
      );
      return;
    }
    // In resume_tokens, as NVSentinel's watcher writes it (saveResumePosition in its changestream.go);
    // the legacy store keeps only NVSentinel's two fields, the time being that of the eventID's
    // row, as its MarkProcessed looks it up (the nearest row below when that one is gone).
    const stored = store === 'nvsentinel-legacy' ? await this.nvsentinelFormat(token) : token;
    await this.datastore.query(
      'consumers.savePosition',
      `INSERT INTO resume_tokens (client_name, resume_token, last_updated) VALUES ($1, $2, NOW())
       ON CONFLICT (client_name) DO ${onlyIfMissing ? 'NOTHING' : 'UPDATE SET resume_token = EXCLUDED.resume_token, last_updated = NOW()'}`,
      [name, JSON.stringify(stored)],
    );
  }

  private async nvsentinelFormat(token: StoredToken): Promise<StoredToken> {
    const eventID = Number(token.eventID ?? 0);
    const row = await this.datastore.query<{ changed_at: string }>(
      'consumers.savePosition',
      `SELECT ${changedAtText()} AS changed_at FROM datastore_changelog WHERE id <= $1 ORDER BY id DESC LIMIT 1`,
      [eventID],
    );
    return { timestamp: row.rows[0]?.changed_at ?? token.timestamp ?? EPOCH_TEXT, eventID };
  }

  /** The stored position of a consumer, as a state of this database's changelog order. */
  async loadPosition(name: string): Promise<StoredPosition> {
    assertConsumerName(name);
    const row = await this.consumer(name);
    if (row?.position_lost_at) throw positionLostError(name, row.position_lost_at, row.position_lost_reason);
    const token = row?.position_store === 'console' ? row.resume_token : await this.nvsentinelToken(name);
    if (!token) {
      throw new StoreError(
        'unknown-consumer',
        `no consumer named "${name}" is registered; register it first (consumers().register("${name}", { startAt: "beginning" | "now" }))`,
      );
    }
    const order = await this.changelogOrder();
    const changedAt = token.timestamp ? new Date(token.timestamp) : null;
    return { state: await order.fromToken(this.datastore, token), changedAt };
  }

  /** Throws position-lost when retention marked the consumer (checked after each read of the feed). */
  async assertNotLost(name: string): Promise<void> {
    const lost = await this.console.query<{ lost_at: Date; lost_reason: string | null }>(
      'feed.read',
      `SELECT position_lost_at AS lost_at, position_lost_reason AS lost_reason FROM console_consumers
       WHERE client_name = $1 AND position_lost_at IS NOT NULL`,
      [name],
    );
    if (lost.rows[0]) throw positionLostError(name, lost.rows[0].lost_at, lost.rows[0].lost_reason);
  }

  /** `changedAt`: the newest passed change's time, RFC 3339 to the microsecond. */
  async savePosition(name: string, state: unknown, changedAt: string): Promise<void> {
    const order = await this.changelogOrder();
    const row = await this.storeOf(name);
    await this.writeToken(name, row, order.toToken(state, changedAt));
  }

  private readonly stores = new Map<string, ConsumerPositionStore>();

  private async storeOf(name: string): Promise<ConsumerPositionStore> {
    let store = this.stores.get(name);
    if (!store) {
      store = (await this.consumer(name))?.position_store ?? 'nvsentinel';
      this.stores.set(name, store);
    }
    return store;
  }

  async heartbeat(name: string): Promise<void> {
    await this.console.query(
      'consumers.heartbeat',
      `INSERT INTO console_consumers (client_name, last_seen_at, position_store) VALUES ($1, NOW(), 'nvsentinel')
       ON CONFLICT (client_name) DO UPDATE SET last_seen_at = NOW()`,
      [name],
    );
  }

  /** What changelog retention removed (or is removing) through, "<txid>/<id>"; undefined when it never ran. */
  async removedThrough(): Promise<string | undefined> {
    const result = await this.console.query<{ through: string }>(
      'feed.read',
      `SELECT removed_through_txid::text || '/' || removed_through_id::text AS through FROM console_changelog_retention WHERE singleton`,
    );
    return result.rows[0]?.through;
  }

  async markLost(names: string[], reason: string): Promise<void> {
    if (names.length === 0) return;
    await this.console.query(
      'consumers.markLost',
      `INSERT INTO console_consumers (client_name, position_lost_at, position_lost_reason, position_store)
       SELECT unnest($1::text[]), NOW(), $2, 'nvsentinel'
       ON CONFLICT (client_name) DO UPDATE SET position_lost_at = NOW(), position_lost_reason = EXCLUDED.position_lost_reason`,
      [names, reason],
    );
  }

  /** An explicit restart after a lost position: from the oldest row still kept, or from now. */
  async restart(name: string, startAt: StartPosition): Promise<void> {
    assertConsumerName(name);
    const order = await this.changelogOrder();
    const start = startAt === 'now' ? await order.head(this.datastore) : { state: order.beginning, changedAt: null };
    await this.savePosition(name, start.state, start.changedAt ?? EPOCH_TEXT);
    await this.console.query(
      'consumers.restart',
      `UPDATE console_consumers SET position_lost_at = NULL, position_lost_reason = NULL WHERE client_name = $1`,
      [name],
    );
  }

  async names(): Promise<string[]> {
    const [theirs, ours] = await Promise.all([
      this.datastore.query<{ name: string }>('consumers.list', `SELECT client_name AS name FROM resume_tokens`),
      this.console.query<{ name: string }>('consumers.list', `SELECT client_name AS name FROM console_consumers`),
    ]);
    return [...new Set([...theirs.rows, ...ours.rows].map((row) => row.name))].sort();
  }

  /**
   * Raw lag figures of every consumer (the status judgement over time is ConsumerLagMonitor's).
   * Three reads at once (the head, NVSentinel's tokens, the console's consumers), then each
   * consumer's rows behind, LAG_READS_AT_ONCE at a time: a handful of round trips whatever the
   * number of consumers, each counting at most DOCUMENTS_BEHIND_CAP rows.
   */
  async lag(): Promise<ConsumerLagFigures[]> {
    const [order, head, tokens, consumers] = await Promise.all([
      this.changelogOrder(),
      this.datastore.query<{ changed_at: Date | null; id: string | null; read_at: string }>(
        'consumers.lag',
        // clock_timestamp() runs after the statement's snapshot is taken: every id up to the newest
        // visible one had been drawn by then (nvsentinelBehind's bounds, as is the horizon).
        `SELECT head.changed_at, head.id::text AS id,
                to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS read_at
         FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT c.id, c.changed_at FROM datastore_changelog c ORDER BY c.id DESC LIMIT 1) head ON true`,
      ),
      this.datastore.query<{ client_name: string; resume_token: StoredToken; last_updated: Date | null }>(
        'consumers.lag',
        `SELECT client_name, resume_token, last_updated FROM resume_tokens`,
      ),
      this.console.query<ConsumerRow>(
        'consumers.lag',
        `SELECT client_name, resume_token, position_store, last_updated, last_seen_at, position_lost_at, position_lost_reason FROM console_consumers`,
      ),
    ]);
    const headTime = head.rows[0].changed_at;
    if (head.rows[0].id !== null) this.noteDrawnBefore(head.rows[0].read_at, head.rows[0].id);
    const theirs = new Map(tokens.rows.map((row) => [row.client_name, row]));
    const ours = new Map(consumers.rows.map((row) => [row.client_name, row]));
    const names = [...new Set([...theirs.keys(), ...ours.keys()])].sort();
    this.forgetLateSearches(names.map((name) => ours.get(name)?.resume_token ?? theirs.get(name)?.resume_token));
    return mapAtMost(LAG_READS_AT_ONCE, names, async (name) => {
      const consumer = ours.get(name) ?? { client_name: name, ...NVSENTINEL_CONSUMER };
      const inResumeTokens = consumer.position_store !== 'console';
      const token = inResumeTokens ? theirs.get(name)?.resume_token : consumer.resume_token;
      const lastAckAt = inResumeTokens ? (theirs.get(name)?.last_updated ?? null) : consumer.last_updated;
      let behind: Behind | undefined;
      if (token && !consumer.position_lost_at) {
        behind =
          consumer.position_store === 'nvsentinel-legacy' || !isOurToken(token)
            ? await this.nvsentinelBehind(token)
            : await this.ourBehind(order, token).catch(() => undefined);
      }
      const positionTime =
        token?.timestamp && new Date(token.timestamp).getTime() > 0 ? new Date(token.timestamp) : null;
      // Seconds behind head: how much older than the head the next change to read is. A caught-up
      // consumer is 0 however long ago its last change was (an idle consumer is not "behind").
      const lagSeconds =
        behind === undefined
          ? null
          : behind.count === 0 || !headTime || !behind.firstAt
            ? 0
            : Math.max(0, (headTime.getTime() - behind.firstAt.getTime()) / 1000);
      return {
        consumer: name,
        position: behind?.position ?? null,
        positionTime,
        headTime,
        lagSeconds,
        documentsBehind: behind?.count ?? null,
        // Past the cap the figure is an estimate, not a floor: "at least" is never claimed.
        documentsBehindCapped: false,
        documentsBehindEstimated: behind?.estimated === true,
        positionKnown: behind !== undefined,
        positionLost: consumer.position_lost_at
          ? { at: consumer.position_lost_at, reason: consumer.position_lost_reason ?? '' }
          : null,
        lastAckAt,
        lastSeenAt: consumer.last_seen_at,
      } satisfies ConsumerLagFigures;
    });
  }

  private async ourBehind(order: ChangelogOrder<unknown>, token: StoredToken): Promise<Behind> {
    const state = await order.fromToken(this.datastore, token);
    const reading: BehindReading = await order.behind(this.datastore, state, DOCUMENTS_BEHIND_CAP);
    return { ...reading, position: order.describe(state) };
  }

  /** Notes a head reading; past the limit every other older reading goes, so old times stay covered, sparser. */
  private noteDrawnBefore(at: string, id: string): void {
    this.drawnBefore.push({ at, id });
    if (this.drawnBefore.length <= DRAWN_BEFORE_LIMIT) return;
    const recent = this.drawnBefore.splice(-DRAWN_BEFORE_LIMIT / 2);
    const older = this.drawnBefore.filter((_, index) => index % 2 === 1);
    this.drawnBefore.splice(0, this.drawnBefore.length, ...older, ...recent);
  }

  /**
   * Whether changelog ids are drawn in time order (a sequence without cache): what the bound in
   * nvsentinelBehind rests on. Id order requires it; a commit-order database may cache its sequence.
   */
  private sequenceInTimeOrder(): Promise<boolean> {
    this.idsInTimeOrder ??= this.datastore
      .query<{ cache: string | null }>(
        'consumers.lag',
        `SELECT seqcache::text AS cache FROM pg_sequence
         WHERE seqrelid = to_regclass(pg_get_serial_sequence('datastore_changelog', 'id'))`,
      )
      .then(
        (result) =>
          result.rows[0]?.cache !== undefined && result.rows[0].cache !== null && Number(result.rows[0].cache) <= 1,
        (error: unknown) => {
          this.idsInTimeOrder = undefined;
          throw error;
        },
      );
    return this.idsInTimeOrder;
  }

  /** Forgets the searches of tokens no consumer holds any more. */
  private forgetLateSearches(tokens: (StoredToken | null | undefined)[]): void {
    const held = new Set(tokens.map((token) => (token ? lateSearchKey(token) : '')));
    for (const key of this.lateSearched.keys()) if (!held.has(key)) this.lateSearched.delete(key);
  }

  /**
   * What NVSentinel's own reader has left to read from its token: health-event changes after
   * (timestamp, eventID) in (changed_at, id) order (fetchNewChanges in its changestream.go).
   *
   * No index serves that order (NVSentinel's is partial, on unprocessed rows), so the rows are
   * found by id, in two parts:
   *   - above eventID: the unread ones, counted along the primary key from it, up to the cap and
   *     estimated past it (ids drawn above the last one counted);
   *   - at or below eventID ("late" rows): rows whose transaction started after the token's time
   *     although their id was drawn before eventID's. A row's changed_at is its transaction's
   *     start, before its id was drawn, so no id drawn before the token's time is late: the search
   *     starts above the newest id a lag reading taken no later than that time saw. And every id at
   *     or below eventID was drawn before the token's first search, by a transaction below that
   *     search's xmax (the last completed transaction id + 1: the token's own write, committed
   *     before the search, took its transaction id after each of them): a later search whose
   *     snapshot xmin has reached that xmax saw all of them end, so the late rows it finds are all
   *     there will be, and only they are looked at again. (The first search's own rows are not: a
   *     transaction open during it may commit a late row after.) Both rest on ids drawn in time
   *     order (a sequence without cache, checked) and on the trigger's insert following its row's
   *     own, as id order does. A token older than this registry's first reading, searched for the first time,
   *     reads every row below eventID.
   */
  private async nvsentinelBehind(token: StoredToken): Promise<Behind> {
    const [{ timestamp, eventId }, inTimeOrder] = await Promise.all([
      nvsentinelCursorTime(this.datastore, token),
      this.sequenceInTimeOrder(),
    ]);
    const readings = inTimeOrder ? this.drawnBefore : [];
    const key = lateSearchKey(token);
    const searched = inTimeOrder ? this.lateSearched.get(key)?.settled : undefined;
    const result = await this.datastore.query<{
      n: string;
      late: string[];
      last_id: string | null;
      max_id: string | null;
      first_at: Date | null;
      xmin: string;
      xmax: string;
    }>(
      'consumers.lag',
      `WITH searched_through AS (
         SELECT GREATEST($6::bigint, (SELECT max(reading.id) FROM unnest($4::timestamptz[], $5::bigint[]) AS reading(at, id)
                                      WHERE reading.at <= $1::timestamptz)) AS id),
       late AS (
         SELECT id, changed_at FROM datastore_changelog
         WHERE id = ANY($7::bigint[]) AND table_name = $3 AND changed_at > $1::timestamptz
         UNION
         -- Along the primary key from the bound (a lateral join, so the bound found at run time
         -- starts the index scan; as a plain filter the plan would be made for the whole table).
         SELECT changelog.id, changelog.changed_at FROM searched_through CROSS JOIN LATERAL (
           SELECT id, changed_at FROM datastore_changelog
           WHERE id > searched_through.id AND id <= $2::bigint AND table_name = $3 AND changed_at > $1::timestamptz
           ORDER BY id LIMIT ${DOCUMENTS_BEHIND_CAP + 1}) changelog),
       ahead AS (
         SELECT id, changed_at FROM datastore_changelog
         WHERE id > $2::bigint AND table_name = $3 AND ${NVSENTINEL_UNREAD}
         ORDER BY id LIMIT ${DOCUMENTS_BEHIND_CAP + 1})
       SELECT (SELECT count(*) FROM ahead) AS n, ARRAY(SELECT id::text FROM late ORDER BY id) AS late,
              (SELECT max(id) FROM ahead)::text AS last_id, (SELECT max(id) FROM datastore_changelog)::text AS max_id,
              LEAST((SELECT min(changed_at) FROM ahead), (SELECT min(changed_at) FROM late)) AS first_at,
              pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`,
      [
        timestamp,
        eventId,
        NVSENTINEL_WATCHED_TABLE,
        readings.map((reading) => reading.at),
        readings.map((reading) => reading.id),
        (searched?.through ?? 0n).toString(),
        (searched?.late ?? []).map(String),
      ],
    );
    const row = result.rows[0];
    const ahead = Number(row.n);
    const late = row.late.length;
    if (inTimeOrder) {
      const entry = this.lateSearched.get(key) ?? { xmax: BigInt(row.xmax) };
      if (!entry.settled && late <= DOCUMENTS_BEHIND_CAP && BigInt(row.xmin) >= entry.xmax)
        entry.settled = { through: BigInt(eventId), late: row.late.map(BigInt) };
      this.lateSearched.set(key, entry);
    }
    const position = `${timestamp}/${eventId}`;
    if (ahead <= DOCUMENTS_BEHIND_CAP && late <= DOCUMENTS_BEHIND_CAP)
      return { count: ahead + late, firstAt: row.first_at, estimated: false, position };
    // Past the cap, either part goes on as ids drawn above the last row it counted (the late part
    // up to eventID's own row, which its reader has read).
    const rest = (last: string | null | undefined, end: string | null) =>
      last === null || last === undefined || end === null ? 0n : BigInt(end) - BigInt(last);
    const uncounted =
      (ahead > DOCUMENTS_BEHIND_CAP ? rest(row.last_id, row.max_id) : 0n) +
      (late > DOCUMENTS_BEHIND_CAP ? rest(row.late[late - 1], (BigInt(eventId) - 1n).toString()) : 0n);
    return {
      count: ahead + late + Number(uncounted > 0n ? uncounted : 0n),
      firstAt: row.first_at,
      estimated: true,
      position,
    };
  }

  /** How long the oldest open writing transaction holds the feed's horizon back, and how many rows wait behind it. */
  async horizonHoldBack(): Promise<{ oldestOpenTransactionSeconds: number; heldBackRows: number }> {
    const order = await this.changelogOrder();
    // Id order delivers a committed row at once: nothing waits behind an open transaction.
    const held =
      order.kind === 'commit'
        ? `(SELECT count(*) FROM (SELECT 1 FROM datastore_changelog WHERE COALESCE(txid, '0'::xid8) >= pg_snapshot_xmin(pg_current_snapshot()) LIMIT 100000) h)`
        : '0';
    const result = await this.datastore.query<{ seconds: number | null; held: string }>(
      'feed.holdBack',
      `SELECT (SELECT extract(epoch FROM max(now() - xact_start)) FROM pg_stat_activity WHERE backend_xid IS NOT NULL) AS seconds, ${held} AS held`,
    );
    return {
      oldestOpenTransactionSeconds: Number(result.rows[0].seconds ?? 0),
      heldBackRows: Number(result.rows[0].held),
    };
  }
}

/** An NVSentinel token as the key of what is known about it. */
function lateSearchKey(token: StoredToken): string {
  return `${token.timestamp ?? ''}/${token.eventID ?? ''}`;
}

/** A token our feed wrote (either order), as opposed to NVSentinel's {timestamp, eventID}. */
function isOurToken(token: StoredToken): boolean {
  return token.txid !== undefined || token.top !== undefined;
}

/** `work` over `items`, at most `limit` at once, answers in the items' order. */
async function mapAtMost<T, R>(limit: number, items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  // Stryker disable next-line ArrayDeclaration: `new Array()` is equivalent: every index up to items.length - 1 is assigned before the answers are returned, so the array has the same length and contents
  const answers: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      answers[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return answers;
}
