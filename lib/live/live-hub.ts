// The live hub: one change feed per server process, feeding the node projection and every
// connected browser. Framework-free, so tests and benchmarks run it without Next.js.
//
// Start-up, without a kept projection: the projection is loaded from one consistent read of the
// store (DataStore.readNodeState) and the feed is followed from that read's checkpoint, so every
// change counts once. With one (lib/projection, `kept`): the kept rows are loaded and the feed
// followed from where they stand; the first start on a datastore builds them in pages meanwhile
// (the status says 'building' and the nodes list holds the nodes read so far), and every
// persistMs the nodes the feed changed are saved with the feed's checkpoint, then acknowledged.
//
// Every 100 ms the nodes that changed are handed to each client as one batch (coalesced), with a
// sequence id; the last few thousand batches are kept so a browser that reconnects with
// Last-Event-ID gets exactly the nodes that changed meanwhile, or the whole set when that is older.
import { NodeProjection } from '../node-state/node-projection';
import { EventCountDeltas } from '../projection/event-counts';
import { BuildAborted, type KeptProjection, type KeptStart } from '../projection/kept-projection';
import { LeaseLostError, type LeaseHold, type ProjectionLease } from '../projection/projection-lease';
import type { NodeView } from '../node-state/node-view';
import {
  ConsumerLagMonitor,
  type ChangeEvent,
  type ChangeFeed,
  type ConsumerLag,
  type DataStore,
  type FeedCheckpoint,
  storeErrorCode,
} from '../store';
import type { ConsumerLagView, LiveStatusMessage, LiveTopic, PipelineMessage } from './live-messages';
import type { LiveConnectRequest } from './live-request';
import { SseConnection, type ConnectionSource } from './sse-connection';
import { ThroughputCounter } from './throughput-counter';

export interface LiveHubOptions {
  /** The hub's consumer name (one per server process). */
  consumer?: string;
  flushMs?: number;
  pipelineSampleMs?: number;
  heartbeatMs?: number;
  /** Batches kept for resuming with Last-Event-ID. */
  resumeWindow?: number;
  /** Wait before starting again after the feed failed (five times longer while it keeps failing). */
  recoverMs?: number;
  onError?: (error: unknown) => void;
  /**
   * Keep the projection in the console database (lib/projection), with `lease`: the replica holding
   * it builds and saves the projection (its consumer keeps the rows' place), the others follow it.
   */
  kept?: KeptProjection;
  lease?: ProjectionLease;
  /** How often the nodes the feed changed are saved to the kept projection. */
  persistMs?: number;
}

const toMs = (date: Date | null) => (date ? date.getTime() : null);

export function consumerLagView(lag: ConsumerLag): ConsumerLagView {
  return {
    consumer: lag.consumer,
    status: lag.status,
    statusReason: lag.statusReason,
    position: lag.position,
    positionKnown: lag.positionKnown,
    positionLost: lag.positionLost ? { at: lag.positionLost.at.getTime(), reason: lag.positionLost.reason } : null,
    lagSeconds: lag.lagSeconds,
    documentsBehind: lag.documentsBehind,
    documentsBehindCapped: lag.documentsBehindCapped,
    documentsBehindEstimated: lag.documentsBehindEstimated === true,
    lastAckAt: toMs(lag.lastAckAt),
    lastSeenAt: toMs(lag.lastSeenAt),
    catchUpSeconds: lag.catchUpSeconds,
    oldestUnreadAt:
      lag.headTime && lag.lagSeconds !== null && (lag.documentsBehind ?? 0) > 0
        ? lag.headTime.getTime() - lag.lagSeconds * 1000
        : null,
    history: lag.history.map((sample) => ({
      at: sample.at.getTime(),
      lagSeconds: sample.lagSeconds,
      documentsBehind: sample.documentsBehind,
    })),
  };
}

/** How often changed nodes go out as one batch: shorter is fresher, longer is cheaper (npm run bench -- --only live). */
export const DEFAULT_FLUSH_MS = 50;

/** LIVE_FLUSH_MS, checked: a whole number of milliseconds from 10 to 1000. */
export function flushMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LIVE_FLUSH_MS;
  if (raw === undefined || raw === '') return DEFAULT_FLUSH_MS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 10 || value > 1000)
    throw new RangeError(`LIVE_FLUSH_MS must be a whole number of milliseconds from 10 to 1000 (got "${raw}")`);
  return value;
}

