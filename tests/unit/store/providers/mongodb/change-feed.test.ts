// The MongoDB change feed's own rules, driven through a scripted change stream (no server): one
// reader, cumulative coalesced acks, pull-based reads, reconnects, malformed documents delivered,
// a lost position reported instead of skipped, and checkpoints (a feed opened from one, and where
// a feed stands).
import { MongoNetworkError, MongoServerError, type Document } from 'mongodb';
import { describe, expect, it, vi } from 'vitest';

import { StoreError, ValidationError, type ChangeEvent, type FeedCheckpoint, type FeedState } from '@/lib/store';
import { checkpointAfter } from '@/lib/store/providers/mongodb/feed/feed-checkpoint';
import { MongoChangeFeed } from '@/lib/store/providers/mongodb/feed/mongo-change-feed';
import type {
  MongoConsumerRegistry,
  StartOptions,
  StoredPosition,
} from '@/lib/store/providers/mongodb/feed/mongo-consumer-registry';
import type { MongoConnection } from '@/lib/store/providers/mongodb/mongo-connection';
import { translateMongoError } from '@/lib/store/providers/mongodb/mongo-errors';

import { nvsentinelDocument } from './documents';

const token = (n: number) =>
  `82${(1_763_700_000 + n).toString(16).toUpperCase().padStart(8, '0')}000000012B042C0100296E5A1004${n.toString(16).padStart(4, '0')}04`;

function insertChange(
  n: number,
  document: Document = nvsentinelDocument({ node: `node-${n}`, message: `m${n}` }),
): Document {
  return {
    _id: { _data: token(n) },
    operationType: 'insert',
    ns: { db: 'HealthEventsDatabase', coll: 'HealthEvents' },
    documentKey: { _id: document._id },
    fullDocument: document,
    wallTime: new Date(Date.UTC(2025, 10, 21, 4, 40, n)),
  };
}

/** An empty batch whose post-batch resume token is `_data` (the server's high-water mark). */
class EmptyBatch {
  constructor(readonly postBatchToken: string) {}
}

type Step = Document | null | Error | EmptyBatch;

/** A change stream that returns the scripted steps in order, one per tryNext(), then waits. */
class ScriptedStream {
  tryNextCalls = 0;
  closed = false;
  private token?: { _data: string };
  constructor(
    private readonly steps: Step[],
    readonly options: Document,
  ) {}
  /** As the driver's: after an empty batch, its post-batch token. */
  get resumeToken() {
    return this.token;
  }
  async tryNext(): Promise<Document | null> {
    this.tryNextCalls += 1;
    const step = this.steps.shift();
    if (step instanceof Error) throw step;
    if (step instanceof EmptyBatch) {
      this.token = { _data: step.postBatchToken };
      return null;
    }
    if (step === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return null;
    }
    return step;
  }
  async close() {
    this.closed = true;
  }
}

function setup(
  scripts: Step[][],
  options: { stored?: StoredPosition; saveDelayMs?: number; from?: FeedCheckpoint } = {},
) {
  const streams: ScriptedStream[] = [];
  const saved: string[] = [];
  const lost: string[] = [];
  const states: FeedState[] = [];
  const connection = {
    names: { healthEvents: 'HealthEvents', maintenanceEvents: 'MaintenanceEvents' },
    target: 'mongo-0:27017/HealthEventsDatabase',
    translate: (error: unknown) => translateMongoError(error, 'mongo-0:27017/HealthEventsDatabase'),
    db: {
      watch: (_pipeline: Document[], streamOptions: Document) => {
        const stream = new ScriptedStream(scripts.shift() ?? [], streamOptions);
        streams.push(stream);
        return stream;
      },
    },
  } as unknown as MongoConnection;
  const registry = {
    loadPosition: async () =>
      options.stored ?? { kind: 'time', time: { seconds: 1_763_700_000, increment: 0 }, startAt: 'now' },
    startOptions: async (position: StoredPosition): Promise<StartOptions> =>
      position.kind === 'token' ? { startAfter: { _data: position.token } } : { startAtOperationTime: undefined },
    savePosition: async (_name: string, position: string) => {
      await new Promise((resolve) => setTimeout(resolve, options.saveDelayMs ?? 0));
      saved.push(position);
    },
    heartbeat: async () => {},
    markLost: async (_name: string, reason: string) => {
      lost.push(reason);
    },
  } as unknown as MongoConsumerRegistry;
  const feed = new MongoChangeFeed('fault-quarantine', connection, registry, {
    preImages: true,
    batchSize: 50,
    onStateChange: (state) => states.push(state),
    ...(options.from !== undefined ? { from: options.from } : {}),
  });
  return { feed, streams, saved, lost, states };
}

async function take(iterator: AsyncIterator<ChangeEvent>, count: number): Promise<ChangeEvent[]> {
  const out: ChangeEvent[] = [];
  for (let i = 0; i < count; i += 1) out.push((await iterator.next()).value as ChangeEvent);
  return out;
}

