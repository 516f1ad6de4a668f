// A living cluster on any datastore: writes NVSentinel-shaped events at a steady rate and runs the
// simulated fault-quarantine, node-drainer and fault-remediation through the store SDK's change
// feed and EventProcessor, under NVSentinel's consumer names, so lag, stalls, dead letters and
// throughput on the dashboard are real.
import type { KubeConfig } from '@kubernetes/client-node';

import { dateToTimestamp, EventProcessor, type DataStore, type NewHealthEvent } from '../store';
import { NVSENTINEL_NAMESPACE } from '../nvsentinel/kubernetes-keys';
import { FAULT_KINDS } from './event-catalog';
import { EventGenerator, SIMULATOR_MARK, type ClusterShape } from './event-generator';
import { DEFAULT_BREAKER, SimulatedCircuitBreaker, type BreakerSettings } from './pipeline/circuit-breaker';
import { ClusterQuarantine } from './pipeline/cluster-quarantine';
import { SimulatedFaultQuarantine } from './pipeline/fault-quarantine';
import { SimulatedFaultRemediation } from './pipeline/fault-remediation';
import { LiveQuarantine } from './pipeline/live-quarantine';
import { MaintenanceResources } from './pipeline/maintenance-resources';
import { SimulatedNodeDrainer } from './pipeline/node-drainer';
import { NodeStateLabel } from './pipeline/node-state-label';
import { DEFAULT_PIPELINE_SETTINGS, type PipelineSettings } from './pipeline/pipeline-settings';
import { RemediationAnnotation } from './pipeline/remediation-annotation';
import { SimulatedJanitor } from './pipeline/simulated-janitor';
import { SeededRandom } from './seeded-random';
import { assertSimulatedData } from './simulated-data-guard';

export { SimulatorRefusedError } from './simulated-data-guard';

/** Metadata key of an injected poison event. */
export const POISON_MARK = 'sentinel-console-simulator-poison';

/** Metadata key of a fatal fault injected on demand (injectFatalFaults). */
export const INJECTED_FAULT_MARK = 'sentinel-console-simulator-injected';

/** More nodes asked to fail than are healthy: nothing was written. */
export class FaultInjectionRefused extends Error {}

export const PIPELINE_CONSUMERS = [
  SimulatedFaultQuarantine.consumer,
  SimulatedNodeDrainer.consumer,
  SimulatedFaultRemediation.consumer,
] as const;
export type PipelineConsumer = (typeof PIPELINE_CONSUMERS)[number];

export interface SimulatorOptions extends ClusterShape {
  /** Events written per second (0: the pipeline only). */
  rate: number;
  /** Run the simulated pipeline consumers. */
  pipeline?: boolean;
  settings?: Partial<PipelineSettings>;
  /** Write even though the datastore holds events the simulator did not write. */
  allowRealData?: boolean;
  /** A cluster (the twin's kubeconfig) fault-quarantine cordons and releases nodes through, as NVSentinel does. */
  cluster?: KubeConfig;
  /** The circuit breaker's limits, with a cluster (NVSentinel's defaults: 50 % of the GPU nodes in 5 minutes). */
  breaker?: BreakerSettings;
  /** The ttl written on maintenance resources, after which the simulated janitor deletes them (NVSentinel's template: 336h). */
  maintenanceTtl?: string;
  onError?: (error: unknown) => void;
}

interface RunningConsumer {
  processor?: EventProcessor;
  paused: boolean;
  handler: (change: Parameters<SimulatedFaultQuarantine['handle']>[0]) => Promise<void>;
}