/**
 * One consumer name for every app instance: a hub needs no durable position (it reloads a snapshot
 * and starts at the head), so instances may share it, and a pod that goes away leaves no consumer
 * of its own behind for the Pipeline page and changelog retention to wait on.
 */
export const DEFAULT_HUB_CONSUMER = 'sentinel-console-live';

/** A start that a role change or a recovery overtook: it stops where it is. */
class StaleStart extends Error {
  override name = 'StaleStart';
}

export class LiveHub {
  readonly projection = new NodeProjection();
  readonly consumer: string;
  private readonly connections = new Set<SseConnection>();
  private readonly batches: { id: number; names: string[] }[] = [];
  private changed = new Set<string>();
  private sequence = Date.now() * 1000;
  /** The sequence of the newest cluster change told (0: none yet). */
  private lastClusterChange = 0;
  private feed?: ChangeFeed;
  private feedState: LiveStatusMessage['feed'] = 'starting';
  private readonly monitor: ConsumerLagMonitor;
  private latestPipeline?: PipelineMessage;
  private readonly throughput = new ThroughputCounter();
  private insertsSeen = 0;
  private timers: NodeJS.Timeout[] = [];
  private lastPosition?: string;
  private ready?: Promise<void>;
  private stopped = false;
  private readonly options: Required<Omit<LiveHubOptions, 'onError' | 'kept' | 'lease'>> &
    Pick<LiveHubOptions, 'onError' | 'kept' | 'lease'>;
  /** The lease this hub saves under (null: a follower, or no kept projection). */
  private hold: LeaseHold | null = null;
  /** Bumped at every role change: work of an earlier role finds it changed and stops. */
  private generation = 0;
  private leaseStarted = false;
  /** The kept projection's build while one runs (settles either way). */
  private buildRunning?: Promise<void>;
  /** A change its node's build page already saw (kept projection): passed, not applied again. */
  private seenByPage?: (change: ChangeEvent) => boolean;
  /** True while the kept projection's first build reads the datastore. */
  private building = false;
  private saving?: Promise<void>;
  /** The holder's inserts since its last save, counted for the roll-ups (saved with the nodes). */
  private counts = new EventCountDeltas();
  private lastSaveAt = 0;
  private savedCheckpoint?: string;
  /** Told of every health event the feed inserts, and of every pipeline reading (lib/alerts). */
  private readonly insertListeners = new Set<(change: ChangeEvent) => void>();
  private readonly pipelineListeners = new Set<(reading: PipelineMessage) => void>();

  constructor(
    private readonly store: DataStore,
    options: LiveHubOptions = {},
  ) {
    this.options = {
      flushMs: DEFAULT_FLUSH_MS,
      pipelineSampleMs: 2_000,
      heartbeatMs: 15_000,
      resumeWindow: 3_000,
      recoverMs: 1_000,
      persistMs: 200,
      ...options,
      consumer: options.consumer ?? DEFAULT_HUB_CONSUMER,
    };
    this.consumer = this.options.consumer;
    if (options.kept && !options.lease)
      throw new Error('a kept projection needs a lease (one replica writes it at a time)');
    this.monitor = new ConsumerLagMonitor(() => store.consumers().lag());
  }

  /** Loads the projection and starts following the feed; resolves once the projection is loaded. */
  start(): Promise<void> {
    const generation = this.generation;
    this.ready ??= this.begin().catch(async (error) => {
      // A start that a role change overtook: the newer one runs, this one leaves it alone.
      if (generation !== this.generation) return;
      // Let the next request try again (the datastore may be starting).
      this.ready = undefined;
      await this.feed?.close().catch(() => {});
      this.feed = undefined;
      throw error;
    });
    return this.ready;
  }

  /** Throws when a role change or a recovery started the hub again since `generation`. */
  private assertCurrent(generation: number): void {
    if (generation !== this.generation) throw new StaleStart();
  }

  private async begin(): Promise<void> {
    const consumers = this.store.consumers();
    const { kept, lease } = this.options;
    const generation = this.generation;
    if (kept && lease) {
      if (!this.leaseStarted) {
        this.leaseStarted = true;
        await lease.start();
        // After the first attempt: this start takes the role that attempt gave.
        lease.onChange(() => this.changeRole());
      }
      this.hold = lease.hold;
      if (this.hold) await this.beginHolder(kept, this.hold, generation);
      else await this.beginFollower(kept, generation);
    } else {
      await consumers.register(this.consumer, { startAt: 'now' });
      // A restarted hub reads its snapshot again, so the backlog since it last ran is not needed
      // (and a position lost while it was away is no loss to it).
      await consumers.restart(this.consumer, { startAt: 'now' });
      const read = await this.store.readNodeState();
      this.assertCurrent(generation);
      this.projection.load(read);
      await this.openFeed(read.checkpoint, true, generation);
    }
    this.startTimers();
  }

