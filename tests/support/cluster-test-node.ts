// The real-cluster suite's writes, kept to nodes an operator labelled for the test and undone
// afterwards. Every write is GET, change, PUT (update: the one node-writing verb the console's own
// RBAC has, so the writes also run as the console's account), retried on 409, as NVSentinel writes
// nodes. Only the fields these writes (and fault-quarantine's answer to them) touch are saved and
// put back: other writers (labelers, the kubelet) keep what they changed meanwhile.
import type { CoreV1Api, V1Node } from '@kubernetes/client-node';

import { getChangeUpdate } from '@/lib/nvsentinel/get-change-update';
import { LABEL_PREFIX, QUARANTINE_ANNOTATIONS, STATE_LABEL } from '@/lib/nvsentinel/kubernetes-keys';
import { labelTimestamp } from '@/lib/nvsentinel/label-values';

/** The label that makes a node writable for the suite (and only with SENTINEL_CLUSTER_TEST_WRITES=true). */
export const WRITABLE_LABEL = 'sentinel-console.test/writable';

/** The agent the suite's own NVSentinel-style session names, so it is never taken for a real one. */
export const TEST_AGENT = 'sentinel-console-cluster-test';

const TOUCHED_LABELS = [
  ...['cordon-by', 'cordon-reason', 'cordon-timestamp', 'uncordon-by', 'uncordon-reason', 'uncordon-timestamp'].map(
    (key) => `${LABEL_PREFIX}${key}`,
  ),
  STATE_LABEL,
];
/** Every annotation fault-quarantine writes, also in answer to an uncordon (quarantinedNodeUncordonedManually). */
const TOUCHED_ANNOTATIONS = Object.values(QUARANTINE_ANNOTATIONS);

export interface NodeSnapshot {
  name: string;
  unschedulable: boolean;
  labels: Record<string, string | undefined>;
  annotations: Record<string, string | undefined>;
}

export function snapshotOf(node: V1Node): NodeSnapshot {
  const pick = (from: Record<string, string> | undefined, keys: readonly string[]) =>
    Object.fromEntries(keys.map((key) => [key, from?.[key]]));
  return {
    name: node.metadata?.name ?? '',
    unschedulable: node.spec?.unschedulable === true,
    labels: pick(node.metadata?.labels, TOUCHED_LABELS),
    annotations: pick(node.metadata?.annotations, TOUCHED_ANNOTATIONS),
  };
}

/** A schedulable node without any of the keys these writes touch: what a node NVSentinel has nothing against looks like. */
export function blankSnapshot(name: string): NodeSnapshot {
  const none = (keys: readonly string[]) => Object.fromEntries(keys.map((key) => [key, undefined]));
  return { name, unschedulable: false, labels: none(TOUCHED_LABELS), annotations: none(TOUCHED_ANNOTATIONS) };
}

/** What differs between the node now and its snapshot, in words (empty: as found). */
export function differencesFrom(snapshot: NodeSnapshot, node: V1Node): string[] {
  const now = snapshotOf(node);
  const found: string[] = [];
  if (now.unschedulable !== snapshot.unschedulable)
    found.push(`spec.unschedulable ${now.unschedulable}, was ${snapshot.unschedulable}`);
  for (const part of ['labels', 'annotations'] as const)
    for (const [key, value] of Object.entries(snapshot[part]))
      if (now[part][key] !== value)
        found.push(`${part} ${key}=${now[part][key] ?? '(none)'}, was ${value ?? '(none)'}`);
  return found;
}

/** GET, change, PUT with the read resourceVersion; again on 409. */
export function writeNode(api: CoreV1Api, name: string, change: (node: V1Node) => boolean): Promise<V1Node> {
  return getChangeUpdate({
    read: () => api.readNode({ name }),
    change,
    write: (node) => api.replaceNode({ name, body: node }),
  });
}

/** Puts back what the snapshot holds; writes nothing when the node is as found. */
export function restoreNode(api: CoreV1Api, snapshot: NodeSnapshot): Promise<V1Node> {
  return writeNode(api, snapshot.name, (node) => {
    if (differencesFrom(snapshot, node).length === 0) return false;
    (node.spec ??= {}).unschedulable = snapshot.unschedulable;
    const metadata = (node.metadata ??= {});
    for (const part of ['labels', 'annotations'] as const) {
      const values = (metadata[part] ??= {});
      for (const [key, value] of Object.entries(snapshot[part])) {
        if (value === undefined) delete values[key];
        else values[key] = value;
      }
    }
    return true;
  });
}

/** A cordon by hand, as `kubectl cordon` leaves it: unschedulable, nothing else. */
export function cordonByHand(api: CoreV1Api, name: string): Promise<V1Node> {
  return writeNode(api, name, (node) => {
    (node.spec ??= {}).unschedulable = true;
    return true;
  });
}

/**
 * The node cordoned as fault-quarantine cordons for a session (reconciler.go:1012-1032; the
 * annotation's JSON as Go encodes a HealthEvent, health_event.pb.go:482-499), naming TEST_AGENT:
 * what the console's Release is for. Starts from a schedulable node without a session.
 */
export function cordonAsNvsentinel(api: CoreV1Api, name: string): Promise<V1Node> {
  return writeNode(api, name, (node) => {
    const metadata = (node.metadata ??= {});
    const annotations = (metadata.annotations ??= {});
    const labels = (metadata.labels ??= {});
    annotations[QUARANTINE_ANNOTATIONS.healthEvents] = JSON.stringify([
      {
        version: 1,
        agent: TEST_AGENT,
        componentClass: 'GPU',
        checkName: 'GpuXidError',
        isFatal: true,
        message: 'the real-cluster suite of the Sentinel Console',
        recommendedAction: 2,
        errorCode: ['79'],
        entitiesImpacted: [{ entityType: 'GPU', entityValue: '0' }],
        nodeName: name,
      },
    ]);
    annotations[QUARANTINE_ANNOTATIONS.isCordoned] = 'True';
    labels[`${LABEL_PREFIX}cordon-by`] = 'NVSentinel';
    labels[`${LABEL_PREFIX}cordon-reason`] = 'sentinel-console-cluster-test';
    labels[`${LABEL_PREFIX}cordon-timestamp`] = labelTimestamp(new Date());
    labels[STATE_LABEL] = 'quarantined';
    (node.spec ??= {}).unschedulable = true;
    return true;
  });
}

/** A session NVSentinel holds on the node (not the suite's own): the suite will not touch it. */
export function realSessionOn(node: V1Node): boolean {
  const events = node.metadata?.annotations?.[QUARANTINE_ANNOTATIONS.healthEvents];
  return events !== undefined && events !== '' && events !== '[]' && !events.includes(`"agent":"${TEST_AGENT}"`);
}
