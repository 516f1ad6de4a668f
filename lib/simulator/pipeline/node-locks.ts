// fault-quarantine's per-node lock: every node write it makes (its UpdateNode: GET, change, update,
// the retries on 409 included) holds a mutex for that node, one per node name in a sync.Map
// (lalitadithya/NVSentinel @ 42672ae, fault-quarantine/pkg/informer/k8s_client.go:59, 158-162). A
// quarantine and the clean-up of a manual uncordon of the same node (its informer's callback,
// reconciler.go:1863-1940) therefore never interleave inside one write: the one that asked second
// waits, and reads the node only after the first has written it. Waiters go in the order they asked.

export class NodeLocks {
  /** Per node: the end of the last write queued, and how many hold or wait. */
  private readonly queues = new Map<string, { tail: Promise<void>; count: number }>();

  /** Runs `write` once every write queued before it for `node` has finished. */
  async run<T>(node: string, write: () => Promise<T>): Promise<T> {
    const queue = this.queues.get(node) ?? { tail: Promise.resolve(), count: 0 };
    this.queues.set(node, queue);
    const before = queue.tail;
    let release!: () => void;
    queue.tail = new Promise<void>((resolve) => (release = resolve));
    queue.count += 1;
    try {
      await before;
      return await write();
    } finally {
      queue.count -= 1;
      if (queue.count === 0) this.queues.delete(node);
      release();
    }
  }

  /** Writes of `node` holding its lock or waiting for it. */
  queued(node: string): number {
    return this.queues.get(node)?.count ?? 0;
  }
}