  /**
   * The replica holding the lease keeps the projection: loaded and followed from where its rows
   * stand; else (none yet, another datastore, or its place in the feed lost) built in the
   * background while the hub answers with the nodes read so far. Its consumer keeps the place.
   */
  private async beginHolder(kept: KeptProjection, hold: LeaseHold, generation: number): Promise<void> {
    const consumers = this.store.consumers();
    await consumers.register(this.consumer, { startAt: 'now' });
    // A build of an earlier role of this hub must have stopped before this one reads or writes, and
    // a save of the feed before a recovery must have settled: rows read before it commits would
    // have its changes (and counts) applied again.
    await this.buildRunning;
    await this.saving;
    this.assertCurrent(generation);
    const loaded = await kept.load(this.store, this.projection);
    this.assertCurrent(generation);
    if (loaded) {
      try {
        await this.followKept(loaded, true, generation);
        return;
      } catch (error) {
        if (storeErrorCode(error) !== 'position-lost') throw error;
        // Its place left the changelog while the console was away: never serve it as current.
        this.options.onError?.(new Error(`node projection: ${(error as Error).message}; building it again`));
      }
    }
    this.building = true;
    this.broadcastStatus();
    let prepared!: () => void;
    const checkpointTaken = new Promise<void>((resolve) => (prepared = resolve));
    const building = kept.build(this.store, this.projection, hold, {
      onProgress: () => this.broadcastStatus(),
      // The page's nodes go to the open lists at the next flush, as new nodes (not the whole set again).
      onPage: (names) => {
        if (generation === this.generation) for (const name of names) this.changed.add(name);
      },
      onPrepared: prepared,
      // A fresh build (not one going on): the consumer's stored place moves to now, before the
      // build's starting checkpoint is taken, so retention keeps everything after it.
      beforeFreshBuild: () => consumers.restart(this.consumer, { startAt: 'now' }).then(() => {}),
      isCurrent: () => generation === this.generation && !this.stopped,
    });
    this.buildRunning = building.then(
      () => {},
      () => {},
    );
    void building
      .then((built) => (generation === this.generation ? this.followKept(built, true, generation) : undefined))
      .then(
        () => {
          if (generation !== this.generation) return;
          this.building = false;
          this.resendNodes();
        },
        (error) => {
          if (
            this.stopped ||
            generation !== this.generation ||
            error instanceof StaleStart ||
            error instanceof BuildAborted
          )
            return;
          this.building = false;
          this.options.onError?.(error);
          if (error instanceof LeaseLostError) this.options.lease?.lost();
          else this.recover();
        },
      );
    // Started once the feed's starting point is taken: a change written after start() resolved
    // reaches the hub through the feed once the build is in (counted, shown live).
    await Promise.race([checkpointTaken, this.buildRunning]);
  }

  /**
   * A replica without the lease follows what the holder keeps: the kept rows loaded, the feed read
   * from their checkpoint without a place of its own. While the holder builds it, the hub says so
   * (the build's progress) and looks again every second.
   */
  private async beginFollower(kept: KeptProjection, generation: number): Promise<void> {
    await this.buildRunning;
    await this.saving;
    this.assertCurrent(generation);
    const loaded = await kept.load(this.store, this.projection, { follower: true });
    this.assertCurrent(generation);
    if (loaded) {
      await this.followKept(loaded, false, generation);
      return;
    }
    this.projection.clear();
    this.building = true;
    await kept.peek();
    this.broadcastStatus();
    // The nodes of the pages the keeper saved so far, shown meanwhile as the keeper shows them.
    let nextPage = 0;
    const look = async () => {
      if (this.stopped || generation !== this.generation) return;
      try {
        const progress = await kept.peek();
        this.broadcastStatus();
        if (progress?.phase === 'building') {
          const loaded = await kept.loadBuiltPages(this.projection, nextPage);
          nextPage = loaded.next;
          // As the keeper does: the new nodes to the open lists at the next flush.
          if (generation === this.generation) for (const name of loaded.names) this.changed.add(name);
        }
        if (progress?.phase === 'live' && generation === this.generation) {
          const ready = await kept.load(this.store, this.projection, { follower: true });
          if (ready && generation === this.generation) {
            await this.followKept(ready, false, generation);
            this.building = false;
            this.resendNodes();
            return;
          }
        }
      } catch (error) {
        this.options.onError?.(error);
      }
      setTimeout(() => void look(), 1_000).unref();
    };
    setTimeout(() => void look(), 1_000).unref();
  }

