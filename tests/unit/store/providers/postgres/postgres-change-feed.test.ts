// The PostgreSQL change feed (lib/store/providers/postgres/feed/postgres-change-feed.ts) as its
// consumer sees it, with no server: a scripted changelog reader (each read answers the next scripted
// batch, error or held-back promise; once the script is used up a read answers only when the feed
// closes its connection, as pg does), a stand-in consumer registry, and a stand-in LISTEN connection
// the test drives (a notification, the connection lost and back). Fake timers, advanced explicitly,
// stand for the poll, the backoff and the heartbeat. Covered: how a changelog row becomes a change
// (documents, a delete's before, storedAt, a malformed document), the states reported, connection
// failures retried and any other error ending the feed, when the next read happens (poll,
// notification, "again", held back), closing at each point (while starting, during a read, between
// two rows), heartbeats, cumulative acks and the quiet store of a caught-up position, checkpoints,
// a reader without a stored position against changelog retention, and one reader per feed.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { StoreError } from '@/lib/store/errors/store-error';
import type { ChangeEvent, HealthEventChange, MaintenanceEventChange } from '@/lib/store/feed/change-event';
import type { FeedState } from '@/lib/store/feed/change-feed';
import { decodeRow } from '@/lib/store/providers/postgres/health-event-codec';
import { decodeMaintenanceDocument } from '@/lib/store/providers/postgres/maintenance-event-codec';
import {
  EPOCH_TEXT,
  type ChangelogOrder,
  type ChangelogRow,
  type FeedRead,
  type ReadContext,
} from '@/lib/store/providers/postgres/feed/changelog-order';
import { commitOrder } from '@/lib/store/providers/postgres/feed/commit-order';
import { decodeCheckpoint, encodeCheckpoint } from '@/lib/store/providers/postgres/feed/feed-checkpoint';
import type { FeedState as CommitState } from '@/lib/store/providers/postgres/feed/feed-position';
import { idOrder, type IdOrderState } from '@/lib/store/providers/postgres/feed/id-order';
import {
  PostgresChangeFeed,
  type PostgresChangeFeedOptions,
} from '@/lib/store/providers/postgres/feed/postgres-change-feed';
import type {
  PostgresConsumerRegistry,
  StoredPosition,
} from '@/lib/store/providers/postgres/feed/postgres-consumer-registry';
import type { PostgresConnection } from '@/lib/store/providers/postgres/postgres-connection';

import { maintenanceDocument, xidFatalDocument } from '../../../../fixtures/nvsentinel/documents';

/** The LISTEN connection as the feed builds it; the test calls its callbacks as pg events would. */
const { listeners, StandInListener } = vi.hoisted(() => {
  class StandInListener {
    started = 0;
    stopped = 0;
    constructor(
      readonly connectionString: string,
      readonly onNotify: () => void,
      readonly onConnectionChange: (connected: boolean) => void,
      readonly ssl?: unknown,
    ) {
      listeners.push(this);
    }
    start(): void {
      this.started += 1;
    }
    async stop(): Promise<void> {
      this.stopped += 1;
    }
  }
  const listeners: StandInListener[] = [];
  return { listeners, StandInListener };
});

vi.mock('@/lib/store/providers/postgres/feed/notification-listener', () => ({ NotificationListener: StandInListener }));

const CONSUMER = 'fault-quarantine';
const TLS = { rejectUnauthorized: true, ca: 'the CA NVSentinel mounts' };

class Deferred<T> {
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;
  readonly promise = new Promise<T>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
}

/** The feed's own read connection: closing it fails the read it is waiting on, as pg does. */
class StandInReader {
  closed = false;
  private waiting: ((error: Error) => void)[] = [];
  close = async () => {
    this.closed = true;
    for (const reject of this.waiting.splice(0)) reject(new Error('Connection terminated'));
  };
  /** A read the server never answers (the script is used up). */
  unanswered(): Promise<never> {
    return new Promise((_, reject) => {
      if (!this.closed) this.waiting.push(reject);
    });
  }
}

type Step = FeedRead<unknown> | Error | Deferred<FeedRead<unknown>>;

/** A commit-order state whose base is (txid, id). */
const at = (txid: number, id = 0): CommitState => ({ base: { txid: BigInt(txid), id: BigInt(id) }, above: [] });

/** changed_at of changelog row `id`, as a Date and as the microsecond text a token keeps. */
const changedAt = (id: number) => new Date(Date.UTC(2025, 10, 21, 4, 40, id, 123));
const changedAtText = (id: number) => `2025-11-21T04:40:${String(id).padStart(2, '0')}.123456Z`;
const recordId = (id: number) => `0b7c9e2a-5d1f-4e8b-9a3c-${String(id).padStart(12, '0')}`;

/** A health_events changelog row as NVSentinel's trigger writes it (new_values: to_jsonb(NEW)). */
function healthRow(id: number, overrides: Partial<ChangelogRow> = {}): ChangelogRow {
  return {
    id: String(id),
    table_name: 'health_events',
    record_id: recordId(id),
    operation: 'INSERT',
    new_values: {
      id: recordId(id),
      created_at: `2025-11-21T04:40:${String(id).padStart(2, '0')}.512345+00:00`,
      document: xidFatalDocument(`gpu-node-${id}`),
    },
    old_values: null,
    changed_at: changedAt(id),
    changed_at_text: changedAtText(id),
    ...overrides,
  };
}

function maintenanceRow(id: number, overrides: Partial<ChangelogRow> = {}): ChangelogRow {
  return healthRow(id, {
    table_name: 'maintenance_events',
    new_values: {
      id: recordId(id),
      created_at: '2026-01-02T03:04:06.000000+00:00',
      document: maintenanceDocument({
        eventId: `maint-${id}`,
        csp: 'gcp',
        clusterName: 'dgx-east',
        nodeName: `gpu-node-${id}`,
        status: 'MAINTENANCE_SCHEDULED',
        cspStatus: 'PENDING',
      }),
    },
    ...overrides,
  });
}

