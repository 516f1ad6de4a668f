// The cluster half of the console's state, one watch per process: every node (as NVSentinel's
// writes read, ./cluster-node.ts) and NVSentinel's circuit-breaker ConfigMap, kept in memory by
// informers of the official client, so no page view calls the API server. When the API server is
// away the last state stays, marked stale since when; the informers list and watch again by
// themselves, with backoff, and a watch that expired (410) lists again.
// NVSentinel's custom resources about nodes (./nvsentinel-resource.ts) are followed the same way,
// each kind whose group/version the API server serves: asked by discovery at start and every few
// minutes, so a CRD installed later is picked up and one removed is let go. A kind not served is
// absent, not an error: a cluster without janitor's CRDs is live all the same.
import {
  CoreV1Api,
  CustomObjectsApi,
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
import { makeNodeInformer } from './node-informer';
import { nodeResourceOf, type NodeResource, type NodeResourceKind } from './nvsentinel-resource';

/** Where each kind's CRD puts it (docs/nvsentinel-kubernetes-reference.md §5; lalitadithya/NVSentinel @ 42672ae). */
const RESOURCE_KINDS: readonly { kind: NodeResourceKind; group: string; version: string; plural: string }[] = [
  { kind: 'RebootNode', group: 'janitor.dgxc.nvidia.com', version: 'v1alpha1', plural: 'rebootnodes' },
  { kind: 'TerminateNode', group: 'janitor.dgxc.nvidia.com', version: 'v1alpha1', plural: 'terminatenodes' },
  { kind: 'GPUReset', group: 'janitor.dgxc.nvidia.com', version: 'v1alpha1', plural: 'gpuresets' },
  {
    kind: 'ExternalRemediationRequest',
    group: 'nvsentinel.dgxc.nvidia.com',
    version: 'v1',
    plural: 'externalremediationrequests',
  },
  { kind: 'ValidationRequest', group: 'nvsentinel.nvidia.com', version: 'v1alpha1', plural: 'validationrequests' },
];

type ResourceKindEntry = (typeof RESOURCE_KINDS)[number];

interface CustomObject extends KubernetesObject {
  spec?: { nodes?: unknown };
}

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
  private readonly resourceListeners = new Set<(nodeNames: string[]) => void>();
  private readonly breakerListeners = new Set<(breaker: CircuitBreakerState) => void>();
  private readonly watched = new Map<string, Watched<KubernetesObject>>([
    ['nodes', { live: false, failures: 0, lastLiveAt: 0 }],
    ['breaker', { live: false, failures: 0, lastLiveAt: 0 }],
  ]);
  private staleSince: number | null = null;
  private lastError: string | null = null;
  private everLive = false;
  private stopped = false;
  /** The custom resources about each node: node name → "<kind>/<name>" → what it says. */
  private readonly resourcesByNode = new Map<string, Map<string, NodeResource>>();
  /** "<kind>/<name>" → the nodes it names (a ValidationRequest names several). */
  private readonly resourceNodes = new Map<string, string[]>();
  private readonly followedKinds = new Set<NodeResourceKind>();
  private discoveryTimer?: NodeJS.Timeout;
  private discovering?: Promise<void>;

  constructor(
    private readonly config: KubeConfig,
    private readonly namespace: string,
    /** How often discovery is asked again which custom resources are served (a few minutes). */
    private readonly discoveryIntervalMs = 3 * 60_000,
  ) {}

  async start(): Promise<void> {
    const api = this.config.makeApiClient(CoreV1Api);
    const nodes = makeNodeInformer(this.config);
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
      this.discoverResources(),
    ]);
    this.discoveryTimer = setInterval(() => void this.discoverResources(), this.discoveryIntervalMs);
    this.discoveryTimer.unref();
  }

  /**
   * Which kinds the API server serves, by discovery of each group/version (a 404: none of that
   * group/version); follows those newly served and lets go of those no longer served. Any other
   * failure to ask changes nothing: the informers say what is wrong with the API server.
   */
  private discoverResources(): Promise<void> {
    this.discovering ??= (async () => {
      const api = this.config.makeApiClient(CustomObjectsApi);
      const served = new Set<string>();
      for (const groupVersion of new Set(RESOURCE_KINDS.map((entry) => `${entry.group}/${entry.version}`))) {
        const [group, version] = groupVersion.split('/');
        try {
          const list = await api.getAPIResources({ group, version });
          for (const resource of list.resources) served.add(`${groupVersion}/${resource.name}`);
        } catch (error) {
          if ((error as { code?: number }).code !== 404) return;
        }
      }
      if (this.stopped) return;
      await Promise.all(
        RESOURCE_KINDS.map((entry) => {
          const isServed = served.has(`${entry.group}/${entry.version}/${entry.plural}`);
          if (isServed && !this.followedKinds.has(entry.kind)) return this.followKind(entry);
          if (!isServed && this.followedKinds.has(entry.kind)) return this.letGoOfKind(entry);
          return undefined;
        }),
      );
    })().finally(() => (this.discovering = undefined));
    return this.discovering;
  }

  private async followKind(entry: ResourceKindEntry): Promise<void> {
    const api = this.config.makeApiClient(CustomObjectsApi);
    const informer = makeInformer<CustomObject>(
      this.config,
      `/apis/${entry.group}/${entry.version}/${entry.plural}`,
      () =>
        api.listClusterCustomObject({ group: entry.group, version: entry.version, plural: entry.plural }) as Promise<{
          items: CustomObject[];
          metadata?: { resourceVersion?: string };
        }>,
    );
    informer.on('add', (object) => this.putResource(entry.kind, object));
    informer.on('update', (object) => this.putResource(entry.kind, object));
    informer.on('delete', (object) => this.dropResource(`${entry.kind}/${object.metadata?.name ?? ''}`));
    // Its CRD gone (404): ask discovery now rather than at the next round.
    informer.on('error', (error) => {
      if ((error as { code?: number; statusCode?: number }).code === 404) void this.discoverResources();
    });
    this.followedKinds.add(entry.kind);
    this.watched.set(`resource:${entry.kind}`, { live: false, failures: 0, lastLiveAt: 0 });
    await this.follow(`resource:${entry.kind}`, informer as unknown as Informer<KubernetesObject>);
  }

  private async letGoOfKind(entry: ResourceKindEntry): Promise<void> {
    const watched = this.watched.get(`resource:${entry.kind}`);
    this.watched.delete(`resource:${entry.kind}`);
    this.followedKinds.delete(entry.kind);
    clearTimeout(watched?.timer);
    await watched?.informer?.stop().catch(() => {});
    for (const key of [...this.resourceNodes.keys()]) if (key.startsWith(`${entry.kind}/`)) this.dropResource(key);
    // Its errors were the only ones: the state is live again.
    if ([...this.watched.values()].every((each) => each.live)) {
      this.staleSince = null;
      this.lastError = null;
    }
  }

  /** Indexes `object` under each node it names (a ValidationRequest: one resource per node of spec.nodes). */
  private putResource(kind: NodeResourceKind, object: CustomObject): void {
    const key = `${kind}/${object.metadata?.name ?? ''}`;
    const before = this.resourceNodes.get(key) ?? [];
    this.dropResource(key, false);
    const views =
      kind === 'ValidationRequest' && Array.isArray(object.spec?.nodes)
        ? object.spec.nodes.map((node) => ({ ...object, spec: { ...object.spec, nodes: [node] } }))
        : [object];
    const named: string[] = [];
    for (const view of views) {
      const resource = nodeResourceOf(kind, view);
      if (!resource) continue;
      let held = this.resourcesByNode.get(resource.nodeName);
      if (!held) this.resourcesByNode.set(resource.nodeName, (held = new Map()));
      held.set(key, resource);
      named.push(resource.nodeName);
    }
    if (named.length > 0) this.resourceNodes.set(key, named);
    // The nodes it names, and any it no longer names.
    this.tellResourceChange([...new Set([...before, ...named])]);
  }

  private dropResource(key: string, tell = true): void {
    const named = this.resourceNodes.get(key) ?? [];
    for (const nodeName of named) {
      const held = this.resourcesByNode.get(nodeName);
      held?.delete(key);
      if (held?.size === 0) this.resourcesByNode.delete(nodeName);
    }
    this.resourceNodes.delete(key);
    if (tell) this.tellResourceChange(named);
  }

  private tellResourceChange(nodeNames: string[]): void {
    if (nodeNames.length === 0) return;
    for (const listener of this.resourceListeners) listener(nodeNames);
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
      if (this.stopped || this.watched.get(key) !== watched) return;
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
        // Let go of meanwhile (a custom resource no longer served): no more attempts.
        if (this.watched.get(key) === watched) void attempt();
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
      if (failedSince || this.stopped || this.watched.get(key) !== watched) return;
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

  /** NVSentinel's custom resources about `nodeName`, newest first. */
  resourcesOf(nodeName: string): NodeResource[] {
    return [...(this.resourcesByNode.get(nodeName)?.values() ?? [])].sort(
      (a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0) || a.name.localeCompare(b.name),
    );
  }

  /** The kinds being watched: those the API server serves. */
  resourceKinds(): NodeResourceKind[] {
    return RESOURCE_KINDS.filter((entry) => this.followedKinds.has(entry.kind)).map((entry) => entry.kind);
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
  /** Calls `listener` with the nodes a custom resource change concerns; returns the function that stops it. */
  onResource(listener: (nodeNames: string[]) => void): () => void {
    this.resourceListeners.add(listener);
    return () => this.resourceListeners.delete(listener);
  }

  onBreaker(listener: (breaker: CircuitBreakerState) => void): () => void {
    this.breakerListeners.add(listener);
    return () => this.breakerListeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.discoveryTimer);
    await this.discovering;
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
    return "the API server refused (403 Forbidden): the console's service account lacks list/watch on nodes, the ConfigMap or NVSentinel's custom resources";
  if (status === 401) return 'the API server refused the credentials (401 Unauthorized)';
  if (status !== undefined)
    return `the API server answered ${status}${message ? ` (${message.split('\n')[0].slice(0, 200)})` : ''}`;
  return message ?? String(error);
}