  /** Every client gets the whole node set again (the projection was loaded or built anew). */
  private resendNodes(): void {
    this.sequence += 1;
    for (const connection of this.connections)
      if (connection.wants('nodes')) connection.sendEquals(this.sequence, this.nodes(), this.source());
    this.broadcastStatus();
  }

  private async followKept(start: KeptStart, durable: boolean, generation: number): Promise<void> {
    // Set before the feed opens, so its very first change is judged (openFeed sets this.feed
    // before it starts following).
    this.seenByPage =
      start.pageOf.size === 0
        ? undefined
        : (change) => {
            const name = change.collection === 'healthEvents' ? change.document?.healthEvent.nodeName : undefined;
            const page = name === undefined ? undefined : start.pageOf.get(name);
            return page !== undefined && this.feed !== undefined && this.feed.hasPassed(page, change.position);
          };
    this.savedCheckpoint = start.from;
    // Counts of an earlier role's feed: its saves stopped where the kept rows stand, from which this one reads.
    this.counts = new EventCountDeltas();
    await this.openFeed(start.from, durable, generation);
  }

  /**
   * The lease changed hands (taken, lost, or a new epoch after a pause): start again in the new
   * role from the kept rows, and give every client the whole set anew.
   */
  private changeRole(): void {
    const now = this.options.lease?.hold ?? null;
    if (this.stopped || (now?.epoch === this.hold?.epoch && now?.holder === this.hold?.holder)) return;
    this.generation += 1;
    const previous = this.feed;
    this.feed = undefined;
    this.ready = undefined;
    this.lastPosition = undefined;
    this.seenByPage = undefined;
    this.building = false;
    this.batches.length = 0;
    void (previous ? previous.close().catch(() => {}) : Promise.resolve()).then(() =>
      this.start().then(
        () => this.resendNodes(),
        (error) => {
          this.options.onError?.(error);
          this.recover();
        },
      ),
    );
  }

  private async openFeed(from: FeedCheckpoint, durable: boolean, generation: number): Promise<ChangeFeed> {
    const feed = await this.store.changes(this.consumer, {
      collections: ['healthEvents'],
      from,
      durable,
      onStateChange: (state) => {
        this.feedState = state;
        this.broadcastStatus();
      },
    });
    if (generation !== this.generation) {
      // Opened for a start a role change overtook: the newer start opens its own.
      await feed.close().catch(() => {});
      throw new StaleStart();
    }
    this.feed = feed;
    void this.follow(feed);
    return feed;
  }

  private startTimers(): void {
    if (this.timers.length > 0) return; // started again after a failure: the timers kept running
    this.timers = [
      setInterval(() => this.flush(), this.options.flushMs),
      setInterval(() => void this.samplePipeline(), this.options.pipelineSampleMs),
      setInterval(() => this.rollThroughput(), 1_000),
      setInterval(() => this.heartbeat(), this.options.heartbeatMs),
    ];
    for (const timer of this.timers) timer.unref();
    void this.samplePipeline();
  }

  private async follow(feed: ChangeFeed): Promise<void> {
    try {
      for await (const change of feed) {
        const seen = this.seenByPage?.(change) === true;
        // A change a node's build page already read is in the projection (and its counts): not applied again.
        if (!seen) for (const name of this.projection.apply(change)) this.changed.add(name);
        if (change.collection === 'healthEvents' && change.document) {
          if (change.operation === 'insert') {
            if (!seen && this.hold && feed === this.feed)
              this.counts.addEvent(change.document, Date.now(), change.storedAt);
            this.throughput.count(change.document);
            this.insertsSeen += 1;
            for (const listener of this.insertListeners) listener(change);
          }
          const topic: LiveTopic = `node:${change.document.healthEvent.nodeName}`;
          const message = {
            nodeName: change.document.healthEvent.nodeName,
            operation: change.operation === 'insert' ? ('insert' as const) : ('update' as const),
            recordId: change.recordId,
          };
          for (const connection of this.connections)
            if (connection.wants(topic)) connection.nodeEvent(this.sequence + 1, message);
        }
        this.lastPosition = change.position;
      }
    } catch (error) {
      if (this.stopped || feed !== this.feed) return; // a feed an earlier role closed
      this.options.onError?.(error);
      this.feedState = 'closed';
      this.broadcastStatus();
      this.recover();
    }
  }

