// The console's Prometheus metrics, framework-free: store operation latencies (fed by an observer
// on the SDK's own recording, so every operation lands in the histogram exactly once), and
// scrape-time gauges read from the same sources the pages use: consumer lag as the Pipeline page
// shows it (NVSentinel's change_stream_lag_* names), open dead letters, the live hub.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { PipelineMessage } from '../live/live-messages';
import { unknownEnumCounts, type ConsumerStatus, type DataStore, type FeedState } from '../store';

export interface LiveHubFigures {
  /** SSE clients connected. */
  clients: number;
  feed: FeedState;
  /** Health event inserts the hub's change feed delivered since it was created. */
  healthEventsSeen: number;
}

/** The cluster half, when the console has cluster access. */
export interface ClusterFigures {
  /** The kubeconfig context (or in-cluster) and NVSentinel's namespace: the series' labels. */
  context: string;
  namespace: string;
  /** connecting, live, or stale (the API server refuses or is away). */
  state: 'connecting' | 'live' | 'stale';
  /** The circuit breaker's ConfigMap status (CLOSED, TRIPPED), null when missing. */
  breakerStatus: string | null;
  /** NVSentinel's cordons of GPU nodes within the breaker's window, and how many trip it. */
  breakerCordons: number;
  breakerLimit: number;
  /** Nodes cordoned in the cluster, by anyone. */
  cordonedNodes: number;
}

/** Where the scrape-time gauges come from. A source that fails leaves its series out of that scrape. */
export interface MetricsSources {
  /** The cluster's figures; null without cluster access (its series are then absent). */
  cluster(): Promise<ClusterFigures | null>;
  /** Every consumer's judged lag as the Pipeline page shows it; null before the first reading. */
  consumerLag(): Promise<PipelineMessage | null>;
  /** Open dead letters (dead, retry requested, retrying) per consumer. */
  openDeadLetters(): Promise<Record<string, number>>;
  /** The live hub's figures; null while no hub runs in this process. */
  liveHub(): Promise<LiveHubFigures | null>;
  /** Resolves when the datastore answers a ping. */
  ping(): Promise<unknown>;
}

export interface ConsoleMetricsOptions {
  /** process_* and nodejs_* metrics of prom-client (off for tests that build many registries). */
  defaultMetrics?: boolean;
  /** A lag reading older than this is no evidence: its consumers report change_stream_lag_known 0. */
  staleAfterMs?: number;
  now?: () => number;
  onSourceError?: (source: string, error: unknown) => void;
}

export type DatastoreRole = 'primary' | 'secondary';

/** Store operations take from well under a millisecond (a ping) to seconds (a large insertMany). */
export const OPERATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const DEFAULT_STALE_AFTER_MS = 30_000;

const CONSUMER_STATUSES: ConsumerStatus[] = ['ok', 'falling-behind', 'stalled', 'stopped', 'position-lost'];
const FEED_STATES: FeedState[] = ['starting', 'live', 'reconnecting', 'closed'];

/** A prom-client collect function. */
type Collect = () => Promise<void>;

type Reading<T> = { ok: true; value: T } | { ok: false };

/** One scrape's reads: each source is asked at most once, so every series of a scrape agrees. */
class Scrape {
  private readonly readings = new Map<string, Promise<Reading<unknown>>>();

  constructor(
    private readonly sources: MetricsSources,
    private readonly onError: (source: string, error: unknown) => void,
  ) {}

  read<K extends keyof MetricsSources>(source: K): Promise<Reading<Awaited<ReturnType<MetricsSources[K]>>>> {
    let reading = this.readings.get(source);
    if (!reading) {
      reading = Promise.resolve()
        .then(() => this.sources[source]())
        .then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => {
            this.onError(source, error);
            return { ok: false as const };
          },
        );
      this.readings.set(source, reading);
    }
    return reading as Promise<Reading<Awaited<ReturnType<MetricsSources[K]>>>>;
  }
}

export class ConsoleMetrics {
  readonly registry = new Registry();
  private readonly operationSeconds: Histogram<'datastore' | 'provider' | 'operation'>;
  private readonly operationErrors: Counter<'datastore' | 'provider' | 'operation'>;
  private readonly observed = new WeakSet<DataStore>();
  private scrape: Scrape | null = null;
  private rendering: Promise<unknown> = Promise.resolve();
  private readonly staleAfterMs: number;
  private readonly now: () => number;
  private readonly onSourceError: (source: string, error: unknown) => void;

