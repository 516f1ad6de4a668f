// Carries what changes in the cluster half of a node to the live stream, so a kubectl cordon, an
// uncordon, NVSentinel's labels, an opt-out or a custom resource's progress show on open pages
// without a reload. A kubelet
// rewrites its node's status every few seconds on a real cluster: only a change of what the
// console shows of a node (lib/cluster/cluster-node.ts, less its resourceVersion) is told, and the
// names are gathered for a moment so a relist or a burst reaches the hub as one call.
import type { ClusterNode } from '../cluster/cluster-node';

/** What this needs of the cluster state (lib/cluster/cluster-state.ts). */
interface NodeChanges {
  allNodes(): ClusterNode[];
  onNode(listener: (node: ClusterNode, gone: boolean) => void): () => void;
  onResource(listener: (nodeNames: string[]) => void): () => void;
}

/** What this needs of the live hub (./live-hub.ts). */
interface ClusterChangeSink {
  clusterChanged(names: string[]): void;
}

const GATHER_MS = 200;

/** What the console shows of a node, as a string to compare. */
function shown(node: ClusterNode): string {
  return JSON.stringify({ ...node, resourceVersion: null });
}

/** Follows `state` into `hub` from now on; returns the function that stops it. */
export function followClusterChanges(state: NodeChanges, hub: ClusterChangeSink): () => void {
  // Seeded with what is known, so the first status rewrite of each node after this starts is no news.
  const last = new Map(state.allNodes().map((node) => [node.name, shown(node)]));
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const tell = (name: string) => {
    pending.add(name);
    timer ??= setTimeout(() => {
      timer = undefined;
      const names = [...pending];
      pending.clear();
      hub.clusterChanged(names);
    }, GATHER_MS);
  };
  const stopNodes = state.onNode((node, gone) => {
    const now = gone ? undefined : shown(node);
    if (now === last.get(node.name)) return;
    if (now === undefined) last.delete(node.name);
    else last.set(node.name, now);
    tell(node.name);
  });
  // NVSentinel's custom resources (a RebootNode reaching NodeReady, a ValidationRequest) change rarely: each change is news.
  const stopResources = state.onResource((names) => names.forEach(tell));
  return () => {
    stopNodes();
    stopResources();
    clearTimeout(timer);
  };
}