  /**
   * The feed failed for good (not a database restart, which it rides out itself): start again
   * from the head with a fresh snapshot, and give every client the whole node set anew, since
   * changes between the failure and the snapshot were never seen as diffs.
   */
  private recover(): void {
    this.generation += 1;
    const failed = this.feed;
    this.feed = undefined;
    this.ready = undefined;
    this.lastPosition = undefined;
    this.batches.length = 0;
    const closed = failed ? failed.close().catch(() => {}) : Promise.resolve();
    const retry = () => {
      if (this.stopped) return;
      this.start().then(
        () => {
          this.sequence += 1;
          for (const connection of this.connections)
            if (connection.wants('nodes')) connection.sendEquals(this.sequence, this.nodes(), this.source());
        },
        (error) => {
          this.options.onError?.(error);
          setTimeout(retry, this.options.recoverMs * 5).unref();
        },
      );
    };
    setTimeout(() => void closed.then(retry), this.options.recoverMs).unref();
  }

  /**
   * Nodes whose cluster half changed (./cluster-changes.ts): told to the clients at the next flush,
   * after which the nodes list and the nodes' pages read them again. Not kept for resuming: a
   * client that resumes from before the newest cluster change is told to read everything again.
   */
  clusterChanged(names: string[]): void {
    this.sequence += 1;
    this.lastClusterChange = this.sequence;
    for (const connection of this.connections) connection.clusterChanged(this.sequence, names);
  }

  /** Hands every client the nodes changed since the last flush, as one batch each. */
  private flush(): void {
    if (this.changed.size > 0) {
      const names = [...this.changed];
      this.changed = new Set();
      this.sequence += 1;
      this.batches.push({ id: this.sequence, names });
      if (this.batches.length > this.options.resumeWindow) this.batches.shift();
      for (const connection of this.connections) connection.nodesChanged(names);
    }
    const source = this.source();
    for (const connection of this.connections) connection.flush(this.sequence, source);
    if (this.options.kept) {
      if (this.hold) this.persist(this.options.kept);
    } else if (this.lastPosition && this.feed) {
      const position = this.lastPosition;
      this.lastPosition = undefined;
      this.feed.ack(position).catch((error) => this.options.onError?.(error));
    }
  }

  /**
   * Saves the nodes the feed changed since the last save with the feed's checkpoint after them
   * (one transaction), then acknowledges: the stored position never passes what is kept. One save
   * at a time; a failed one leaves its nodes to the next.
   */
  private persist(kept: KeptProjection): void {
    const feed = this.feed;
    const hold = this.hold;
    if (!feed || !hold || this.building || this.saving || Date.now() - this.lastSaveAt < this.options.persistMs) return;
    const checkpoint = feed.checkpoint();
    const names = this.projection.takeDirty();
    if (names.length === 0 && checkpoint === this.savedCheckpoint) return;
    const counts = this.counts.take();
    const position = this.lastPosition;
    this.lastPosition = undefined;
    this.lastSaveAt = Date.now();
    this.saving = kept
      .save(hold, this.projection, names, checkpoint, counts)
      .then(async () => {
        this.savedCheckpoint = checkpoint;
        if (position && this.feed === feed) await feed.ack(position);
      })
      .catch((error) => {
        this.options.onError?.(error);
        // A save of an earlier role (its hold or feed replaced since): the new role loaded anew.
        if (this.hold !== hold || this.feed !== feed) return;
        // Another replica holds the lease now: this one follows it from the kept rows.
        if (error instanceof LeaseLostError) {
          this.options.lease?.lost();
          return;
        }
        // Counts cannot be added twice, and a failed commit may still have committed: start again
        // from what the kept rows say (their checkpoint and counts agree, whichever way it went).
        if (counts.length > 0) {
          this.recover();
          return;
        }
        this.projection.markDirty(names);
        this.lastPosition ??= position;
      })
      .finally(() => {
        this.saving = undefined;
      });
  }

  /** One flush's view of the projection: each view and the counts serialized at most once. */
  private source(): ConnectionSource {
    const json = new Map<string, string | undefined>();
    let counts: string | undefined;
    return {
      view: (name) => this.projection.get(name),
      viewJson: (name) => {
        if (!json.has(name)) json.set(name, this.projection.json(name));
        return json.get(name);
      },
      countsJson: () => (counts ??= JSON.stringify(this.projection.counts())),
    };
  }