describe('MongoDB change feed', () => {
  it('delivers changes with their token as position, and a malformed document marked instead of stopping', async () => {
    const broken = nvsentinelDocument({ node: 'bad' });
    // (An enum value the SDK does not know is no longer malformed: it reads as unknown(<raw>).)
    broken.healthevent.entitiesimpacted = 'GPU 3';
    const { feed, streams } = setup([[insertChange(1), insertChange(2, broken), insertChange(3)]]);
    await feed.open();
    expect(streams[0].options).toMatchObject({
      fullDocument: 'updateLookup',
      fullDocumentBeforeChange: 'whenAvailable',
      batchSize: 50,
    });
    const [first, second, third] = await take(feed[Symbol.asyncIterator](), 3);
    expect(first).toMatchObject({
      position: token(1),
      operation: 'insert',
      collection: 'healthEvents',
      document: { healthEvent: { nodeName: 'node-1' } },
    });
    expect(second).toMatchObject({
      position: token(2),
      document: null,
      malformed: { error: expect.stringMatching(/^healthevent\.entitiesimpacted: must be an array/) },
    });
    expect(third.position).toBe(token(3));
    await feed.close();
  });

  it('hands out one iterator only', async () => {
    const { feed } = setup([[]]);
    await feed.open();
    feed[Symbol.asyncIterator]();
    expect(() => feed[Symbol.asyncIterator]()).toThrow(expect.objectContaining({ code: 'feed-in-use' }));
    await feed.close();
  });

  it('stores acks cumulatively, one write per round trip, and refuses positions it never delivered', async () => {
    const { feed, saved } = setup([[1, 2, 3, 4, 5].map((n) => insertChange(n))], { saveDelayMs: 30 });
    await feed.open();
    const changes = await take(feed[Symbol.asyncIterator](), 5);
    await expect(feed.ack('999999999/999999999')).rejects.toMatchObject({ code: 'ack-unknown-position' });
    await expect(feed.ack(token(9))).rejects.toMatchObject({ code: 'ack-unknown-position' });
    await Promise.all(changes.map((change) => feed.ack(change.position)));
    expect(saved.length).toBeLessThanOrEqual(2);
    expect(saved.at(-1)).toBe(token(5));
    await feed.ack(token(2)); // already covered by the ack of 5: no write
    expect(saved.at(-1)).toBe(token(5));
    await feed.close();
  });

  it('reads only when the consumer asks for the next change (backpressure)', async () => {
    const { feed, streams } = setup([[1, 2, 3].map((n) => insertChange(n))]);
    await feed.open();
    const iterator = feed[Symbol.asyncIterator]();
    await iterator.next();
    const reads = streams[0].tryNextCalls;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(streams[0].tryNextCalls).toBe(reads);
    await iterator.next();
    expect(streams[0].tryNextCalls).toBe(reads + 1);
    await feed.close();
  });

  it('reconnects after the server goes away, resuming after the last change it delivered', async () => {
    const { feed, streams, states } = setup([
      [insertChange(1), new MongoNetworkError('connection 3 to mongo-0:27017 closed')],
      [insertChange(2)],
    ]);
    await feed.open();
    const iterator = feed[Symbol.asyncIterator]();
    await take(iterator, 1);
    const [second] = await take(iterator, 1);
    expect(second.position).toBe(token(2));
    expect(streams[0].closed).toBe(true);
    expect(streams[1].options).toMatchObject({ startAfter: { _data: token(1) } });
    expect(states).toEqual(['live', 'reconnecting', 'live']);
    await feed.close();
    expect(states.at(-1)).toBe('closed');
  });

  it('ends with "position lost" when the oplog no longer holds the position, and records it', async () => {
    const historyLost = new MongoServerError({
      code: 286,
      codeName: 'ChangeStreamHistoryLost',
      errmsg: 'Resume of change stream was not possible',
    });
    const { feed, lost } = setup([[insertChange(1), historyLost]]);
    await feed.open();
    const iterator = feed[Symbol.asyncIterator]();
    await take(iterator, 1);
    const error = await iterator.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({
      code: 'position-lost',
      message: expect.stringMatching(/lost its position: ChangeStreamHistoryLost.*consumers\(\)\.restart/),
    });
    expect(lost).toHaveLength(1);
    expect(feed.state).toBe('closed');
  });

  it('fails at open when the stored position is already gone', async () => {
    const { feed, lost } = setup([[new MongoServerError({ code: 286, errmsg: 'history lost' })]], {
      stored: { kind: 'token', token: token(1) },
    });
    await expect(feed.open()).rejects.toMatchObject({ code: 'position-lost' });
    expect(lost).toHaveLength(1);
  });

  it('stores the acknowledged position when closed', async () => {
    const { feed, saved } = setup([[insertChange(1)]], { saveDelayMs: 20 });
    await feed.open();
    const [change] = await take(feed[Symbol.asyncIterator](), 1);
    const acked = feed.ack(change.position);
    await feed.close();
    await acked;
    expect(saved).toEqual([token(1)]);
  });
});

