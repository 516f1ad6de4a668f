// One browser connected to /api/live. What it has not been sent yet is bounded: node changes are
// coalesced into a set of names (a slow client gets each node's latest state once, not every step),
// other topics keep only their newest message, and a followed node's events are capped. Writes
// wait while the stream's buffer is full, so a slow reader never makes the server queue grow.
import { matchesNodeFilter, type NodeFilter } from '../node-state/node-filter';
import type { NodeView } from '../node-state/node-view';
import type { LiveMessageMap, LiveMessageType, LiveTopic, NodesMessage } from './live-messages';

const encoder = new TextEncoder();
/** Bytes the stream may hold for a client before it counts as slow. */
const BUFFER_BYTES = 256 * 1024;
/** Node events queued for a followed node before the client is told to reload instead. */
const MAX_NODE_EVENTS = 500;
/** Cluster changes named in one message; beyond it the message says "everything" (a relist of the whole fleet). */
const MAX_CLUSTER_NAMES = 1_000;

/**
 * What a flush reads, the same for every client: views and counts are serialized once per flush
 * and the JSON reused for each client (with hundreds of clients, serializing per client was most
 * of the hub's CPU).
 */
export interface ConnectionSource {
  view(name: string): NodeView | undefined;
  viewJson(name: string): string | undefined;
  countsJson(): string;
}

export interface SseConnectionOptions {
  topics: Set<LiveTopic>;
  filter: NodeFilter;
}

export class SseConnection {
  readonly stream: ReadableStream<Uint8Array>;
  readonly topics: Set<LiveTopic>;
  readonly filter: NodeFilter;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly visible = new Set<string>();
  private readonly pendingNodes = new Set<string>();
  private readonly latest = new Map<LiveMessageType, { id: number; data: unknown }>();
  private nodeEvents: { id: number; data: LiveMessageMap['node-event'] }[] = [];
  /** Cluster changes not sent yet: the names, or 'all' past MAX_CLUSTER_NAMES. */
  private pendingCluster: Set<string> | 'all' = new Set();
  private clusterId = 0;
  private closed = false;
  private lastId = 0;