  private async samplePipeline(): Promise<void> {
    try {
      const lags = await this.monitor.sample();
      this.latestPipeline = {
        at: Date.now(),
        consumers: lags.map(consumerLagView),
        outOfOrderTotal: this.projection.outOfOrder().total,
      };
      this.sequence += 1;
      for (const connection of this.connections)
        if (connection.wants('pipeline')) connection.offer('pipeline', this.sequence, this.latestPipeline);
      for (const listener of this.pipelineListeners) listener(this.latestPipeline);
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private rollThroughput(): void {
    const second = this.throughput.roll();
    this.sequence += 1;
    for (const connection of this.connections)
      if (connection.wants('throughput')) connection.offer('throughput', this.sequence, second);
  }

  private heartbeat(): void {
    this.sequence += 1;
    for (const connection of this.connections) connection.offer('heartbeat', this.sequence, { at: Date.now() });
  }

  private statusMessage(): LiveStatusMessage {
    const projection = this.options.kept?.progress();
    return { feed: this.feedState, provider: this.store.provider, ...(projection ? { projection } : {}) };
  }

  private broadcastStatus(): void {
    this.sequence += 1;
    for (const connection of this.connections) connection.offer('status', this.sequence, this.statusMessage());
  }

  /**
   * Calls `listener` with every health event the feed inserts from now on (a change the feed hands
   * over again after a restart may come twice). Returns the way to stop.
   */
  onHealthEventInserted(listener: (change: ChangeEvent) => void): () => void {
    this.insertListeners.add(listener);
    return () => this.insertListeners.delete(listener);
  }

  /** Calls `listener` with every pipeline reading (every pipelineSampleMs). Returns the way to stop. */
  onPipelineReading(listener: (reading: PipelineMessage) => void): () => void {
    this.pipelineListeners.add(listener);
    return () => this.pipelineListeners.delete(listener);
  }

  /** The newest pipeline reading (null until the first sample). */
  pipeline(): PipelineMessage | null {
    return this.latestPipeline ?? null;
  }

  status(): LiveStatusMessage & { clients: number } {
    return { ...this.statusMessage(), clients: this.connections.size };
  }

  nodes(): NodeView[] {
    return this.projection.views();
  }

  /** A new SSE client. Resumes from Last-Event-ID when the hub still has every batch since it. */
  async connect(request: LiveConnectRequest): Promise<SseConnection> {
    await this.start();
    const topics = new Set(request.topics);
    const filter = request.filter ?? {};
    const lastId = request.lastEventId ? Number(request.lastEventId) : NaN;
    const oldest = this.batches[0]?.id ?? this.sequence + 1;
    const resumable = Number.isFinite(lastId) && lastId <= this.sequence && lastId >= oldest - 1;
    const connection = new SseConnection({ topics, filter }, (closed) => this.connections.delete(closed));
    connection.writeRetry(1_000);
    this.connections.add(connection);
    connection.offer('status', this.sequence, this.statusMessage());
    if (this.latestPipeline && topics.has('pipeline')) connection.offer('pipeline', this.sequence, this.latestPipeline);
    if (topics.has('nodes')) {
      if (resumable) {
        // The client holds the set as it was at lastId: send what changed since, as a diff.
        const missed = new Set(this.batches.filter((batch) => batch.id > lastId).flatMap((batch) => batch.names));
        connection.assumeVisible(
          this.nodes().filter((view) => !missed.has(view.name)),
          missed,
        );
        connection.nodesChanged(missed);
      } else if (request.snapshot !== false) {
        connection.sendEquals(this.sequence, this.nodes(), this.source());
      }
    }
    // Cluster changes are not kept for resuming: one came since the client's last message, so its
    // pages read everything again.
    if (Number.isFinite(lastId) && this.lastClusterChange > lastId) connection.clusterChangedAll(this.sequence);
    connection.flush(this.sequence, this.source());
    return connection;
  }

  get clientCount(): number {
    return this.connections.size;
  }

  /** Health events inserted by anyone that this hub's feed delivered since the hub was created. */
  get healthEventsSeen(): number {
    return this.insertsSeen;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const connection of [...this.connections]) connection.close();
    await this.saving;
    await this.feed?.close();
    if (this.leaseStarted) await this.options.lease?.stop();
  }
}
