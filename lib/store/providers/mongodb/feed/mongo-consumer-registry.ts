// Consumers of the MongoDB change feed. Positions live in NVSentinel's ResumeTokens collection in
// its own format, `{clientName, resumeToken: {_data}}` upserted on clientName (plus our
// `lastUpdated`), so NVSentinel's components and ours read each other's. Registration, heartbeat
// and "position lost" live in a collection of ours (ConsoleConsumers), keyed by the client name.
//
// A registered consumer without a token starts from a cluster time: its registration ("now"), or
// the oldest entry of the oplog ("beginning", when the user may read local.oplog.rs; else its
// registration time). A position the oplog no longer holds is reported lost and counted, never
// replaced by "now" silently; consumers().restart starts again, explicitly.
import type { ChangeStreamOptions, Document, Timestamp } from 'mongodb';

import { StoreError } from '../../../errors/store-error';
import type { StartPosition } from '../../../feed/change-feed';
import { assertConsumerName } from '../../../feed/consumer-name';
import type { ConsumerLagFigures } from '../../../feed/consumer-lag';
import { classifyChangeStreamError } from '../mongo-errors';
import type { MongoConnection } from '../mongo-connection';
import { timestampDate } from '../mongo-topology';
import { lagFigures, type BehindScan } from './consumer-lag-figures';
import {
  compareClusterTimes,
  fromBsonTimestamp,
  isTokenData,
  toBsonTimestamp,
  tokenTime,
  type ClusterTime,
} from './resume-token';

/** Counting documents behind stops here (then reported as "at least"), or after SCAN_BUDGET_MS. */
export const DOCUMENTS_BEHIND_CAP = 10_000;
const SCAN_BUDGET_MS = 2_000;

export type StoredPosition =
  { kind: 'token'; token: string } | { kind: 'time'; time: ClusterTime; startAt: StartPosition };

export type StartOptions = Pick<ChangeStreamOptions, 'startAfter' | 'startAtOperationTime'>;

export interface ConsumerDocument {
  _id: string;
  registeredAt?: Date;
  startAt?: StartPosition;
  startAtOperationTime?: Timestamp | null;
  lastSeenAt?: Date;
  positionLostAt?: Date | null;
  positionLostReason?: string | null;
  /** The stored token that was lost (null: a start time); a different token since means it recovered. */
  positionLostToken?: string | null;
  positionLostCount?: number;
}

interface TokenDocument {
  clientName: string;
  resumeToken?: { _data?: unknown } | null;
  lastUpdated?: Date;
}

/**
 * The loss recorded for a consumer, while it still applies: once another token has been stored
 * (NVSentinel's own component restarts from "now" and writes one), the old loss is history.
 */
export function activeLoss(
  consumer: ConsumerDocument | null | undefined,
  storedToken: unknown,
): { at: Date; reason: string } | null {
  if (!consumer?.positionLostAt) return null;
  const current = isTokenData(storedToken) ? storedToken : null;
  if ((consumer.positionLostToken ?? null) !== current) return null;
  return { at: consumer.positionLostAt, reason: consumer.positionLostReason ?? 'the oplog no longer holds it' };
}

function lostError(name: string, at: Date, reason: string): StoreError {
  return new StoreError(
    'position-lost',
    `consumer "${name}" lost its position at ${at.toISOString()}: ${reason}; restart it explicitly with consumers().restart("${name}", { startAt: "beginning" | "now" })`,
  );
}

export class MongoConsumerRegistry {
  constructor(private readonly connection: MongoConnection) {}

  private get tokens() {
    // Majority, as NVSentinel writes its tokens: a position must survive a primary failover.
    return this.connection.db.collection<TokenDocument>(this.connection.names.tokens, {
      writeConcern: { w: 'majority' },
    });
  }

  private get consumers() {
    return this.connection.collection<ConsumerDocument>(this.connection.names.consumers);
  }

  /** The change streams' filter: only NVSentinel's health and maintenance collections. */
  watchedFilter(): Document {
    const { healthEvents, maintenanceEvents } = this.connection.names;
    return { $or: [{ 'ns.coll': { $in: [healthEvents, maintenanceEvents] } }, { operationType: 'invalidate' }] };
  }