  constructor(
    options: SseConnectionOptions,
    private readonly onClose: (connection: SseConnection) => void,
  ) {
    this.topics = options.topics;
    this.filter = options.filter;
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        // The browser went away: drop the client at once.
        cancel: () => this.close(),
      },
      { highWaterMark: BUFFER_BYTES, size: (chunk) => chunk.byteLength },
    );
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes waiting in the stream beyond what the client has read. */
  get backlogBytes(): number {
    return this.closed ? 0 : BUFFER_BYTES - (this.controller.desiredSize ?? 0);
  }

  wants(topic: LiveTopic): boolean {
    return this.topics.has(topic);
  }

  /** Nodes whose view changed: sent as one diff at the next flush. */
  nodesChanged(names: Iterable<string>): void {
    if (!this.topics.has('nodes')) return;
    for (const name of names) this.pendingNodes.add(name);
  }

  /** A message of a topic that only needs its newest value (pipeline, throughput, status). */
  offer<T extends LiveMessageType>(type: T, id: number, data: LiveMessageMap[T]): void {
    this.latest.set(type, { id, data });
  }

  /** Nodes whose cluster half changed: the nodes list hears of every one, a node's page of its own. */
  clusterChanged(id: number, names: Iterable<string>): void {
    if (this.pendingCluster === 'all') return void (this.clusterId = id);
    let added = false;
    for (const name of names)
      if (this.topics.has('nodes') || this.topics.has(`node:${name}`)) {
        this.pendingCluster.add(name);
        added = true;
      }
    if (!added) return;
    this.clusterId = id;
    if (this.pendingCluster.size > MAX_CLUSTER_NAMES) this.pendingCluster = 'all';
  }

  /** Cluster changes this client cannot be told one by one (it resumed after some): its pages read everything again. */
  clusterChangedAll(id: number): void {
    if (![...this.topics].some((topic) => topic === 'nodes' || topic.startsWith('node:'))) return;
    this.pendingCluster = 'all';
    this.clusterId = id;
  }

  nodeEvent(id: number, data: LiveMessageMap['node-event']): void {
    if (this.nodeEvents.length >= MAX_NODE_EVENTS) {
      this.nodeEvents = [];
      this.latest.set('reset', {
        id,
        data: {
          reason: `more than ${MAX_NODE_EVENTS} events of ${data.nodeName} arrived faster than they could be sent`,
        },
      });
      return;
    }
    this.nodeEvents.push({ id, data });
  }

  /**
   * On a resume: the client holds the set as it was at its Last-Event-ID. Nodes unchanged since
   * then are in it when they match; changed ones are taken as held, so the next diff updates
   * those still matching and deletes the rest (a delete of a node it never had is harmless).
   */
  assumeVisible(unchanged: NodeView[], changed: Iterable<string>): void {
    for (const view of unchanged) if (matchesNodeFilter(view, this.filter)) this.visible.add(view.name);
    for (const name of changed) this.visible.add(name);
  }

  /** Sends the whole node set in view (on connect, or when a resume is impossible). */
  sendEquals(id: number, views: NodeView[], source: ConnectionSource): void {
    const matching = views.filter((view) => matchesNodeFilter(view, this.filter));
    this.visible.clear();
    for (const view of matching) this.visible.add(view.name);
    this.pendingNodes.clear();
    this.writeJson(
      'nodes',
      id,
      nodesJson(
        'equals',
        matching.map((view) => source.viewJson(view.name) ?? JSON.stringify(view)),
        [],
        [],
        source.countsJson(),
      ),
    );
  }

  /** Writes what is pending, unless the client is still reading earlier messages. */
  flush(id: number, source: ConnectionSource): void {
    if (this.closed || (this.controller.desiredSize ?? 0) <= 0) return;
    if (this.pendingNodes.size > 0) {
      const added: string[] = [];
      const updated: string[] = [];
      const deleted: string[] = [];
      for (const name of this.pendingNodes) {
        const view = source.view(name);
        const wasVisible = this.visible.has(name);
        const nowVisible = view !== undefined && matchesNodeFilter(view, this.filter);
        if (nowVisible) (wasVisible ? updated : added).push(source.viewJson(name)!);
        else if (wasVisible) deleted.push(name);
        if (nowVisible) this.visible.add(name);
        else this.visible.delete(name);
      }
      this.pendingNodes.clear();
      // Counts move even when no node in view changed; send them all the same (cheap, and the
      // per-state tiles stay right).
      this.writeJson('nodes', id, nodesJson('diff', added, updated, deleted, source.countsJson()));
    }
    for (const event of this.nodeEvents) this.write('node-event', event.id, event.data);
    this.nodeEvents = [];
    if (this.pendingCluster === 'all' || this.pendingCluster.size > 0) {
      this.write('cluster', this.clusterId, { nodes: this.pendingCluster === 'all' ? null : [...this.pendingCluster] });
      this.pendingCluster = new Set();
    }
    for (const [type, message] of this.latest) this.write(type, message.id, message.data);
    this.latest.clear();
  }

  private write(type: LiveMessageType, id: number, data: unknown): void {
    this.writeJson(type, id, JSON.stringify(data));
  }

  private writeJson(type: LiveMessageType, id: number, json: string): void {
    if (this.closed) return;
    this.lastId = Math.max(this.lastId, id);
    try {
      this.controller.enqueue(encoder.encode(`id: ${this.lastId}\nevent: ${type}\ndata: ${json}\n\n`));
    } catch {
      this.close();
    }
  }

  /** Tells EventSource how long to wait before reconnecting. */
  writeRetry(ms: number): void {
    if (!this.closed) this.controller.enqueue(encoder.encode(`retry: ${ms}\n\n`));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pendingNodes.clear();
    this.latest.clear();
    this.nodeEvents = [];
    try {
      this.controller.close();
    } catch {
      // already closed by the reader
    }
    this.onClose(this);
  }
}

/** A NodesMessage as JSON, from views already serialized. */
function nodesJson(
  kind: NodesMessage['kind'],
  added: string[],
  updated: string[],
  deleted: string[],
  countsJson: string,
): string {
  return `{"kind":"${kind}","new":[${added.join(',')}],"updated":[${updated.join(',')}],"deleted":${JSON.stringify(deleted)},"counts":${countsJson}}`;
}