  constructor(options: ConsoleMetricsOptions = {}) {
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.now = options.now ?? Date.now;
    this.onSourceError = options.onSourceError ?? (() => {});
    const registers = [this.registry];
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });

    this.operationSeconds = new Histogram({
      name: 'sentinel_store_operation_duration_seconds',
      help: "Duration of store SDK operations (queries, transactions, commands), failed ones included, per datastore (primary: the app's; secondary: SECONDARY_DATABASE_URL), provider and operation.",
      labelNames: ['datastore', 'provider', 'operation'],
      buckets: OPERATION_BUCKETS,
      registers,
    });
    this.operationErrors = new Counter({
      name: 'sentinel_store_operation_errors_total',
      help: 'Store SDK operations that failed, per datastore, provider and operation.',
      labelNames: ['datastore', 'provider', 'operation'],
      registers,
    });

    const consumerLag: Collect = this.group(
      'consumerLag',
      () => [lagSeconds, lagKnown, documentsBehind, status, readingTime],
      (reading) => {
        for (const consumer of this.freshConsumers(reading)) {
          const client = consumer.consumer;
          lagKnown.set({ client }, consumer.lagSeconds === null ? 0 : 1);
          if (consumer.lagSeconds !== null) lagSeconds.set({ client }, consumer.lagSeconds);
          if (consumer.documentsBehind !== null) documentsBehind.set({ client }, consumer.documentsBehind);
          for (const candidate of CONSUMER_STATUSES)
            status.set({ client, status: candidate }, consumer.status === candidate ? 1 : 0);
        }
        for (const consumer of this.staleConsumers(reading)) lagKnown.set({ client: consumer.consumer }, 0);
        if (reading) readingTime.set(reading.at / 1000);
      },
    );
    const lagSeconds = new Gauge({
      name: 'change_stream_lag_seconds',
      help: "Seconds the consumer's next unread change is older than the newest change in the datastore (0 when caught up), from its stored position, as the Pipeline page shows it. Absent while unknown (see change_stream_lag_known).",
      labelNames: ['client'],
      registers,
      collect: consumerLag,
    });
    const lagKnown = new Gauge({
      name: 'change_stream_lag_known',
      help: `1 when change_stream_lag_seconds of the consumer is known, 0 when its position is unknown or the newest lag reading is older than ${this.staleAfterMs / 1000} s.`,
      labelNames: ['client'],
      registers,
      collect: consumerLag,
    });
    const documentsBehind = new Gauge({
      name: 'sentinel_consumer_documents_behind',
      help: 'Changes the consumer has not read yet, as the Pipeline page shows them (exact on PostgreSQL, an estimate on MongoDB; a lower bound when the count hit its cap). Absent while unknown.',
      labelNames: ['client'],
      registers,
      collect: consumerLag,
    });
    const status = new Gauge({
      name: 'sentinel_consumer_status',
      help: "The consumer's status judged over a one-minute window, as the Pipeline page shows it: 1 for the current status, 0 for the others.",
      labelNames: ['client', 'status'],
      registers,
      collect: consumerLag,
    });
    const readingTime = new Gauge({
      name: 'sentinel_consumer_lag_reading_timestamp_seconds',
      help: 'When the consumer lag reading behind change_stream_lag_seconds was taken (Unix time); the live hub takes one every 2 s.',
      registers,
      collect: consumerLag,
    });

    const deadLetterCounts: Collect = this.group(
      'openDeadLetters',
      () => [deadLetters],
      (counts) => {
        for (const [client, count] of Object.entries(counts)) deadLetters.set({ client }, count);
      },
    );
    const deadLetters = new Gauge({
      name: 'sentinel_dead_letters_open',
      help: 'Open dead letters (dead, retry requested or retrying) per consumer.',
      labelNames: ['client'],
      registers,
      collect: deadLetterCounts,
    });

    const liveHub: Collect = this.group(
      'liveHub',
      () => [sseClients, feedState, eventsIngested],
      (hub) => {
        if (!hub) return;
        sseClients.set(hub.clients);
        for (const state of FEED_STATES) feedState.set({ state }, hub.feed === state ? 1 : 0);
        eventsIngested.inc(hub.healthEventsSeen);
      },
    );
    const sseClients = new Gauge({
      name: 'sentinel_live_sse_clients',
      help: 'Browsers connected to the live stream (/api/live) of this process.',
      registers,
      collect: liveHub,
    });
    const feedState = new Gauge({
      name: 'sentinel_live_feed_state',
      help: "State of the live hub's change feed in this process: 1 for the current state, 0 for the others; absent while no hub runs.",
      labelNames: ['state'],
      registers,
      collect: liveHub,
    });
    const eventsIngested = new Counter({
      name: 'sentinel_health_events_ingested_total',
      help: "Health events inserted into the datastore by any writer (NVSentinel, the simulator, this console), counted as this process's live hub change feed delivered them since the hub started.",
      registers,
      collect: liveHub,
    });

    // Read from the SDK's own tally at each scrape (the codecs count as they decode), so every
    // unknown value decoded anywhere in this process lands here exactly once.
    const unknownEnums: Counter<'field' | 'value'> = new Counter({
      name: 'sentinel_unknown_enum_values_total',
      help: 'Stored enum values this console does not know (a newer NVSentinel\'s recommended action, quarantine or eviction status), decoded by this process since it started, per field and raw value. Pages show them as "unknown (<value>)".',
      labelNames: ['field', 'value'],
      registers,
      collect: () => {
        unknownEnums.reset();
        for (const { field, value, count } of unknownEnumCounts()) unknownEnums.inc({ field, value }, count);
      },
    });

    const cluster: Collect = this.group(
      'cluster',
      () => [clusterState, breakerTripped, breakerCordons, breakerLimit, cordonedNodes],
      (figures) => {
        if (!figures) return;
        const cluster = { context: figures.context };
        const breaker = { context: figures.context, namespace: figures.namespace };
        for (const state of ['connecting', 'live', 'stale'] as const)
          clusterState.set({ ...cluster, state }, figures.state === state ? 1 : 0);
        if (figures.state !== 'connecting') {
          if (figures.breakerStatus !== null) breakerTripped.set(breaker, figures.breakerStatus === 'TRIPPED' ? 1 : 0);
          breakerCordons.set(breaker, figures.breakerCordons);
          breakerLimit.set(breaker, figures.breakerLimit);
          cordonedNodes.set(cluster, figures.cordonedNodes);
        }
      },
    );
    const clusterState = new Gauge({
      name: 'sentinel_cluster_state',
      help: "This process's watch of the Kubernetes API server: 1 for the current state (connecting, live, stale), 0 for the others; absent without cluster access.",
      labelNames: ['context', 'state'],
      registers,
      collect: cluster,
    });
    const breakerTripped = new Gauge({
      name: 'sentinel_circuit_breaker_tripped',
      help: "1 while NVSentinel's circuit-breaker ConfigMap says TRIPPED (fault-quarantine processes nothing), 0 while CLOSED; absent without the ConfigMap.",
      labelNames: ['context', 'namespace'],
      registers,
      collect: cluster,
    });
    const breakerCordons = new Gauge({
      name: 'sentinel_circuit_breaker_cordons_in_window',
      help: "GPU nodes NVSentinel's rules cordoned within the breaker's window, read from the cluster's cordon labels: a lower bound (nodes released within the window and adopted cordons carry none).",
      labelNames: ['context', 'namespace'],
      registers,
      collect: cluster,
    });
    const breakerLimit = new Gauge({
      name: 'sentinel_circuit_breaker_limit',
      help: 'Cordons within the window that trip the breaker: ceil(GPU nodes × percentage / 100).',
      labelNames: ['context', 'namespace'],
      registers,
      collect: cluster,
    });
    const cordonedNodes = new Gauge({
      name: 'sentinel_cluster_cordoned_nodes',
      help: 'Nodes cordoned (spec.unschedulable) in the cluster, by NVSentinel or anyone else.',
      labelNames: ['context'],
      registers,
      collect: cluster,
    });

    const ping: Collect = this.group(
      'ping',
      () => [datastoreUp],
      () => datastoreUp.set(1),
      () => datastoreUp.set(0),
    );
    const datastoreUp = new Gauge({
      name: 'sentinel_datastore_up',
      help: "1 when the app's datastore answered a ping during this scrape, else 0.",
      registers,
      collect: ping,
    });
  }

  /**
   * A collect function shared by the `metrics` read from one source: the first of them collected
   * in a scrape reads the source (once) and fills them all, the others wait for it. Each is
   * emptied first, so a consumer that went away leaves no series behind.
   */
  private group<K extends keyof MetricsSources>(
    source: K,
    metrics: () => (Gauge<string> | Counter<string>)[],
    fill: (value: Awaited<ReturnType<MetricsSources[K]>>) => void,
    failed: () => void = () => {},
  ): Collect {
    let filling: Promise<void> = Promise.resolve();
    let filledFor: Scrape | null = null;
    return () => {
      const scrape = this.scrape;
      if (!scrape) return Promise.resolve();
      if (filledFor !== scrape) {
        filledFor = scrape;
        filling = scrape.read(source).then((reading) => {
          for (const metric of metrics()) metric.reset();
          if (reading.ok) fill(reading.value);
          else failed();
        });
      }
      return filling;
    };
  }

  private freshConsumers(reading: PipelineMessage | null): PipelineMessage['consumers'] {
    return reading && this.now() - reading.at <= this.staleAfterMs ? reading.consumers : [];
  }

  private staleConsumers(reading: PipelineMessage | null): PipelineMessage['consumers'] {
    return reading && this.now() - reading.at > this.staleAfterMs ? reading.consumers : [];
  }

  /** Records every operation of `store` in the histogram from now on (once per store). */
  observeStore(store: DataStore, datastore: DatastoreRole): void {
    if (this.observed.has(store)) return;
    const seen = new Set<string>();
    this.observed.add(store);
    store.observeOperations(({ operation, ms, failed }) => {
      const labels = { datastore, provider: store.provider, operation };
      if (!seen.has(operation)) {
        seen.add(operation);
        this.operationErrors.inc(labels, 0); // a series from the first call, so rate() sees the first error
      }
      this.operationSeconds.observe(labels, ms / 1000);
      if (failed) this.operationErrors.inc(labels);
    });
  }

  /** The exposition text, with the scrape-time gauges read from `sources`. Scrapes run one at a time. */
  render(sources: MetricsSources): Promise<string> {
    const run = async () => {
      this.scrape = new Scrape(sources, this.onSourceError);
      try {
        return await this.registry.metrics();
      } finally {
        this.scrape = null;
      }
    };
    const result = this.rendering.then(run, run);
    this.rendering = result.catch(() => {});
    return result;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