/** A row read in commit order at (txid, id), with the state once it is passed. */
const entry = (txid: number, row: ChangelogRow) => ({
  row,
  position: `${txid}/${row.id}`,
  state: at(txid, Number(row.id)) as unknown,
});

function batch(
  rows: ReturnType<typeof entry>[],
  options: { state?: unknown; heldBack?: boolean } = {},
): FeedRead<unknown> {
  return { rows, state: options.state ?? rows.at(-1)!.state, heldBack: options.heldBack ?? false, again: false };
}

const empty = (state: unknown, options: { heldBack?: boolean; again?: boolean } = {}): FeedRead<unknown> => ({
  rows: [],
  state,
  heldBack: options.heldBack ?? false,
  again: options.again ?? false,
});

/** Where the consumer's stored position stands unless a test says otherwise. */
const STORED: StoredPosition = { state: at(4), changedAt: new Date('2025-11-21T04:39:59.000Z') };

interface FeedSetup {
  order?: ChangelogOrder<unknown>;
  stored?: StoredPosition | Promise<StoredPosition>;
  heartbeat?: () => Promise<void>;
  assertNotLost?: () => Promise<void>;
  removedThrough?: () => Promise<string | undefined>;
  savePosition?: () => Promise<void>;
  options?: Partial<PostgresChangeFeedOptions>;
}

const opened: PostgresChangeFeed[] = [];

function openFeed(steps: Step[], setup: FeedSetup = {}) {
  const started = Date.now();
  const reads: { at: number; state: unknown; context: ReadContext; connection: unknown }[] = [];
  const readers: StandInReader[] = [];
  const states: FeedState[] = [];
  const onClose = vi.fn();
  const read = async (connection: PostgresConnection, state: unknown, context: ReadContext) => {
    reads.push({ at: Date.now() - started, state, context, connection });
    // The answer comes back later, never within the call.
    await Promise.resolve();
    await Promise.resolve();
    const step = steps.shift();
    if (step === undefined) return (connection as unknown as StandInReader).unanswered();
    if (step instanceof Error) throw step;
    if (step instanceof Deferred) return step.promise;
    return step;
  };
  const order = setup.order ?? (commitOrder as ChangelogOrder<unknown>);
  const noWrite = async () => {};
  const registry = {
    changelogOrder: vi.fn(async () => ({ ...order, reader: () => read })),
    loadPosition: vi.fn<(name: string) => Promise<StoredPosition>>(() => Promise.resolve(setup.stored ?? STORED)),
    heartbeat: vi.fn<(name: string) => Promise<void>>(setup.heartbeat ?? noWrite),
    assertNotLost: vi.fn<(name: string) => Promise<void>>(setup.assertNotLost ?? noWrite),
    removedThrough: vi.fn<() => Promise<string | undefined>>(setup.removedThrough ?? (async () => undefined)),
    savePosition: vi.fn<(name: string, state: unknown, changedAt: string) => Promise<void>>(
      setup.savePosition ?? noWrite,
    ),
  };
  const connection = {
    options: { connectionString: 'postgres://console@db/nvsentinel', ssl: TLS },
    dedicated: () => {
      const reader = new StandInReader();
      readers.push(reader);
      return reader;
    },
  };
  const feed = new PostgresChangeFeed(
    CONSUMER,
    connection as unknown as PostgresConnection,
    registry as unknown as PostgresConsumerRegistry,
    {
      listenConnectionString: 'postgres://listener@db/nvsentinel',
      onStateChange: (state) => states.push(state),
      onClose,
      ...setup.options,
    },
  );
  opened.push(feed);
  return { feed, reads, readers, states, onClose, registry, readTimes: () => reads.map((r) => r.at) };
}

/** Lets the fake clock move `ms`, running every timer and promise due meanwhile. */
const elapse = (ms: number) => vi.advanceTimersByTimeAsync(ms);
/** Runs whatever is due now (promises, zero-delay timers) without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

/** Whether a promise has settled yet, and with what. */
function track<T>(promise: Promise<T>) {
  const seen: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(seen, { settled: true, value }),
    (error: unknown) => Object.assign(seen, { settled: true, error }),
  );
  return seen;
}

async function take(changes: AsyncIterator<ChangeEvent>, count: number): Promise<ChangeEvent[]> {
  const out: ChangeEvent[] = [];
  for (let i = 0; i < count; i += 1) {
    const next = await changes.next();
    expect(next.done).toBe(false);
    out.push(next.value as ChangeEvent);
  }
  return out;
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected it to throw');
}

const listener = () => listeners.at(-1)!;
const DONE = { done: true, value: undefined };

beforeEach(() => {
  vi.useFakeTimers();
  listeners.length = 0;
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((feed) => feed.close()));
  vi.useRealTimers();
});