export class ClusterSimulator {
  readonly generator: EventGenerator;
  private settings: PipelineSettings;
  private readonly consumers = new Map<PipelineConsumer, RunningConsumer>();
  private readonly quarantine: SimulatedFaultQuarantine;
  private readonly cluster?: ClusterQuarantine;
  readonly breaker?: SimulatedCircuitBreaker;
  private readonly janitor?: SimulatedJanitor;
  private timer?: NodeJS.Timeout;
  /** Picks the nodes of injected faults (seeded, so a run replays). */
  private readonly faultPicker: SeededRandom;
  private writing = false;
  private written = 0;
  private carry = 0;
  /** Nodes with an injected fault fault-quarantine has not handled yet (how many): not healthy to the next injection. */
  private readonly injectedWaiting = new Map<string, number>();
  /** Injections run one at a time, so each picks among the nodes the one before left healthy. */
  private injecting: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: DataStore,
    private readonly options: SimulatorOptions,
  ) {
    if (!Number.isFinite(options.rate) || options.rate < 0 || options.rate > 100_000) {
      throw new RangeError(`rate must be from 0 to 100000 events per second (got ${options.rate})`);
    }
    this.generator = new EventGenerator(options);
    this.settings = { ...DEFAULT_PIPELINE_SETTINGS, ...options.settings };
    const random = new SeededRandom(options.seed ^ 0x5eed);
    this.faultPicker = new SeededRandom(options.seed ^ 0xfa17);
    const current = () => this.settings;
    this.cluster = options.cluster ? new ClusterQuarantine(options.cluster) : undefined;
    const cluster = this.cluster;
    this.breaker =
      options.cluster && cluster
        ? new SimulatedCircuitBreaker(
            options.cluster,
            NVSENTINEL_NAMESPACE,
            () => cluster.gpuNodeCount(),
            options.breaker ?? DEFAULT_BREAKER,
          )
        : undefined;
    this.quarantine = new SimulatedFaultQuarantine(store, current, this.cluster, this.breaker);
    // node-drainer and fault-remediation write the node's state label (and remediation state) on the cluster.
    const stateLabel = options.cluster ? new NodeStateLabel(options.cluster) : undefined;
    const liveQuarantine = options.cluster ? new LiveQuarantine(options.cluster) : undefined;
    // janitor works on the maintenance resources fault-remediation creates.
    this.janitor = options.cluster ? new SimulatedJanitor(options.cluster, current, random) : undefined;
    const drainer = new SimulatedNodeDrainer(store, current, random, stateLabel);
    const remediation = new SimulatedFaultRemediation(
      store,
      current,
      random,
      options.cluster && stateLabel
        ? {
            stateLabel,
            annotation: new RemediationAnnotation(options.cluster),
            resources: new MaintenanceResources(options.cluster, options.maintenanceTtl),
            inLiveQuarantine: (event) => liveQuarantine!.contains(event),
          }
        : undefined,
    );
    this.consumers.set('fault-quarantine', {
      paused: false,
      handler: (change) =>
        this.failOnPoison(change) ?? this.quarantine.handle(change).finally(() => this.injectedHandled(change)),
    });
    this.consumers.set('node-drainer', { paused: false, handler: drainer.handle });
    this.consumers.set('fault-remediation', { paused: false, handler: remediation.handle });
  }

  async start(): Promise<void> {
    await assertSimulatedData(this.store, this.options.allowRealData);
    if (this.options.pipeline !== false) {
      await this.quarantine.restore();
      await this.cluster?.watchManualUncordons((node) =>
        this.quarantine.cancelManuallyUncordoned(node).catch((error) => this.options.onError?.(error)),
      );
      await this.breaker?.start();
      await this.janitor?.start();
      for (const name of PIPELINE_CONSUMERS) {
        // NVSentinel's components keep their positions in its resume_tokens: so do their twins.
        // fault-remediation keeps exactly NVSentinel's {timestamp, eventID}, so the demo reads one
        // position in NVSentinel's own format every day (its lag by NVSentinel's reader).
        const positionStore = name === 'fault-remediation' ? 'nvsentinel-legacy' : 'nvsentinel';
        await this.store.consumers().register(name, { startAt: 'now', positionStore });
        await this.startConsumer(name);
      }
    }
    if (this.options.rate > 0) this.timer = setInterval(() => void this.tick(), 100);
  }

  private async startConsumer(name: PipelineConsumer): Promise<void> {
    const running = this.consumers.get(name)!;
    const processor = new EventProcessor({
      feed: await this.store.changes(name, { collections: ['healthEvents'], pollIntervalMs: 1_000 }),
      deadLetters: this.store.deadLetters(),
      handler: running.handler,
      maxAttempts: 3,
      initialBackoffMs: 200,
      onError: this.options.onError,
    });
    running.processor = processor;
    running.paused = false;
    processor.start().catch((error) => this.options.onError?.(error));
  }

  /** Writes this tick's share of the rate as one batch; a slow database delays, never piles up. */
  private async tick(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      this.carry += this.options.rate / 10;
      const count = Math.floor(this.carry);
      this.carry -= count;
      if (count === 0) return;
      const now = Date.now();
      const events = this.generator.batch(count, new Date(now), 100 / count);
      await this.store.healthEvents().insertMany(events);
      this.written += count;
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      this.writing = false;
    }
  }

  /** A handler failure on demand, so dead letters and their retry can be seen working. */
  private failOnPoison(change: Parameters<RunningConsumer['handler']>[0]): Promise<void> | undefined {
    const poisoned =
      change.collection === 'healthEvents' &&
      change.operation === 'insert' &&
      change.document?.healthEvent.metadata[POISON_MARK] === 'true';
    if (poisoned && this.settings.failPoison)
      return Promise.reject(
        new Error('simulated poison: fault-quarantine cannot handle this event (turn failPoison off, then retry it)'),
      );
    return undefined;
  }

  /** Writes one event fault-quarantine fails on while `failPoison` is set; returns its record id. */
  async injectPoison(): Promise<{ recordId: string; nodeName: string }> {
    const nodeName = this.generator.nodeNames[0];
    const [stored] = await this.store.healthEvents().insertMany([
      {
        nodeName,
        agent: 'sentinel-console-simulator',
        checkName: 'SimulatorPoison',
        componentClass: 'NODE',
        isHealthy: true,
        message: 'poison event injected by the cluster simulator',
        processingStrategy: 'EXECUTE_REMEDIATION',
        metadata: { [SIMULATOR_MARK]: 'true', [POISON_MARK]: 'true' },
      },
    ]);
    return { recordId: stored.recordId, nodeName };
  }

  /**
   * Nodes the simulated fault-quarantine holds no quarantine session for, and no injected fault of
   * theirs still waits for; a muted node is left out (an injected fault would break its silence).
   */
  healthyNodes(): string[] {
    const muted = new Set(this.generator.mutedNodes());
    return this.generator.nodeNames.filter(
      (node) => !this.quarantine.isQuarantined(node) && !this.injectedWaiting.has(node) && !muted.has(node),
    );
  }

  /** An injected fault handled by fault-quarantine (processed, or skipped by a CREATE restart): its node is no longer waiting. */
  private injectedHandled(change: Parameters<RunningConsumer['handler']>[0]): void {
    const event =
      change.collection === 'healthEvents' && change.operation === 'insert' ? change.document?.healthEvent : undefined;
    if (event?.metadata[INJECTED_FAULT_MARK] === 'true') this.countWaiting([event.nodeName], -1);
  }

  private countWaiting(nodes: readonly string[], by: 1 | -1): void {
    for (const node of nodes) {
      const waiting = (this.injectedWaiting.get(node) ?? 0) + by;
      if (waiting > 0) this.injectedWaiting.set(node, waiting);
      else this.injectedWaiting.delete(node);
    }
  }

  /**
   * A fatal XID 79 on `count` distinct healthy nodes, written in one batch as the syslog monitor
   * reports it: fault-quarantine meets them on its change feed like any event, so enough of them at
   * once trip its breaker as they would NVSentinel's. Each node recovers when a later healthy report
   * of the same check and GPU arrives (the generator's heartbeats). Refused, writing nothing, when
   * fewer nodes are healthy. Injections run one at a time, and a node stays unhealthy to the next one
   * from its injection until fault-quarantine has handled its fault, so two at once never pick the
   * same node.
   */
  injectFatalFaults(count: number): Promise<{ nodes: string[]; recordIds: string[] }> {
    const run = this.injecting.then(() => this.injectNow(count));
    this.injecting = run.catch(() => undefined);
    return run;
  }

  private async injectNow(count: number): Promise<{ nodes: string[]; recordIds: string[] }> {
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`count must be a whole number above 0 (got ${count})`);
    const healthy = this.healthyNodes();
    if (healthy.length < count)
      throw new FaultInjectionRefused(
        `only ${healthy.length} of the ${this.generator.nodeNames.length} nodes are healthy (not quarantined, no injected fault waiting for fault-quarantine), so ${count} cannot fail at once`,
      );
    for (let i = healthy.length - 1; i > 0; i -= 1) {
      const j = this.faultPicker.int(i + 1);
      [healthy[i], healthy[j]] = [healthy[j], healthy[i]];
    }
    const kind = FAULT_KINDS.find((candidate) => candidate.checkName === 'SysLogsXIDError')!;
    const now = new Date();
    const events: NewHealthEvent[] = healthy.slice(0, count).map((nodeName) => {
      const gpu = String(this.faultPicker.int(8));
      return {
        nodeName,
        agent: kind.agent,
        checkName: kind.checkName,
        componentClass: kind.componentClass,
        isFatal: true,
        isHealthy: false,
        message: kind.message('79', gpu),
        recommendedAction: kind.recommendedAction,
        errorCode: ['79'],
        entitiesImpacted: [{ entityType: 'GPU', entityValue: gpu }],
        metadata: { [SIMULATOR_MARK]: 'true', [INJECTED_FAULT_MARK]: 'true' },
        generatedTimestamp: dateToTimestamp(now),
        processingStrategy: 'EXECUTE_REMEDIATION',
      };
    });
    const nodes = events.map((event) => event.nodeName);
    // Waiting from before the write: fault-quarantine may handle an event before insertMany answers.
    this.countWaiting(nodes, 1);
    let stored;
    try {
      stored = await this.store.healthEvents().insertMany(events);
    } catch (error) {
      this.countWaiting(nodes, -1);
      throw error;
    }
    return { nodes, recordIds: stored.map((event) => event.recordId) };
  }

  async pause(name: PipelineConsumer): Promise<void> {
    const running = this.consumers.get(name);
    if (!running) throw new RangeError(`unknown pipeline consumer "${name}" (${PIPELINE_CONSUMERS.join(', ')})`);
    if (running.paused) return;
    running.paused = true;
    await running.processor?.stop();
    running.processor = undefined;
  }

  async resume(name: PipelineConsumer): Promise<void> {
    const running = this.consumers.get(name);
    if (!running) throw new RangeError(`unknown pipeline consumer "${name}" (${PIPELINE_CONSUMERS.join(', ')})`);
    if (!running.paused) return;
    await this.startConsumer(name);
  }

  updateSettings(changes: Partial<PipelineSettings>): PipelineSettings {
    this.settings = { ...this.settings, ...changes };
    return this.settings;
  }

  status() {
    return {
      written: this.written,
      activeFaults: this.generator.activeFaults(),
      nodes: this.generator.nodeNames.length,
      healthyNodes: this.healthyNodes().length,
      mutedNodes: this.generator.mutedNodes(),
      breaker: this.breaker ? { tripped: this.breaker.isTripped, limit: this.breaker.limit } : null,
      consumers: PIPELINE_CONSUMERS.map((name) => ({
        name,
        paused: this.consumers.get(name)!.paused,
        metrics: this.consumers.get(name)!.processor?.metrics(),
      })),
    };
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.writing) await new Promise((resolve) => setTimeout(resolve, 20));
    // A fault-quarantine waiting on a tripped breaker lets its event go first, or its stop would wait for ever.
    await this.breaker?.stop();
    await Promise.all([...this.consumers.values()].map((running) => running.processor?.stop()));
    await this.cluster?.stop();
    await this.janitor?.stop();
  }
}
