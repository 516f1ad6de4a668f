// The Nodes page with the cluster half (issue 17: "node list with cluster state at 10,000 nodes: no
// slower than today's figure"; issue 18: one page at 100,000 nodes under 100 ms). The read model
// (lib/queries/nodes.ts) looks up each node of the page in the watched cluster state, and
// ?disagree=1 walks the whole fleet. Here a real ClusterState (the official client's informers)
// follows the twin API server, in a process of its own (./twin-nodes-process.ts), seeded with the
// projection's node names and shaped like GPU nodes (./gpu-node-objects.ts): the informer trims each
// to what the console reads (lib/cluster/node-informer.ts), and the heap figure below shows what it
// keeps of such nodes. Each read is taken in turns with the same read without cluster state (the
// console with no cluster configured): the baseline. Also: the informer's first list, and the heap
// its nodes take (after GC).
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';

import { KubeConfig } from '@kubernetes/client-node';

import { ClusterState } from '../../lib/cluster/cluster-state';
import type { AppContext } from '../../lib/context/app-context';
import type { LiveHub } from '../../lib/live/live-hub';
import { parseNodeFilter } from '../../lib/node-state/node-filter';
import { NODE_PAGE_SIZE, parseNodePage } from '../../lib/node-state/node-order';
import { NVSENTINEL_NAMESPACE } from '../../lib/nvsentinel/kubernetes-keys';
import { readNodeList } from '../../lib/queries/nodes';
import { percentiles, type Percentiles } from './delivery-latency';
import type { TwinNodesOrders, TwinNodesReady } from './twin-nodes-process';

export interface ClusterPageRow {
  /** The request, as the URL's query (empty: the first page). */
  query: string;
  withCluster: Percentiles;
  /** The same read without cluster state. */
  without: Percentiles;
  /** Nodes matching, with cluster state. */
  matching: number;
}

export interface ClusterStateNodesBench {
  nodes: number;
  cordoned: number;
  withSession: number;
  /** From start to every node in the state: the informer's first list (and its watch starting). */
  firstListMs: number;
  /** Heap held by the informers and the state once every node is in, after GC. */
  heapMb: number;
  /** The JSON of one node object, on average (KB): shaped like a GPU node's, status and images included. */
  objectKb: number;
  rows: ClusterPageRow[];
}

/** V8's gc(), without --expose-gc on the command line. */
function collector(): () => void {
  v8.setFlagsFromString('--expose_gc');
  return vm.runInNewContext('gc') as () => void;
}

/** What readNodeList needs of an app context: the live hub, and the cluster or none. */
function pageContext(hub: LiveHub, cluster: ReturnType<AppContext['cluster']>): AppContext {
  const none = (): never => {
    throw new Error('the Nodes page benchmark reads only the live hub and the cluster');
  };
  return {
    store: none,
    liveHub: async () => hub,
    currentLiveHub: () => hub,
    datastores: () => [],
    consolePool: none,
    auth: none,
    actor: none,
    cluster: () => cluster,
  };
}

export async function clusterStateNodesBench(hub: LiveHub, runs: number): Promise<ClusterStateNodesBench> {
  const gc = collector();
  const views = hub.nodes();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-twin-'));
  const kubeconfigFile = path.join(dir, 'kubeconfig');
  const twin = fork(path.join(import.meta.dirname, 'twin-nodes-process.ts'), [], { execArgv: ['--import', 'tsx'] });
  let state: ClusterState | undefined;
  try {
    const seeded = await new Promise<TwinNodesReady>((resolve, reject) => {
      twin.once('message', (message: TwinNodesReady) => resolve(message));
      twin.once('exit', (code) => reject(new Error(`the twin API server's process exited with ${code}`)));
      const orders: TwinNodesOrders = { nodes: views.map(({ name, state }) => ({ name, state })), kubeconfigFile };
      twin.send(orders);
    });
    const { cordoned, withSession, objectKb } = seeded;

    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const config = new KubeConfig();
    config.loadFromFile(kubeconfigFile);
    state = new ClusterState(config, NVSENTINEL_NAMESPACE);
    let seen = 0;
    const started = performance.now();
    const all = new Promise<number>((resolve) =>
      state!.onNode(() => {
        if (++seen === views.length) resolve(performance.now() - started);
      }),
    );
    await state.start();
    const firstListMs = await all;
    if (state.status().state !== 'live')
      throw new Error(`the cluster state did not go live: ${JSON.stringify(state.status())}`);
    gc();
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

    const access = {
      config,
      source: 'kubeconfig' as const,
      server: config.getCurrentCluster()!.server,
      context: 'sentinel-twin',
      namespace: NVSENTINEL_NAMESPACE,
    };
    const withCluster = pageContext(hub, { access, state });
    const without = pageContext(hub, null);
    const rows: ClusterPageRow[] = [];
    // The first page, one state, the nodes the cluster disagrees on, and a page in the middle of all
    // (no page near either end: the whole list is sorted for it, lib/node-state/sorted-slice.ts).
    const middle = Math.floor(Math.ceil(views.length / NODE_PAGE_SIZE) / 2) + 1;
    for (const query of ['', 'state=unhealthy', 'disagree=1', `page=${middle}`]) {
      const params = new URLSearchParams(query);
      const read = (context: AppContext) =>
        readNodeList(context, parseNodeFilter(params), parseNodePage(params)).then((page) => JSON.stringify(page));
      const samples = { with: [] as number[], without: [] as number[] };
      // In turns, each first every other run, so drift and GC on a shared machine hit both alike; the first round warms up.
      for (let run = -1; run < runs; run += 1) {
        const sides = [
          ['with', withCluster],
          ['without', without],
        ] as const;
        for (const [side, context] of run % 2 === 0 ? sides : [...sides].reverse()) {
          const begun = performance.now();
          await read(context);
          if (run >= 0) samples[side].push(performance.now() - begun);
        }
      }
      const matching = (await readNodeList(withCluster, parseNodeFilter(params), parseNodePage(params))).matching;
      rows.push({ query, withCluster: percentiles(samples.with), without: percentiles(samples.without), matching });
    }
    return {
      nodes: views.length,
      cordoned,
      withSession,
      firstListMs: Math.round(firstListMs),
      heapMb: Math.round(heapMb * 10) / 10,
      objectKb: Math.round(objectKb * 10) / 10,
      rows,
    };
  } finally {
    await state?.stop();
    if (twin.exitCode === null) {
      const exited = new Promise((resolve) => twin.once('exit', resolve));
      twin.send('close');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  }
}