describe('MongoDB change feed from a checkpoint', () => {
  /** A high-water mark at second 1_763_700_000 + n: past every change before that second. */
  const highWaterMark = (n: number) =>
    `82${(1_763_700_000 + n).toString(16).toUpperCase().padStart(8, '0')}000000002B0429296E04`;
  const readAt = (n: number) => checkpointAfter({ seconds: 1_763_700_000 + n, increment: 1 });

  it("starts at the tick after readNodeState's read, and stands after each change it delivered", async () => {
    const checkpoint = readAt(0);
    const { feed, streams } = setup([[insertChange(1), insertChange(2)]], {
      from: checkpoint,
      stored: { kind: 'token', token: token(9) },
    });
    await feed.open();
    expect(streams[0].options.startAfter).toBeUndefined();
    const start = streams[0].options.startAtOperationTime;
    expect([start.t, start.i]).toEqual([1_763_700_000, 2]);
    expect(feed.checkpoint()).toBe(checkpoint); // nothing delivered yet: where it started
    const iterator = feed[Symbol.asyncIterator]();
    const [first] = await take(iterator, 1);
    const afterFirst = feed.checkpoint();
    expect(JSON.parse(afterFirst)).toEqual({ provider: 'mongodb', startAfter: token(1) });
    expect(feed.hasPassed(afterFirst, first.position)).toBe(true);
    expect(feed.hasPassed(afterFirst, token(2))).toBe(false);
    expect(feed.hasPassed(checkpoint, first.position)).toBe(false);
    await feed.close();
  });

  it('opens again after the last change a kept checkpoint stood at', async () => {
    const first = setup([[insertChange(1)]], { from: readAt(0) });
    await first.feed.open();
    await take(first.feed[Symbol.asyncIterator](), 1);
    const kept = first.feed.checkpoint();
    await first.feed.close();

    const again = setup([[insertChange(2)]], { from: kept });
    await again.feed.open();
    expect(again.streams[0].options).toMatchObject({ startAfter: { _data: token(1) } });
    const [next] = await take(again.feed[Symbol.asyncIterator](), 1);
    expect(next.position).toBe(token(2));
    await again.feed.close();
  });

  it('moves its checkpoint past an idle stretch (the post-batch token), never back', async () => {
    const { feed, streams } = setup(
      [[insertChange(1), new EmptyBatch(highWaterMark(0)), new EmptyBatch(highWaterMark(5))]],
      {
        from: readAt(0),
      },
    );
    await feed.open();
    const iterator = feed[Symbol.asyncIterator]();
    await take(iterator, 1);
    const pending = iterator.next();
    // A post-batch token before the change delivered leaves the checkpoint; a later one moves it.
    await vi.waitFor(() => expect(streams[0].tryNextCalls).toBeGreaterThanOrEqual(3));
    await vi.waitFor(() =>
      expect(JSON.parse(feed.checkpoint())).toEqual({ provider: 'mongodb', startAfter: highWaterMark(5) }),
    );
    expect(feed.hasPassed(feed.checkpoint(), token(4))).toBe(true);
    expect(feed.hasPassed(feed.checkpoint(), token(5))).toBe(false);
    await feed.close();
    await pending;
  });

  it('keeps its checkpoint when a post-batch token is not past it', async () => {
    const { feed, streams } = setup([[new EmptyBatch(highWaterMark(0))]], { from: readAt(3) });
    await feed.open();
    const pending = feed[Symbol.asyncIterator]().next();
    await vi.waitFor(() => expect(streams[0].tryNextCalls).toBeGreaterThanOrEqual(2));
    expect(feed.checkpoint()).toBe(readAt(3));
    await feed.close();
    await pending;
  });

  it('refuses a checkpoint that is not MongoDB’s when the feed is asked for, before any read', () => {
    const postgres = JSON.stringify({ order: 'id', top: '120', gaps: [] });
    expect(() => setup([[]], { from: postgres })).toThrow(ValidationError);
    expect(() => setup([[]], { from: postgres })).toThrow(/^checkpoint: is a PostgreSQL feed checkpoint/);
    expect(() => setup([[]], { from: 'garbage' })).toThrow(/^checkpoint: is not a MongoDB feed checkpoint/);
  });

  it("reports a checkpoint the oplog no longer holds as the feed's loss, leaving the stored position unmarked", async () => {
    const { feed, lost } = setup([[new MongoServerError({ code: 286, errmsg: 'history lost' })]], { from: readAt(0) });
    await expect(feed.open()).rejects.toMatchObject({
      code: 'position-lost',
      message: expect.stringMatching(
        /opened from a checkpoint lost its place: ChangeStreamHistoryLost.*readNodeState\(\)/,
      ),
    });
    expect(lost).toEqual([]);
  });

  it('refuses to judge a position that is not a resume token, naming position', async () => {
    const { feed } = setup([[]], { from: readAt(0) });
    await feed.open();
    expect(() => feed.hasPassed(readAt(0), '120')).toThrow(/^position: is not a MongoDB feed position/);
    expect(() => feed.hasPassed('{}', token(1))).toThrow(/^checkpoint: /);
    await feed.close();
  });
});
