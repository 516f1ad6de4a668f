// The cluster half of the console's state, one watch per process: every node (as NVSentinel's
// writes read, ./cluster-node.ts) and NVSentinel's circuit-breaker ConfigMap, kept in memory by
// informers of the official client, so no page view calls the API server. When the API server is
// away the last state stays, marked stale since when; the informers list and watch again by
// themselves, with backoff, and a watch that expired (410) lists again.
import {
  CoreV1Api,
  ListWatch,
  makeInformer,
  Watch,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type V1ConfigMap,
  type V1Node,
} from '@kubernetes/client-node';

import { CIRCUIT_BREAKER_CONFIGMAP } from '@/lib/nvsentinel/kubernetes-keys';

import { clusterNodeOf, type ClusterNode } from './cluster-node';

export interface CircuitBreakerState {
  /** CLOSED or TRIPPED as NVSentinel writes them; null when the ConfigMap is missing. */
  status: string | null;
  /** RESUME or CREATE: where fault-quarantine starts after its next restart. */
  cursor: string | null;
  /** When this console saw the status turn TRIPPED (ms); null if it was tripped when first read. */
  trippedAt: number | null;
  /** The ConfigMap's resourceVersion as watched (always set here; optional for hand-made states): what a reset from a page names as what it showed. */
  resourceVersion?: string | null;
}

export interface ClusterStatus {
  /** connecting: the first list has not answered; live: following the API server; stale: the last state, since `staleSince`. */
  state: 'connecting' | 'live' | 'stale';
  staleSince: number | null;
  lastError: string | null;
  nodes: number;
}

interface Watched<T extends KubernetesObject> {
  informer?: Informer<T>;
  /** Its last start got through and no error came since. */
  live: boolean;
  /** Errors since it was last live for a while (see follow). */
  failures: number;
  lastLiveAt: number;
  timer?: NodeJS.Timeout;
}

export class ClusterState {
  private readonly nodes = new Map<string, ClusterNode>();
  private breakerState: CircuitBreakerState = { status: null, cursor: null, trippedAt: null, resourceVersion: null };
  private breakerRead = false;
  private readonly listeners = new Set<(node: ClusterNode, gone: boolean) => void>();
  private readonly breakerListeners = new Set<(breaker: CircuitBreakerState) => void>();
  private readonly watched = new Map<string, Watched<KubernetesObject>>([
    ['nodes', { live: false, failures: 0, lastLiveAt: 0 }],
    ['breaker', { live: false, failures: 0, lastLiveAt: 0 }],
  ]);
  private staleSince: number | null = null;
  private lastError: string | null = null;
  private everLive = false;
  private stopped = false;

  constructor(
    private readonly config: KubeConfig,
    private readonly namespace: string,
  ) {}

  async start(): Promise<void> {
    const api = this.config.makeApiClient(CoreV1Api);
    const nodes = makeInformer<V1Node>(this.config, '/api/v1/nodes', () => api.listNode());
    const put = (node: V1Node) => {
      const view = clusterNodeOf(node);
      this.nodes.set(view.name, view);
      for (const listener of this.listeners) listener(view, false);
    };
    nodes.on('add', put);
    nodes.on('update', put);
    nodes.on('delete', (node) => {
      const view = this.nodes.get(node.metadata?.name ?? '');
      if (!view) return;
      this.nodes.delete(view.name);
      for (const listener of this.listeners) listener(view, true);
    });
    // One ConfigMap, by a field selector on its name (makeInformer takes none: the ListWatch does).
    const selector = `metadata.name=${CIRCUIT_BREAKER_CONFIGMAP}`;
    const breaker = new ListWatch<V1ConfigMap>(
      `/api/v1/namespaces/${this.namespace}/configmaps`,
      new Watch(this.config),
      () => api.listNamespacedConfigMap({ namespace: this.namespace, fieldSelector: selector }),
      false,
      undefined,
      selector,
    );
    const readBreaker = (map: V1ConfigMap) => {
      const status = map.data?.status ?? null;
      const turned = status === 'TRIPPED' && this.breakerState.status !== 'TRIPPED';
      const trippedAt =
        status !== 'TRIPPED' ? null : turned ? (this.breakerRead ? Date.now() : null) : this.breakerState.trippedAt;
      this.breakerState = {
        status,
        cursor: map.data?.cursor ?? null,
        trippedAt,
        resourceVersion: map.metadata?.resourceVersion ?? null,
      };
      this.breakerRead = true;
      for (const listener of this.breakerListeners) listener(this.breakerState);
    };
    breaker.on('add', readBreaker);
    breaker.on('update', readBreaker);
    breaker.on('delete', () => {
      this.breakerState = { status: null, cursor: null, trippedAt: null, resourceVersion: null };
      for (const listener of this.breakerListeners) listener(this.breakerState);
    });
    await Promise.all([
      this.follow('nodes', nodes as unknown as Informer<KubernetesObject>),
      this.follow('breaker', breaker as unknown as Informer<KubernetesObject>),
    ]);
  }