  async register(name: string, startAt: StartPosition = 'beginning'): Promise<void> {
    assertConsumerName(name);
    if (startAt !== 'beginning' && startAt !== 'now')
      throw new StoreError('invalid', 'startAt: must be "beginning" or "now"');
    const time = await this.connection.clusterTime();
    await this.connection.run(
      'consumers.register',
      () =>
        this.consumers.updateOne(
          { _id: name },
          { $setOnInsert: { registeredAt: new Date(), startAt, startAtOperationTime: time } },
          { upsert: true },
        ),
      'register consumers',
    );
  }

  async loadPosition(name: string): Promise<StoredPosition> {
    assertConsumerName(name);
    const [token, consumer] = await this.connection.run('consumers.loadPosition', () =>
      Promise.all([this.tokens.findOne({ clientName: name }), this.consumers.findOne({ _id: name })]),
    );
    const data = token?.resumeToken?._data;
    const loss = activeLoss(consumer, data);
    if (loss) throw lostError(name, loss.at, loss.reason);
    if (isTokenData(data)) return { kind: 'token', token: data };
    if (token && token.resumeToken) {
      throw new StoreError(
        'position-lost',
        `consumer "${name}" has a stored resume token this SDK cannot read (${JSON.stringify(token.resumeToken).slice(0, 80)}); restart it explicitly with consumers().restart("${name}", …)`,
      );
    }
    if (consumer?.startAtOperationTime)
      return {
        kind: 'time',
        time: fromBsonTimestamp(consumer.startAtOperationTime),
        startAt: consumer.startAt ?? 'now',
      };
    throw new StoreError(
      'unknown-consumer',
      `no consumer named "${name}" is registered; register it first (consumers().register("${name}", { startAt: "beginning" | "now" }))`,
    );
  }

  /** The oldest change the oplog still holds, when this user may read local.oplog.rs. */
  async oldestOplogTime(): Promise<Timestamp | null> {
    try {
      const first = await this.connection.client
        .db('local')
        .collection('oplog.rs')
        .find({}, { projection: { ts: 1 } })
        .sort({ $natural: 1 })
        .limit(1)
        .next();
      return (first?.ts as Timestamp | undefined) ?? null;
    } catch {
      return null;
    }
  }

  async startOptions(position: StoredPosition): Promise<StartOptions> {
    if (position.kind === 'token') return { startAfter: { _data: position.token } };
    if (position.startAt === 'beginning') {
      const oldest = await this.oldestOplogTime();
      if (oldest) return { startAtOperationTime: oldest };
    }
    return { startAtOperationTime: toBsonTimestamp(position.time) };
  }

  async savePosition(name: string, token: string): Promise<void> {
    await this.connection.run(
      'consumers.savePosition',
      () =>
        this.tokens.updateOne(
          { clientName: name },
          { $set: { resumeToken: { _data: token }, lastUpdated: new Date() } },
          { upsert: true },
        ),
      'store resume tokens',
    );
  }

  async heartbeat(name: string): Promise<void> {
    await this.connection.run('consumers.heartbeat', () =>
      this.consumers.updateOne({ _id: name }, { $set: { lastSeenAt: new Date() } }, { upsert: true }),
    );
  }

  /** Records a lost position once per stored token (and counts it); repeats change nothing. */
  async markLost(name: string, reason: string): Promise<void> {
    const stored = await this.connection.run('consumers.markLost', () => this.tokens.findOne({ clientName: name }));
    const token = isTokenData(stored?.resumeToken?._data) ? stored.resumeToken._data : null;
    await this.connection
      .run('consumers.markLost', () =>
        this.consumers.updateOne(
          { _id: name, $or: [{ positionLostAt: null }, { positionLostToken: { $ne: token } }] },
          {
            $set: { positionLostAt: new Date(), positionLostReason: reason, positionLostToken: token },
            $inc: { positionLostCount: 1 },
          },
          { upsert: true },
        ),
      )
      .catch((error) => {
        // Already marked for this token (the upsert collided with the existing document): nothing to do.
        if ((error as { code?: number })?.code !== 11000) throw error;
      });
  }

  /** An explicit new start after a lost position: the oldest change the oplog holds, or now. */
  async restart(name: string, startAt: StartPosition): Promise<void> {
    assertConsumerName(name);
    if (startAt !== 'beginning' && startAt !== 'now')
      throw new StoreError('invalid', 'startAt: must be "beginning" or "now"');
    const time = await this.connection.clusterTime();
    await this.connection.run(
      'consumers.restart',
      async () => {
        await this.tokens.deleteMany({ clientName: name });
        await this.consumers.updateOne(
          { _id: name },
          {
            $set: { startAt, startAtOperationTime: time, registeredAt: new Date() },
            $unset: { positionLostAt: '', positionLostReason: '', positionLostToken: '' },
          },
          { upsert: true },
        );
      },
      'restart consumers',
    );
  }

