// The live hub: one change feed per server process, feeding the node projection and every
// connected browser. Framework-free, so tests and benchmarks run it without Next.js.
//
// Start-up: the hub's consumer is moved to the head of the feed, then the projection is loaded
// from the store's snapshot queries, then the feed is followed from that head. A change committed
// between the two steps is applied on top of a snapshot that may already hold it: the projection
// tolerates that (the same state again), except that such an event's fatal count can be counted
// twice, once, at start.
//
// Every 100 ms the nodes that changed are handed to each client as one batch (coalesced), with a
// sequence id; the last few thousand batches are kept so a browser that reconnects with
// Last-Event-ID gets exactly the nodes that changed meanwhile, or the whole set when that is older.
import { NodeProjection } from '../node-state/node-projection';
import type { NodeView } from '../node-state/node-view';
import { ConsumerLagMonitor, type ChangeFeed, type ConsumerLag, type DataStore } from '../store';
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
  private readonly options: Required<Omit<LiveHubOptions, 'onError'>> & Pick<LiveHubOptions, 'onError'>;

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
      ...options,
      consumer: options.consumer ?? DEFAULT_HUB_CONSUMER,
    };
    this.consumer = this.options.consumer;
    this.monitor = new ConsumerLagMonitor(() => store.consumers().lag());
  }

  /** Loads the projection and starts following the feed; resolves once the projection is loaded. */
  start(): Promise<void> {
    this.ready ??= this.begin().catch(async (error) => {
      // Let the next request try again (the datastore may be starting).
      this.ready = undefined;
      await this.feed?.close().catch(() => {});
      this.feed = undefined;
      throw error;
    });
    return this.ready;
  }

  private async begin(): Promise<void> {
    const consumers = this.store.consumers();
    await consumers.register(this.consumer, { startAt: 'now' });
    // A restarted hub reloads its snapshot, so the backlog since it last ran is not needed.
    await consumers.restart(this.consumer, { startAt: 'now' });
    this.feed = await this.store.changes(this.consumer, {
      collections: ['healthEvents'],
      onStateChange: (state) => {
        this.feedState = state;
        this.broadcastStatus();
      },
    });
    await this.loadSnapshot();
    void this.follow(this.feed);
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

  private async loadSnapshot(): Promise<void> {
    const events = this.store.healthEvents();
    const [latestPerCheck, decisions, latestPerNode, fatalCounts] = await Promise.all([
      events.latestPerCheck(),
      events.latestQuarantineDecisions(),
      events.latestPerNode(),
      events.countByNode({ isFatal: true }),
    ]);
    this.projection.load({ latestPerCheck, decisions, latestPerNode, fatalCounts });
  }

  private async follow(feed: ChangeFeed): Promise<void> {
    try {
      for await (const change of feed) {
        for (const name of this.projection.apply(change)) this.changed.add(name);
        if (change.collection === 'healthEvents' && change.document) {
          if (change.operation === 'insert') {
            this.throughput.count(change.document);
            this.insertsSeen += 1;
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
      if (this.stopped) return;
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
    if (this.lastPosition && this.feed) {
      const position = this.lastPosition;
      this.lastPosition = undefined;
      this.feed.ack(position).catch((error) => this.options.onError?.(error));
    }
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
    return { feed: this.feedState, provider: this.store.provider };
  }

  private broadcastStatus(): void {
    this.sequence += 1;
    for (const connection of this.connections) connection.offer('status', this.sequence, this.statusMessage());
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
    await this.feed?.close();
  }
}