  /**
   * Starts an informer and keeps it going. It counts as live once an attempt has got through: its
   * start() resolved (the list, when it needed one, and the watch request answered) with no error
   * reported meanwhile. (The client's 'connect' event comes before anything is sent, so it proves
   * nothing.) An error marks the state stale, since the first error, and starts it again, backing off
   * from 0.5 s to 30 s; the backoff starts over only after 30 s live, so an API server that lists but
   * refuses watches is not asked twice a second.
   */
  private async follow(key: string, informer: Informer<KubernetesObject>): Promise<void> {
    const watched = this.watched.get(key)!;
    watched.informer = informer;
    let failedSince = false;
    let retryPending = false;
    const again = (error: unknown) => {
      failedSince = true;
      if (this.stopped) return;
      watched.live = false;
      this.lastError = describe(error);
      this.staleSince ??= Date.now();
      // One failed attempt can be reported twice (the informer's 'error' and start's rejection): one retry.
      if (retryPending) return;
      retryPending = true;
      if (Date.now() - watched.lastLiveAt > 30_000) watched.failures = 0;
      const waitMs = Math.min(30_000, 500 * 2 ** watched.failures++);
      watched.timer = setTimeout(() => {
        retryPending = false;
        void attempt();
      }, waitMs);
    };
    const attempt = async () => {
      failedSince = false;
      try {
        await informer.start();
      } catch (error) {
        again(error);
        return;
      }
      if (failedSince || this.stopped) return;
      watched.live = true;
      watched.lastLiveAt = Date.now();
      if ([...this.watched.values()].every((each) => each.live)) {
        this.everLive = true;
        this.staleSince = null;
        this.lastError = null;
      }
    };
    informer.on('error', again);
    await attempt();
  }

  node(name: string): ClusterNode | undefined {
    return this.nodes.get(name);
  }

  allNodes(): ClusterNode[] {
    return [...this.nodes.values()];
  }

  breaker(): CircuitBreakerState {
    return this.breakerState;
  }

  status(): ClusterStatus {
    const state = this.staleSince !== null ? 'stale' : this.everLive ? 'live' : 'connecting';
    return { state, staleSince: this.staleSince, lastError: this.lastError, nodes: this.nodes.size };
  }

  /** Calls `listener` with every node change (gone: deleted); returns the function that stops it. */
  onNode(listener: (node: ClusterNode, gone: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` with every change of the breaker's ConfigMap; returns the function that stops it. */
  onBreaker(listener: (breaker: CircuitBreakerState) => void): () => void {
    this.breakerListeners.add(listener);
    return () => this.breakerListeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const watched of this.watched.values()) {
      clearTimeout(watched.timer);
      await watched.informer?.stop().catch(() => {});
    }
  }
}

/** An informer's error in words: the API server's answer (a list's ApiException, a watch's status), or the network's. */
function describe(error: unknown): string {
  const { code, statusCode, message } = error as { code?: number | string; statusCode?: number; message?: string };
  const status = typeof code === 'number' ? code : statusCode;
  if (status === 403)
    return "the API server refused (403 Forbidden): the console's service account lacks list/watch on nodes or the ConfigMap";
  if (status === 401) return 'the API server refused the credentials (401 Unauthorized)';
  if (status !== undefined)
    return `the API server answered ${status}${message ? ` (${message.split('\n')[0].slice(0, 200)})` : ''}`;
  return message ?? String(error);
}