  async names(): Promise<string[]> {
    const [tokens, consumers] = await this.connection.run('consumers.list', () =>
      Promise.all([this.tokens.distinct('clientName'), this.consumers.find({}, { projection: { _id: 1 } }).toArray()]),
    );
    return [
      ...new Set([
        ...tokens.filter((name): name is string => typeof name === 'string'),
        ...consumers.map((c) => c._id),
      ]),
    ].sort();
  }

  /**
   * Counts the changes after a position by reading the change stream from it (ids and times only),
   * up to the cluster time read as the head, the cap, or the time budget.
   */
  async scanBehind(start: StartOptions, head: Timestamp): Promise<BehindScan> {
    const stream = this.connection.db.watch<Document, Document>(
      [{ $match: this.watchedFilter() }, { $project: { _id: 1, clusterTime: 1, wallTime: 1, operationType: 1 } }],
      {
        ...start,
        batchSize: 1_000,
        maxAwaitTimeMS: 50,
      },
    );
    const scan: BehindScan = { count: 0, complete: false, firstAt: null, lastAt: null };
    const deadline = Date.now() + SCAN_BUDGET_MS;
    try {
      while (scan.count < DOCUMENTS_BEHIND_CAP && Date.now() < deadline) {
        const change = await stream.tryNext();
        if (
          !change ||
          change.operationType === 'invalidate' ||
          (change.clusterTime &&
            compareClusterTimes(fromBsonTimestamp(change.clusterTime), fromBsonTimestamp(head)) > 0)
        ) {
          scan.complete = true;
          break;
        }
        const at =
          change.wallTime instanceof Date
            ? change.wallTime
            : change.clusterTime
              ? timestampDate(change.clusterTime)
              : null;
        scan.count += 1;
        scan.firstAt ??= at;
        scan.lastAt = at ?? scan.lastAt;
      }
    } catch (error) {
      const failure = classifyChangeStreamError(error);
      if (failure.kind === 'position-lost') return { ...scan, lost: failure.reason };
      throw this.connection.translate(error, 'read the change stream');
    } finally {
      await stream.close().catch(() => {});
    }
    return scan;
  }

  /** Raw lag figures of every consumer (the judgement over time is ConsumerLagMonitor's). */
  async lag(): Promise<ConsumerLagFigures[]> {
    const head = await this.connection.clusterTime();
    const [tokens, consumers] = await this.connection.run('consumers.lag', () =>
      Promise.all([this.tokens.find({}).toArray(), this.consumers.find({}).toArray()]),
    );
    const tokenOf = new Map(tokens.map((doc) => [doc.clientName, doc]));
    const consumerOf = new Map(consumers.map((doc) => [doc._id, doc]));
    const names = [...new Set([...tokenOf.keys(), ...consumerOf.keys()])]
      .filter((name) => typeof name === 'string')
      .sort();
    const figures: ConsumerLagFigures[] = [];
    for (const name of names) {
      const token = tokenOf.get(name);
      const consumer = consumerOf.get(name);
      const lostMark = activeLoss(consumer, token?.resumeToken?._data);
      let position: StoredPosition | null = null;
      if (!lostMark) position = await this.loadPosition(name).catch(() => null);
      let scan: BehindScan | null = null;
      if (position) {
        const from = position;
        scan = await this.connection.run('consumers.lag', async () =>
          this.scanBehind(await this.startOptions(from), head),
        );
        // "beginning" may have been dropped from the oplog since it was read: look once more.
        if (scan.lost && from.kind === 'time' && from.startAt === 'beginning') {
          scan = await this.connection.run('consumers.lag', async () =>
            this.scanBehind(await this.startOptions(from), head),
          );
        }
        if (scan.lost) await this.markLost(name, scan.lost).catch(() => {});
      }
      figures.push(
        lagFigures({
          consumer: name,
          position: position?.kind === 'token' ? position.token : null,
          positionTime: position
            ? position.kind === 'token'
              ? tokenTime(position.token)
              : new Date(position.time.seconds * 1000)
            : null,
          clusterTime: timestampDate(head),
          scan,
          lostMark,
          lastAckAt: token?.lastUpdated ?? null,
          lastSeenAt: consumer?.lastSeenAt ?? null,
        }),
      );
    }
    return figures;
  }
}