describe('PostgreSQL change feed', () => {
  it('closed while it loads its position: opens no LISTEN connection or reader, never beats, and its iteration ends', async () => {
    const loading = new Deferred<StoredPosition>();
    const { feed, reads, readers, states, onClose, registry } = openFeed([batch([entry(5, healthRow(1))])], {
      stored: loading.promise,
    });
    const first = feed[Symbol.asyncIterator]().next();
    await settle();
    expect(registry.loadPosition).toHaveBeenCalledWith(CONSUMER);

    await feed.close();
    loading.resolve(STORED);
    await expect(first).resolves.toEqual(DONE);
    await elapse(20_000);
    expect(listeners).toEqual([]);
    expect(readers).toEqual([]);
    expect(reads).toEqual([]);
    expect(registry.heartbeat).not.toHaveBeenCalled();
    expect(states).toEqual(['closed']);
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('closed during its first heartbeat: no heartbeat timer outlives it, and what it opened is released', async () => {
    const beat = new Deferred<void>();
    const { feed, reads, readers, registry } = openFeed([batch([entry(5, healthRow(1))])], {
      heartbeat: () => (registry.heartbeat.mock.calls.length === 1 ? beat.promise : Promise.resolve()),
    });
    const first = feed[Symbol.asyncIterator]().next();
    await settle();
    expect(registry.heartbeat).toHaveBeenCalledTimes(1);
    expect(listener().started).toBe(1);

    const closed = feed.close();
    beat.resolve();
    await closed;
    await expect(first).resolves.toEqual(DONE);
    await elapse(20_000);
    expect(registry.heartbeat).toHaveBeenCalledTimes(1);
    expect(listener().stopped).toBe(1);
    expect(readers.map((reader) => reader.closed)).toEqual([true]);
    expect(reads).toEqual([]);
  });

  it('listens with the LISTEN connection string and the pool TLS, reads on a dedicated connection with the followed tables and batch size, and releases both on close', async () => {
    const { feed, reads, readers } = openFeed([batch([entry(5, healthRow(1))])]);
    await take(feed[Symbol.asyncIterator](), 1);
    expect(listeners).toHaveLength(1);
    expect(listener()).toMatchObject({ connectionString: 'postgres://listener@db/nvsentinel', ssl: TLS, started: 1 });
    expect(reads).toHaveLength(1);
    expect(reads[0].connection).toBe(readers[0]);
    expect(reads[0].state).toEqual(at(4));
    expect(reads[0].context).toEqual({ tables: ['health_events', 'maintenance_events'], batchSize: 500 });

    await feed.close();
    expect(listener().stopped).toBe(1);
    expect(readers.map((reader) => reader.closed)).toEqual([true]);
  });

  it('turns changelog rows into changes: a health event with storedAt from its created_at column, a maintenance event, an update whose created_at is not a time, and a delete with its before', async () => {
    const inserted = healthRow(1);
    const maintenance = maintenanceRow(2);
    const garbled = healthRow(3, {
      operation: 'UPDATE',
      new_values: { ...healthRow(3).new_values!, created_at: 'garbage' },
    });
    // The old document has no createdAt of its own: the row's created_at column stands in.
    const withoutCreatedAt: Record<string, unknown> = { ...xidFatalDocument('gpu-node-4') };
    delete withoutCreatedAt.createdAt;
    const oldValues = { id: recordId(4), created_at: '2025-11-21T04:30:00.250000+00:00', document: withoutCreatedAt };
    const deleted = healthRow(4, { operation: 'DELETE', new_values: null, old_values: oldValues });
    const { feed } = openFeed([
      batch([entry(5, inserted), entry(5, maintenance), entry(6, garbled), entry(7, deleted)]),
    ]);
    const [insert, maint, update, remove] = await take(feed[Symbol.asyncIterator](), 4);

    expect(insert).toEqual({
      position: '5/1',
      collection: 'healthEvents',
      operation: 'insert',
      recordId: recordId(1),
      committedAt: changedAt(1),
      document: decodeRow(inserted.new_values!),
      before: null,
      storedAt: new Date('2025-11-21T04:40:01.512345+00:00'),
    });
    const document = (insert as HealthEventChange).document!;
    expect(document.recordId).toBe(recordId(1));
    expect(document.healthEvent).toMatchObject({ nodeName: 'gpu-node-1', checkName: 'SysLogsXIDError', isFatal: true });
    expect(document.healthEvent.errorCode).toEqual(['79']);

    expect(maint).toEqual({
      position: '5/2',
      collection: 'maintenanceEvents',
      operation: 'insert',
      recordId: recordId(2),
      committedAt: changedAt(2),
      document: decodeMaintenanceDocument(maintenance.new_values!.document),
      before: null,
    });
    expect((maint as MaintenanceEventChange).document).toMatchObject({ eventId: 'maint-2', nodeName: 'gpu-node-2' });

    expect(update).toMatchObject({ position: '6/3', operation: 'update', collection: 'healthEvents' });
    expect((update as HealthEventChange).document!.healthEvent.nodeName).toBe('gpu-node-3');

    expect(remove).toEqual({
      position: '7/4',
      collection: 'healthEvents',
      operation: 'delete',
      recordId: recordId(4),
      committedAt: changedAt(4),
      document: null,
      before: decodeRow(oldValues),
    });
    const before = (remove as HealthEventChange).before!;
    expect(before.recordId).toBe(recordId(4));
    expect(before.createdAt).toEqual(new Date('2025-11-21T04:30:00.250Z'));
    expect(before.healthEvent.nodeName).toBe('gpu-node-4');

    // Only the health event with a created_at that reads as a time says when it was stored.
    for (const change of [maint, update, remove]) expect(Object.keys(change)).not.toContain('storedAt');
    for (const change of [insert, maint, update, remove]) expect(Object.keys(change)).not.toContain('malformed');
  });

  it('delivers a row whose document the codec refuses marked malformed, with the codec message and the raw values, and goes on', async () => {
    const good = xidFatalDocument('gpu-node-1');
    const broken = healthRow(1, {
      operation: 'UPDATE',
      new_values: {
        id: recordId(1),
        created_at: '2025-11-21T04:40:01.512345+00:00',
        document: { ...good, healthevent: { ...good.healthevent, generatedTimestamp: 'nope' } },
      },
      old_values: { id: recordId(1), created_at: '2025-11-21T04:40:01.512345+00:00', document: good },
    });
    const { feed } = openFeed([batch([entry(5, broken), entry(5, healthRow(2))])]);
    const [malformed, next] = await take(feed[Symbol.asyncIterator](), 2);
    expect(malformed).toEqual({
      position: '5/1',
      collection: 'healthEvents',
      operation: 'update',
      recordId: recordId(1),
      committedAt: changedAt(1),
      document: null,
      before: null,
      malformed: { error: 'healthevent.generatedTimestamp: is not a timestamp: "nope"', raw: broken.new_values },
    });
    expect(malformed.malformed!.raw).toBe(broken.new_values);
    expect(next).toMatchObject({ position: '5/2', operation: 'insert' });
    expect((next as HealthEventChange).document!.healthEvent.nodeName).toBe('gpu-node-2');
  });

  it('delivers an update or delete whose old values alone the codec refuses, with before null, not malformed', async () => {
    // Were it malformed, the change would be dead-lettered and the stored update would never reach the node views.
    const good = xidFatalDocument('gpu-node-1');
    const unreadable = {
      id: recordId(1),
      created_at: '2025-11-21T04:40:01.512345+00:00',
      document: { ...good, healthevent: { ...good.healthevent, generatedTimestamp: 'nope' } },
    };
    const updated = healthRow(1, { operation: 'UPDATE', old_values: unreadable });
    const deleted = healthRow(2, { operation: 'DELETE', new_values: null, old_values: unreadable });
    const { feed } = openFeed([batch([entry(5, updated), entry(5, deleted)])]);
    const [update, removal] = await take(feed[Symbol.asyncIterator](), 2);
    expect(update).toEqual({
      position: '5/1',
      collection: 'healthEvents',
      operation: 'update',
      recordId: recordId(1),
      committedAt: changedAt(1),
      document: decodeRow(updated.new_values!),
      before: null,
      storedAt: new Date('2025-11-21T04:40:01.512345+00:00'),
    });
    expect(removal).toEqual({
      position: '5/2',
      collection: 'healthEvents',
      operation: 'delete',
      recordId: recordId(2),
      committedAt: changedAt(2),
      document: null,
      before: null,
    });
  });

  it('reports live after the first good read though LISTEN never said so, each state once, stays reconnecting while LISTEN is away, and nothing after closed', async () => {
    const { feed, states, onClose } = openFeed([batch([entry(5, healthRow(1))]), batch([entry(5, healthRow(2))])]);
    const changes = feed[Symbol.asyncIterator]();
    expect(feed.state).toBe('starting');
    await take(changes, 1);
    expect(states).toEqual(['live']);
    expect(feed.state).toBe('live');

    listener().onConnectionChange(true);
    expect(states).toEqual(['live']);

    listener().onConnectionChange(false);
    expect(states).toEqual(['live', 'reconnecting']);
    // A good read while the LISTEN connection is away does not say live: LISTEN says when it is back.
    await take(changes, 1);
    expect(states).toEqual(['live', 'reconnecting']);
    expect(feed.state).toBe('reconnecting');

    listener().onConnectionChange(true);
    expect(states).toEqual(['live', 'reconnecting', 'live']);

    await feed.close();
    await feed.close();
    listener().onConnectionChange(false);
    listener().onConnectionChange(true);
    expect(states).toEqual(['live', 'reconnecting', 'live', 'closed']);
    expect(feed.state).toBe('closed');
    expect(onClose).toHaveBeenCalledTimes(1);
    await expect(changes.next()).resolves.toEqual(DONE);
  });

  it('retries a read the database could not answer after 100, 200, 400 ms and on, doubling to at most 5 s, reconnecting meanwhile, then delivers; the next failure waits 100 ms again', async () => {
    const pgFailure = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});
    const { feed, states, readTimes } = openFeed([
      new StoreError('unreachable', 'PostgreSQL at db:5432 is unreachable'),
      new StoreError('connect', 'could not connect to PostgreSQL at db:5432'),
      pgFailure('terminating connection due to administrator command', '57P01'),
      pgFailure('connect ECONNREFUSED 10.0.0.7:5432', 'ECONNREFUSED'),
      pgFailure('Connection terminated unexpectedly'),
      pgFailure('Client has encountered a connection error and is not queryable'),
      pgFailure('timeout exceeded when trying to connect: connection timeout'),
      batch([entry(5, healthRow(1))]),
      new StoreError('unreachable', 'PostgreSQL at db:5432 is unreachable'),
      batch([entry(5, healthRow(2))]),
    ]);
    const changes = feed[Symbol.asyncIterator]();
    const first = track(changes.next());
    await settle();
    expect(states).toEqual(['reconnecting']);
    await elapse(11_299);
    expect(readTimes()).toEqual([0, 100, 300, 700, 1_500, 3_100, 6_300]);
    expect(first.settled).toBe(false);
    expect(feed.state).toBe('reconnecting');

    await elapse(1);
    expect(readTimes()).toEqual([0, 100, 300, 700, 1_500, 3_100, 6_300, 11_300]);
    expect(first.value).toMatchObject({ done: false, value: { position: '5/1' } });
    expect(states).toEqual(['reconnecting', 'live']);

    const second = track(changes.next());
    await elapse(99);
    expect(second.settled).toBe(false);
    await elapse(1);
    expect(readTimes().slice(-2)).toEqual([11_300, 11_400]);
    expect(second.value).toMatchObject({ done: false, value: { position: '5/2' } });
    expect(states).toEqual(['reconnecting', 'live', 'reconnecting', 'live']);
  });

  it('cuts the backoff short when woken (the LISTEN connection back notifies)', async () => {
    const unreachable = () => new StoreError('unreachable', 'PostgreSQL at db:5432 is unreachable');
    const { feed, readTimes } = openFeed([
      unreachable(),
      unreachable(),
      unreachable(),
      batch([entry(5, healthRow(1))]),
    ]);
    const first = track(feed[Symbol.asyncIterator]().next());
    await elapse(350);
    expect(readTimes()).toEqual([0, 100, 300]);
    listener().onConnectionChange(true);
    listener().onNotify();
    await settle();
    expect(readTimes()).toEqual([0, 100, 300, 350]);
    expect(first.value).toMatchObject({ done: false, value: { position: '5/1' } });
  });

  it.each([
    ['a StoreError other than unreachable or connect', new StoreError('invalid', 'tables: unknown table')],
    [
      'a pg error that is no connection failure',
      Object.assign(new Error('permission denied for table datastore_changelog'), { code: '42501' }),
    ],
  ])('ends on %s: next() rejects with it, nothing is retried, and the feed closes once', async (_, error) => {
    const { feed, states, onClose, readers, readTimes } = openFeed([error, batch([entry(5, healthRow(1))])]);
    const changes = feed[Symbol.asyncIterator]();
    await expect(changes.next()).rejects.toBe(error);
    expect(feed.state).toBe('closed');
    expect(states).toEqual(['closed']);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(listener().stopped).toBe(1);
    expect(readers[0].closed).toBe(true);
    await elapse(10_000);
    expect(readTimes()).toEqual([0]);
    await expect(changes.next()).resolves.toEqual(DONE);
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('with nothing new reads again after the poll interval: 30 ms when asked, 2 s by default', async () => {
    const quick = openFeed([empty(at(4)), empty(at(4)), empty(at(4))], { options: { pollIntervalMs: 30 } });
    void quick.feed[Symbol.asyncIterator]().next();
    await settle();
    expect(quick.readTimes()).toEqual([0]);
    await elapse(29);
    expect(quick.readTimes()).toEqual([0]);
    await elapse(1);
    expect(quick.readTimes()).toEqual([0, 30]);
    await elapse(30);
    expect(quick.readTimes()).toEqual([0, 30, 60]);

    const usual = openFeed([empty(at(4)), empty(at(4))]);
    void usual.feed[Symbol.asyncIterator]().next();
    await elapse(1_999);
    expect(usual.readTimes()).toEqual([0]);
    await elapse(1);
    expect(usual.readTimes()).toEqual([0, 2_000]);
  });

  it('reads at once when notified while waiting or while a read is out, and when a read says again; otherwise waits the poll', async () => {
    const late = new Deferred<FeedRead<unknown>>();
    const { feed, readTimes } = openFeed([
      empty(at(4)),
      empty(at(4)),
      late,
      empty(at(4), { again: true }),
      empty(at(4)),
    ]);
    void feed[Symbol.asyncIterator]().next();
    await elapse(500);
    expect(readTimes()).toEqual([0]);

    listener().onNotify(); // while it waits for the poll
    await settle();
    expect(readTimes()).toEqual([0, 500]);
    await elapse(1_699); // that notification counted once: the next read waits for the poll or a notification
    expect(readTimes()).toEqual([0, 500]);
    await elapse(1);
    listener().onNotify();
    await settle();
    expect(readTimes()).toEqual([0, 500, 2_200]);

    listener().onNotify(); // while the read is out: not lost
    late.resolve(empty(at(4)));
    await settle();
    expect(readTimes()).toEqual([0, 500, 2_200, 2_200, 2_200]); // the second read there: "again"

    await elapse(1_999);
    expect(readTimes()).toHaveLength(5);
    await elapse(1);
    expect(readTimes()).toEqual([0, 500, 2_200, 2_200, 2_200, 4_200]);
  });

  it('held back behind an open transaction: looks again every millisecond for 20 ms, then every quarter of the time held, at most every 50 ms', async () => {
    const held = Array.from({ length: 60 }, () => empty(at(4), { heldBack: true }));
    const { feed, readTimes } = openFeed(held);
    void feed[Symbol.asyncIterator]().next();
    await elapse(400);
    const firstMs = Array.from({ length: 21 }, (_, ms) => ms);
    // A quarter of the time held so far (the timer drops fractions of a millisecond), then 50 ms.
    expect(readTimes()).toEqual([...firstMs, 25, 31, 38, 47, 58, 72, 90, 112, 140, 175, 218, 268, 318, 368]);
  });

  it('counts the hold again after a read that was not held back or that delivered rows; a held-back batch of rows is followed by a read 1 ms later', async () => {
    const held = (count: number) => Array.from({ length: count }, () => empty(at(4), { heldBack: true }));
    const { feed, readTimes } = openFeed(
      [
        ...held(22), // 0…20 ms, then 25
        empty(at(4)), // 31: nothing held, wait the poll
        ...held(21), // 61…81: a new hold, 1 ms apart again
        batch([entry(5, healthRow(1))], { heldBack: true }), // 86
        ...held(2), // 87 (1 ms after the batch), 88: a new hold
      ],
      { options: { pollIntervalMs: 30 } },
    );
    const changes = feed[Symbol.asyncIterator]();
    const first = track(changes.next());
    await elapse(86);
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    expect(readTimes()).toEqual([...range(0, 20), 25, 31, ...range(61, 81), 86]);
    expect(first.value).toMatchObject({ done: false, value: { position: '5/1' } });

    void changes.next();
    await settle();
    expect(readTimes()).toHaveLength(45);
    await elapse(2);
    expect(readTimes().slice(-3)).toEqual([86, 87, 88]);
  });

  it('closing ends the iteration: while it waits for the poll (at once), during a read that then fails, and between two rows of one batch', async () => {
    const waiting = openFeed([empty(at(4)), batch([entry(5, healthRow(1))])]);
    const polled = track(waiting.feed[Symbol.asyncIterator]().next());
    await settle();
    await waiting.feed.close();
    await settle();
    expect(polled.value).toEqual(DONE);
    expect(waiting.readTimes()).toEqual([0]);

    const read = new Deferred<FeedRead<unknown>>();
    const reading = openFeed([read]);
    const pending = reading.feed[Symbol.asyncIterator]().next();
    await settle();
    await reading.feed.close();
    read.reject(new Error('canceling statement due to user request'));
    await expect(pending).resolves.toEqual(DONE);

    const batched = openFeed([batch([entry(5, healthRow(1)), entry(5, healthRow(2))])]);
    const changes = batched.feed[Symbol.asyncIterator]();
    await take(changes, 1);
    await batched.feed.close();
    await expect(changes.next()).resolves.toEqual(DONE);
    expect(batched.reads).toHaveLength(1);
  });

  it('a durable feed beats at start and every 5 s until closed, a failed beat stopping nothing', async () => {
    const { feed, registry } = openFeed([batch([entry(5, healthRow(1))])], {
      heartbeat: async () => {
        throw new StoreError('unreachable', 'PostgreSQL at db:5432 is unreachable');
      },
    });
    await take(feed[Symbol.asyncIterator](), 1);
    expect(registry.heartbeat).toHaveBeenCalledTimes(1);
    expect(registry.heartbeat).toHaveBeenCalledWith(CONSUMER);
    await elapse(4_999);
    expect(registry.heartbeat).toHaveBeenCalledTimes(1);
    await elapse(1);
    expect(registry.heartbeat).toHaveBeenCalledTimes(2);
    await elapse(5_000);
    expect(registry.heartbeat).toHaveBeenCalledTimes(3);
    await feed.close();
    await elapse(20_000);
    expect(registry.heartbeat).toHaveBeenCalledTimes(3);
  });

  it('a reader without a stored position (durable: false) never loads, beats or stores a position, and its acks resolve', async () => {
    const from = encodeCheckpoint(commitOrder, at(4), changedAtText(0));
    const { feed, registry } = openFeed(
      [batch([entry(5, healthRow(1))]), empty(at(9)), batch([entry(9, healthRow(2))])],
      { options: { durable: false, from, pollIntervalMs: 30 } },
    );
    const changes = feed[Symbol.asyncIterator]();
    const [first] = await take(changes, 1);
    await feed.ack(first.position);
    const next = track(changes.next());
    await elapse(30); // past an empty read that moved the state
    const second = next.value!.value as ChangeEvent;
    expect(second.position).toBe('9/2');
    await feed.ack(second.position);
    await elapse(20_000);
    expect(registry.loadPosition).not.toHaveBeenCalled();
    expect(registry.heartbeat).not.toHaveBeenCalled();
    expect(registry.savePosition).not.toHaveBeenCalled();
    expect(registry.assertNotLost).not.toHaveBeenCalled();
    expect(registry.removedThrough).toHaveBeenCalledTimes(3);
  });

  it('acks are cumulative and stored with the change time; an ack of what is acknowledged or the stored position passed resolves without a write', async () => {
    const { feed, registry } = openFeed([
      batch([entry(5, healthRow(1)), entry(5, healthRow(2)), entry(6, healthRow(3))]),
    ]);
    const [c1, c2, c3] = await take(feed[Symbol.asyncIterator](), 3);
    await feed.ack(c2.position);
    expect(registry.savePosition.mock.calls).toEqual([[CONSUMER, at(5, 2), changedAtText(2)]]);
    await feed.ack(c1.position);
    await feed.ack(c2.position);
    await feed.ack('3/9'); // before the stored position (4/0)
    expect(registry.savePosition).toHaveBeenCalledTimes(1);
    await feed.ack(c3.position);
    expect(registry.savePosition.mock.calls).toEqual([
      [CONSUMER, at(5, 2), changedAtText(2)],
      [CONSUMER, at(6, 3), changedAtText(3)],
    ]);
  });

  it('acks not awaited: each resolves, and the last write is the newest', async () => {
    const firstWrite = new Deferred<void>();
    const { feed, registry } = openFeed(
      [batch([entry(5, healthRow(1)), entry(5, healthRow(2)), entry(6, healthRow(3))])],
      { savePosition: () => (registry.savePosition.mock.calls.length === 1 ? firstWrite.promise : Promise.resolve()) },
    );
    const [c1, c2, c3] = await take(feed[Symbol.asyncIterator](), 3);
    const acks = [feed.ack(c1.position), feed.ack(c2.position), feed.ack(c3.position)];
    firstWrite.resolve();
    await Promise.all(acks);
    expect(registry.savePosition).toHaveBeenLastCalledWith(CONSUMER, at(6, 3), changedAtText(3));
  });

  it('close waits for the acknowledged position to be written before it reports closed', async () => {
    const write = new Deferred<void>();
    const { feed, states, onClose } = openFeed([batch([entry(5, healthRow(1))])], {
      savePosition: () => write.promise,
    });
    const [c1] = await take(feed[Symbol.asyncIterator](), 1);
    const ack = track(feed.ack(c1.position));
    const closing = track(feed.close());
    await settle();
    expect(states.at(-1)).toBe('closed');
    expect(closing.settled).toBe(false);
    expect(onClose).not.toHaveBeenCalled();

    write.resolve();
    await settle();
    expect(ack).toEqual({ settled: true, value: undefined });
    expect(closing.settled).toBe(true);
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('refuses an ack before the feed started and of a position it never delivered', async () => {
    const { feed, registry } = openFeed([batch([entry(5, healthRow(1))])]);
    const early = feed.ack('5/1');
    await expect(early).rejects.toBeInstanceOf(StoreError);
    await expect(early).rejects.toMatchObject({
      code: 'ack-unknown-position',
      message: `consumer "${CONSUMER}" acknowledged position 5/1 before its feed delivered anything`,
    });

    await take(feed[Symbol.asyncIterator](), 1);
    await expect(feed.ack('5/9')).rejects.toMatchObject({
      code: 'ack-unknown-position',
      message: `consumer "${CONSUMER}" acknowledged position 5/9, which this feed never delivered`,
    });
    expect(registry.savePosition).not.toHaveBeenCalled();
  });

  it('caught up with everything acknowledged, stores where an empty read moved it, once, with the last acked change time', async () => {
    const { feed, registry, readTimes } = openFeed(
      [
        batch([entry(5, healthRow(1))]),
        empty(at(5, 1)),
        batch([entry(5, maintenanceRow(2))]), // a table it does not follow: passed, not delivered
        empty(at(5, 2)),
        empty(at(5, 2)),
        empty(at(9)),
      ],
      { options: { collections: ['healthEvents'], pollIntervalMs: 30 } },
    );
    const changes = feed[Symbol.asyncIterator]();
    const [c1] = await take(changes, 1);
    await feed.ack(c1.position);
    expect(registry.savePosition.mock.calls).toEqual([[CONSUMER, at(5, 1), changedAtText(1)]]);

    void changes.next();
    await settle(); // an empty read that did not move
    expect(registry.savePosition).toHaveBeenCalledTimes(1);
    await elapse(30); // past the maintenance row, then an empty read there
    expect(readTimes()).toEqual([0, 0, 30, 30]);
    expect(registry.savePosition).toHaveBeenCalledTimes(2);
    expect(registry.savePosition).toHaveBeenLastCalledWith(CONSUMER, at(5, 2), changedAtText(1));
    await elapse(30); // the same again
    expect(registry.savePosition).toHaveBeenCalledTimes(2);
    await elapse(30); // moved past the horizon
    expect(readTimes()).toEqual([0, 0, 30, 30, 60, 90]);
    expect(registry.savePosition.mock.calls.at(-1)).toEqual([CONSUMER, at(9), changedAtText(1)]);
    expect(registry.savePosition).toHaveBeenCalledTimes(3);
  });

  it('stores nothing an empty read moved while a change is unacked, never acked, a write is owed, or once closed', async () => {
    const moved = [empty(at(9)), empty(at(12))];
    const options = { options: { pollIntervalMs: 30 } };

    const unacked = openFeed([batch([entry(5, healthRow(1)), entry(5, healthRow(2))]), ...moved], options);
    const unackedChanges = unacked.feed[Symbol.asyncIterator]();
    const [u1] = await take(unackedChanges, 2);
    await unacked.feed.ack(u1.position);
    void unackedChanges.next();
    await elapse(30);
    expect(unacked.readTimes()).toEqual([0, 0, 30]);
    expect(unacked.registry.savePosition).toHaveBeenCalledTimes(1);

    const nothingYet = openFeed([...moved], options);
    void nothingYet.feed[Symbol.asyncIterator]().next();
    await elapse(30);
    expect(nothingYet.readTimes()).toEqual([0, 30]);
    expect(nothingYet.registry.savePosition).not.toHaveBeenCalled();

    const neverAcked = openFeed([batch([entry(5, healthRow(1))]), ...moved], options);
    const neverChanges = neverAcked.feed[Symbol.asyncIterator]();
    await take(neverChanges, 1);
    void neverChanges.next();
    await elapse(30);
    expect(neverAcked.readTimes()).toEqual([0, 0, 30]);
    expect(neverAcked.registry.savePosition).not.toHaveBeenCalled();

    const write = new Deferred<void>();
    const owed = openFeed([batch([entry(5, healthRow(1))]), empty(at(9)), empty(at(9))], {
      ...options,
      savePosition: () => (owed.registry.savePosition.mock.calls.length === 1 ? write.promise : Promise.resolve()),
    });
    const owedChanges = owed.feed[Symbol.asyncIterator]();
    const [o1] = await take(owedChanges, 1);
    const ack = owed.feed.ack(o1.position);
    void owedChanges.next();
    await settle(); // the moved read while the ack's write is out
    expect(owed.readTimes()).toEqual([0, 0]);
    write.resolve();
    await ack;
    expect(owed.registry.savePosition.mock.calls).toEqual([[CONSUMER, at(5, 1), changedAtText(1)]]);
    await elapse(30); // idle now: the next read stores it
    expect(owed.registry.savePosition.mock.calls.at(-1)).toEqual([CONSUMER, at(9), changedAtText(1)]);

    const late = new Deferred<FeedRead<unknown>>();
    const closing = openFeed([batch([entry(5, healthRow(1))]), late]);
    const closingChanges = closing.feed[Symbol.asyncIterator]();
    const [l1] = await take(closingChanges, 1);
    await closing.feed.ack(l1.position);
    const ended = closingChanges.next();
    await settle();
    await closing.feed.close();
    late.resolve(empty(at(9)));
    await expect(ended).resolves.toEqual(DONE);
    await elapse(1_000);
    expect(closing.registry.savePosition).toHaveBeenCalledTimes(1);
  });

  it('opened from a checkpoint: stands there until the first change, then after each change and each row of a table it does not follow, and judges positions by the checkpoint given', async () => {
    const from = encodeCheckpoint(commitOrder, at(4, 7), '2025-11-21T04:39:00.000001Z');
    const { feed, reads } = openFeed([batch([entry(5, healthRow(1)), entry(5, maintenanceRow(2))], { state: at(6) })], {
      stored: { state: at(2), changedAt: null },
      options: { from, collections: ['healthEvents'], batchSize: 50 },
    });
    expect(feed.checkpoint()).toBe(from);

    const changes = feed[Symbol.asyncIterator]();
    const [c1] = await take(changes, 1);
    expect(reads[0].state).toEqual(at(4, 7));
    expect(reads[0].context).toEqual({ tables: ['health_events'], batchSize: 50 });
    const afterFirst = feed.checkpoint();
    expect(afterFirst).not.toBe(from);
    expect(decodeCheckpoint(commitOrder, afterFirst)).toEqual({ state: at(5, 1), changedAt: changedAtText(1) });
    expect(feed.hasPassed(afterFirst, c1.position)).toBe(true);
    expect(feed.hasPassed(afterFirst, '5/2')).toBe(false);
    expect(feed.hasPassed(from, c1.position)).toBe(false);
    expect(feed.hasPassed(from, '4/7')).toBe(true);

    // The maintenance row is passed, not delivered: the next change is whatever comes after it.
    const next = track(changes.next());
    await settle();
    expect(next.settled).toBe(false);
    expect(reads).toHaveLength(2);
    expect(reads[1].state).toEqual(at(6));
    expect(decodeCheckpoint(commitOrder, feed.checkpoint())).toEqual({ state: at(6), changedAt: changedAtText(2) });
    await expect(feed.ack('5/2')).rejects.toMatchObject({ code: 'ack-unknown-position' });

    // Started, nothing read yet: still exactly where it was opened, with the checkpoint's time.
    const idle = openFeed([empty(at(4, 7))], { options: { from } });
    void idle.feed[Symbol.asyncIterator]().next();
    await settle();
    expect(idle.reads).toHaveLength(1);
    expect(idle.feed.checkpoint()).toBe(from);
  });

  it('without a checkpoint to start from, refuses checkpoint() and hasPassed() until iterated; a stored position with no time gives a checkpoint at the epoch', async () => {
    const untimed = openFeed([empty(at(4))], { stored: { state: at(4), changedAt: null } });
    for (const [action, message] of [
      [() => untimed.feed.checkpoint(), `the change feed of "${CONSUMER}" has no checkpoint before it is iterated`],
      [
        () => untimed.feed.hasPassed(encodeCheckpoint(commitOrder, at(4), EPOCH_TEXT), '5/1'),
        `the change feed of "${CONSUMER}" cannot judge a checkpoint before it is iterated`,
      ],
    ] as const) {
      const error = thrown(action);
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ code: 'not-started', message });
    }
    void untimed.feed[Symbol.asyncIterator]().next();
    await settle();
    expect(decodeCheckpoint(commitOrder, untimed.feed.checkpoint())).toEqual({ state: at(4), changedAt: EPOCH_TEXT });
    expect(JSON.parse(untimed.feed.checkpoint())).toMatchObject({ order: 'commit', timestamp: EPOCH_TEXT });

    const timed = openFeed([empty(at(4))]);
    void timed.feed[Symbol.asyncIterator]().next();
    await settle();
    expect(decodeCheckpoint(commitOrder, timed.feed.checkpoint())).toEqual({
      state: at(4),
      changedAt: '2025-11-21T04:39:59.000Z',
    });
  });

  it('a reader without a stored position reads on while retention removed only what it had passed, and ends with position-lost once it removed more (commit order)', async () => {
    const removed = ['9/0', '10/2'];
    const { feed, states } = openFeed([batch([entry(10, healthRow(1))]), batch([entry(10, healthRow(2))])], {
      removedThrough: async () => removed.shift(),
      options: { durable: false, from: encodeCheckpoint(commitOrder, at(9), changedAtText(0)) },
    });
    const changes = feed[Symbol.asyncIterator]();
    const [first] = await take(changes, 1);
    expect(first.position).toBe('10/1');
    const lost = changes.next();
    await expect(lost).rejects.toBeInstanceOf(StoreError);
    await expect(lost).rejects.toMatchObject({
      code: 'position-lost',
      message: `the change feed of "${CONSUMER}" (a reader without a stored position) fell behind changelog retention, which removed changes through 10/2 it had not read; start again from a fresh read`,
    });
    expect(states.at(-1)).toBe('closed');
  });

  it('a reader without a stored position against retention in id order: the id of what was removed decides', async () => {
    const idState = (top: number): IdOrderState => ({ top: BigInt(top), gaps: [] });
    const idEntry = (row: ChangelogRow) => ({ row, position: row.id, state: idState(Number(row.id)) as unknown });
    const removed = ['0/10', '0/12'];
    const { feed } = openFeed(
      [batch([idEntry(healthRow(11))]), batch([idEntry(healthRow(12))]), batch([idEntry(healthRow(13))])],
      {
        order: idOrder as ChangelogOrder<unknown>,
        removedThrough: async () => removed.shift(),
        options: { durable: false, from: encodeCheckpoint(idOrder, idState(10), changedAtText(0)) },
      },
    );
    const changes = feed[Symbol.asyncIterator]();
    const [first] = await take(changes, 1);
    expect(first.position).toBe('11');
    await expect(changes.next()).rejects.toMatchObject({
      code: 'position-lost',
      message: expect.stringContaining('removed changes through 0/12') as unknown,
    });
  });

  it('a durable feed that retention marked lost ends with position-lost before delivering what it read', async () => {
    const lost = new StoreError('position-lost', `consumer "${CONSUMER}" lost its position`);
    const { feed, registry, onClose } = openFeed([batch([entry(5, healthRow(1))])], {
      assertNotLost: () => Promise.reject(lost),
    });
    await expect(feed[Symbol.asyncIterator]().next()).rejects.toBe(lost);
    expect(registry.assertNotLost).toHaveBeenCalledWith(CONSUMER);
    expect(registry.removedThrough).not.toHaveBeenCalled();
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('has one reader: a second iterator is refused with feed-in-use, the first reads on', async () => {
    const { feed } = openFeed([batch([entry(5, healthRow(1))])]);
    const changes = feed[Symbol.asyncIterator]();
    const error = thrown(() => feed[Symbol.asyncIterator]());
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({
      code: 'feed-in-use',
      message: expect.stringContaining(`the change feed of "${CONSUMER}" is already being iterated`) as unknown,
    });
    await expect(take(changes, 1)).resolves.toMatchObject([{ position: '5/1' }]);
  });
});
