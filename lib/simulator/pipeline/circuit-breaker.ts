// The simulated fault-quarantine's circuit breaker, as NVSentinel's works
// (docs/nvsentinel-kubernetes-reference.md §3; fault-quarantine/pkg/breaker/breaker.go):
//  - each fresh, non-forced quarantine counts its node once in a sliding window (default 5 min);
//  - it trips when the nodes in the window reach ceil(GPU nodes × percentage / 100) (default 50 %;
//    GPU nodes: labelled nvidia.com/gpu.present=true) and writes status TRIPPED to the
//    circuit-breaker ConfigMap (GET, change, PUT);
//  - tripped, fault-quarantine processes nothing, healthy events included: the backlog grows;
//  - the state is read from the ConfigMap only at start: an operator's reset is a patch of the
//    ConfigMap (status CLOSED, cursor RESUME or CREATE) and then a restart of the fault-quarantine
//    Deployment. After a restart with CREATE the backlog is skipped (events stored before the
//    restart are not processed) and the cursor is written back to RESUME; with RESUME it is processed.
// The window lives in memory and empties on a restart, as NVSentinel's does.
import { AppsV1Api, CoreV1Api, makeInformer, type KubeConfig, type V1Deployment } from '@kubernetes/client-node';

import { getChangeUpdate } from '../../nvsentinel/get-change-update';
import { CIRCUIT_BREAKER_CONFIGMAP } from '../../nvsentinel/kubernetes-keys';

export interface BreakerSettings {
  /** Share of the GPU nodes, in percent, whose fresh quarantines within the window trip the breaker. */
  percentage: number;
  windowMs: number;
}

export const DEFAULT_BREAKER: BreakerSettings = { percentage: 50, windowMs: 5 * 60_000 };

/**
 * The demo's limits. Its simulated fleet fails far more often than a real one (about 30 fresh
 * quarantines a minute over 48 nodes, measured), so NVSentinel's defaults would keep it tripped for
 * good; 75 % of the nodes within 30 s trips only when many nodes fail at once.
 */
export const DEMO_BREAKER: BreakerSettings = { percentage: 75, windowMs: 30_000 };

/** The annotation `kubectl rollout restart` sets on the pod template. */
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

export class SimulatedCircuitBreaker {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly window: { node: string; at: number }[] = [];
  private tripped = false;
  private gate?: { promise: Promise<void>; open: () => void };
  /** After a restart with cursor CREATE: events stored before this moment are skipped. */
  private skipBefore = 0;
  private lastRestart?: string;
  private informer?: ReturnType<typeof makeInformer<V1Deployment>>;

  constructor(
    private readonly config: KubeConfig,
    private readonly namespace: string,
    private readonly gpuNodes: () => number,
    private readonly settings: BreakerSettings = DEFAULT_BREAKER,
  ) {
    this.core = config.makeApiClient(CoreV1Api);
    this.apps = config.makeApiClient(AppsV1Api);
  }

  get isTripped(): boolean {
    return this.tripped;
  }

  /** Fresh quarantines within the window that trip it: ceil(GPU nodes × percentage / 100) (breaker.go:209-216). */
  get limit(): number {
    return Math.ceil((this.gpuNodes() * this.settings.percentage) / 100);
  }

  /** fault-quarantine's start: the state from the ConfigMap, and a watch of its Deployment's restarts. */
  async start(): Promise<void> {
    await this.readState();
    const informer = makeInformer<V1Deployment>(
      this.config,
      `/apis/apps/v1/namespaces/${this.namespace}/deployments`,
      () => this.apps.listNamespacedDeployment({ namespace: this.namespace }),
    );
    informer.on('add', (deployment) => this.noteRestart(deployment, true));
    informer.on('update', (deployment) => this.noteRestart(deployment, false));
    // The informer stops at an error: start it again, or a restart would go unnoticed.
    informer.on('error', () => {
      setTimeout(() => void informer.start().catch(() => {}), 1_000);
    });
    this.informer = informer;
    await informer.start();
  }

  private noteRestart(deployment: V1Deployment, initial: boolean): void {
    if (deployment.metadata?.name !== 'fault-quarantine') return;
    const restartedAt = deployment.spec?.template?.metadata?.annotations?.[RESTARTED_AT];
    if (initial || restartedAt === this.lastRestart) {
      this.lastRestart = restartedAt;
      return;
    }
    this.lastRestart = restartedAt;
    void this.restart().catch(() => {});
  }

  /** A restart of fault-quarantine: an empty window, the state read again from the ConfigMap. */
  private async restart(): Promise<void> {
    this.window.length = 0;
    const cursor = await this.readState();
    if (this.tripped) return;
    if (cursor === 'CREATE') {
      this.skipBefore = Date.now();
      await this.writeConfigMap({ cursor: 'RESUME' });
    }
    const gate = this.gate;
    this.gate = undefined;
    gate?.open();
  }

  private async readState(): Promise<string | null> {
    // A missing ConfigMap reads as CLOSED (fault-quarantine creates it so); any other failure is not an answer.
    const map = await this.core
      .readNamespacedConfigMap({ name: CIRCUIT_BREAKER_CONFIGMAP, namespace: this.namespace })
      .catch((error: { code?: number }) => {
        if (error.code === 404) return undefined;
        throw error;
      });
    this.tripped = map?.data?.status === 'TRIPPED';
    return map?.data?.cursor ?? null;
  }

  private async writeConfigMap(data: Record<string, string>): Promise<void> {
    const name = CIRCUIT_BREAKER_CONFIGMAP;
    await getChangeUpdate({
      read: () => this.core.readNamespacedConfigMap({ name, namespace: this.namespace }),
      change: (map) => {
        map.data = { ...map.data, ...data };
        return true;
      },
      write: (map) => this.core.replaceNamespacedConfigMap({ name, namespace: this.namespace, body: map }),
    });
  }

  /**
   * Before every event: process it, or skip it (a backlog dropped by a CREATE restart). While the
   * breaker is tripped this waits, as fault-quarantine's event loop blocks, until a restart finds it closed.
   */
  async admit(storedAt: Date): Promise<'process' | 'skip'> {
    while (this.tripped) {
      if (!this.gate) {
        let open!: () => void;
        const promise = new Promise<void>((resolve) => (open = resolve));
        this.gate = { promise, open };
      }
      await this.gate.promise;
    }
    return storedAt.getTime() < this.skipBefore ? 'skip' : 'process';
  }

  /** A fresh, non-forced quarantine of `node`: counted once in the window; trips the breaker at the limit. */
  async recordQuarantine(node: string): Promise<void> {
    const now = Date.now();
    while (this.window.length > 0 && this.window[0].at < now - this.settings.windowMs) this.window.shift();
    if (!this.window.some((entry) => entry.node === node)) this.window.push({ node, at: now });
    const limit = Math.ceil((this.gpuNodes() * this.settings.percentage) / 100);
    if (limit > 0 && this.window.length >= limit && !this.tripped) {
      this.tripped = true;
      await this.writeConfigMap({ status: 'TRIPPED' });
    }
  }

  /** Lets a waiting event go without processing it (the simulator is stopping). */
  async stop(): Promise<void> {
    this.tripped = false;
    this.skipBefore = Number.MAX_SAFE_INTEGER;
    this.gate?.open();
    await this.informer?.stop().catch(() => {});
  }
}
