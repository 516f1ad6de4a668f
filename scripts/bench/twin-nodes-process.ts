// The Nodes page benchmark's twin API server, in a process of its own, as a real API server is: in the
// console's process its 100,000 whole node objects (over a gigabyte of heap) and its answers to the
// informer's list took the console's event loop and its garbage collector, and so inflated the very
// reads timed there. Told the nodes (name and state) over IPC, it serves them shaped as GPU nodes
// (./gpu-node-objects.ts), writes a kubeconfig, answers what it seeded, and closes when told.
import { startTwinCluster } from '../../lib/simulator/kubernetes/twin-cluster';
import { QUARANTINE_ANNOTATIONS } from '../../lib/nvsentinel/kubernetes-keys';
import { labelTimestamp } from '../../lib/nvsentinel/label-values';
import type { NodeView } from '../../lib/node-state/node-view';
import { nodeObject } from './gpu-node-objects';

export interface TwinNodesOrders {
  nodes: Pick<NodeView, 'name' | 'state'>[];
  kubeconfigFile: string;
}

export interface TwinNodesReady {
  cordoned: number;
  withSession: number;
  /** The JSON of one node object, on average (KB), from a sample of 1,000. */
  objectKb: number;
}

process.once('message', async (orders: TwinNodesOrders) => {
  const twin = await startTwinCluster([], { kubeconfigFile: orders.kubeconfigFile });
  const stamp = labelTimestamp(new Date());
  let cordoned = 0;
  let withSession = 0;
  let sampleChars = 0;
  orders.nodes.forEach((view, index) => {
    const object = nodeObject(view, index, stamp);
    if (object.spec.unschedulable) cordoned += 1;
    if (object.metadata.annotations[QUARANTINE_ANNOTATIONS.isCordoned]) withSession += 1;
    // A sample: all 100,000 as one string would pass V8's longest string.
    if (index < 1_000) sampleChars += JSON.stringify(object).length;
    twin.api.store.create(twin.api.resource('nodes'), object);
  });
  const ready: TwinNodesReady = {
    cordoned,
    withSession,
    objectKb: sampleChars / Math.min(1_000, Math.max(1, orders.nodes.length)) / 1024,
  };
  process.send!(ready);
  process.once('message', () => void twin.close().then(() => process.exit(0)));
});
