// The maintenance opt-out: take a node out of NVSentinel's hands until a time, and put it back.
// Out = `k8saas.nvidia.com/ManagedByNVSentinel=false`, the label every ruleset of fault-quarantine's
// default chart checks against the node in its informer cache before it quarantines
// (charts/fault-quarantine/values.yaml:91-97; evaluator/rule_evaluator.go:149-190), plus the
// console's annotations (./opt-out-record.ts) saying who, why, since and until when, and the label's
// value before. What that does and does not do in NVSentinel (reconciler.go, lalitadithya/NVSentinel
// @ 42672ae): new unhealthy events of the node match no ruleset, so nothing is written for them
// (handleEvent returns nil at reconciler.go:616-626, and event_watcher.go:206-213 then leaves the
// event's status alone); an open quarantine stays, its new unhealthy events are skipped likewise
// (reconciler.go:744-750) and its healthy events still release it (recovery evaluates no rule,
// reconciler.go:735-743); a forced quarantine still cordons it (reconciler.go:800-810); no informer
// handler reacts to the label itself (node_informer.go:427-432 handles an uncordon or untaint only).
// Put back = the label's earlier value restored (or the label removed) and the annotations removed,
// only while the opt-out is the console's own: its record there and the label still "false". A
// "false" someone else wrote (kubectl; janitor writes the other label) is never touched. From a page,
// only the opt-out the page showed (by its since) is put back, never a newer one.
// Every write is GET, change, PUT with the read resourceVersion, again on 409, as NVSentinel writes
// nodes (lib/nvsentinel/get-change-update.ts), so of two replicas putting back at once one wins and
// the other, reading again, finds nothing to do.
import { ApiException, CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';

import { getChangeUpdate } from '@/lib/nvsentinel/get-change-update';

import type { ClusterState } from './cluster-state';
import { ClusterRefusal } from './node-uncordon';
import { consoleRecordOf, OPT_OUT_ANNOTATIONS, OPT_OUT_LABEL, optOutOf, type NodeOptOut } from './opt-out-record';

export interface OptOutRequest {
  /** Who asked (the operator's name), recorded on the node. */
  by: string;
  reason: string;
  until: Date;
  now?: Date;
}

/** What the label and the console's record were, for the audit log. */
export interface OptOutSnapshot {
  /** ManagedByNVSentinel's value; null when absent. */
  label: string | null;
  optOut: NodeOptOut | null;
}

export type OptOutWrite =
  | { done: true; before: OptOutSnapshot; after: OptOutSnapshot; resourceVersion: string | null }
  /** console: the console's opt-out is already on; outside: the label is "false" and not by the console. */
  | { done: false; why: 'console' | 'outside'; before: OptOutSnapshot };

export type PutBackWrite =
  | { done: true; before: OptOutSnapshot; after: OptOutSnapshot; resourceVersion: string | null }
  /**
   * none: no opt-out of the console (already put back); outside: "false" not by the console; not-due:
   * the expiry's condition no longer holds; changed: the console's opt-out there is not the one shown.
   */
  | { done: false; why: PutBackRefused; before: OptOutSnapshot };

type PutBackRefused = 'none' | 'outside' | 'not-due' | 'changed';

function snapshotOf(node: V1Node): OptOutSnapshot {
  const labels = node.metadata?.labels ?? {};
  return {
    label: Object.hasOwn(labels, OPT_OUT_LABEL) ? labels[OPT_OUT_LABEL] : null,
    optOut: optOutOf(labels, node.metadata?.annotations ?? {}),
  };
}

const iso = (at: Date) => at.toISOString().replace(/\.\d+Z$/, 'Z');

/** The opt-out written into `node` (in memory); false when the node is already out by ManagedByNVSentinel. */
export function applyOptOut(node: V1Node, request: OptOutRequest): boolean {
  const metadata = (node.metadata ??= {});
  const labels = (metadata.labels ??= {});
  const annotations = (metadata.annotations ??= {});
  if (labels[OPT_OUT_LABEL] === 'false') return false;
  // A record left over from an opt-out someone ended by hand is replaced whole.
  for (const key of Object.values(OPT_OUT_ANNOTATIONS)) delete annotations[key];
  if (Object.hasOwn(labels, OPT_OUT_LABEL)) annotations[OPT_OUT_ANNOTATIONS.previous] = labels[OPT_OUT_LABEL];
  labels[OPT_OUT_LABEL] = 'false';
  annotations[OPT_OUT_ANNOTATIONS.until] = iso(request.until);
  annotations[OPT_OUT_ANNOTATIONS.since] = iso(request.now ?? new Date());
  annotations[OPT_OUT_ANNOTATIONS.by] = request.by;
  annotations[OPT_OUT_ANNOTATIONS.reason] = request.reason;
  return true;
}

/**
 * The put-back written into `node` (in memory), when the console has a record on it: the label's
 * earlier value back (or the label removed) if it is still "false", then the record removed. A
 * label changed meanwhile by someone else is left as it is. False when there is no record.
 */
export function applyPutBack(node: V1Node): boolean {
  const metadata = (node.metadata ??= {});
  const labels = (metadata.labels ??= {});
  const annotations = (metadata.annotations ??= {});
  const record = consoleRecordOf(annotations);
  if (!record) return false;
  if (labels[OPT_OUT_LABEL] === 'false') {
    if (record.previous === null) delete labels[OPT_OUT_LABEL];
    else labels[OPT_OUT_LABEL] = record.previous;
  }
  for (const key of Object.values(OPT_OUT_ANNOTATIONS)) delete annotations[key];
  return true;
}

function refusal(error: unknown, nodeName: string, verb: string): ClusterRefusal {
  if (!(error instanceof ApiException))
    return new ClusterRefusal(503, `the Kubernetes API server could not be reached: ${(error as Error).message}`);
  const code = error.code as number;
  if (code === 403)
    return new ClusterRefusal(
      403,
      `the console's Kubernetes account may not update node ${nodeName} (RBAC: nodes get and update; see deploy/kubernetes/rbac.yaml)`,
    );
  if (code === 404) return new ClusterRefusal(404, `node ${nodeName} does not exist in the cluster`);
  if (code === 409)
    return new ClusterRefusal(409, `node ${nodeName} kept changing while the console tried to ${verb}; try again`);
  if (code === 422)
    return new ClusterRefusal(
      422,
      `the Kubernetes API server refused the labels or annotations of ${nodeName}: ${error.body}`,
    );
  return new ClusterRefusal(
    code >= 500 ? 503 : code,
    `the Kubernetes API server refused to ${verb} ${nodeName} (${code})`,
  );
}

async function write<R>(
  config: KubeConfig,
  nodeName: string,
  verb: string,
  change: (node: V1Node) => R | null,
): Promise<{ node: V1Node; result: R | null; written: boolean }> {
  const api = config.makeApiClient(CoreV1Api);
  let result: R | null = null;
  let written = false;
  try {
    const node = await getChangeUpdate({
      read: () => api.readNode({ name: nodeName }),
      change: (node) => {
        result = change(node);
        return result !== null;
      },
      write: async (node) => {
        const stored = await api.replaceNode({ name: nodeName, body: node });
        written = true;
        return stored;
      },
    });
    return { node, result, written };
  } catch (error) {
    throw refusal(error, nodeName, verb);
  }
}

/** Takes `nodeName` out of NVSentinel's hands until `request.until`. Throws ClusterRefusal for what the API server refuses. */
export async function optOutNode(config: KubeConfig, nodeName: string, request: OptOutRequest): Promise<OptOutWrite> {
  let before: OptOutSnapshot | null = null;
  let why: 'console' | 'outside' = 'console';
  const { node, written } = await write(config, nodeName, 'take it out of NVSentinel', (node) => {
    before = snapshotOf(node);
    if (applyOptOut(node, request)) return true;
    why = before.optOut?.console ? 'console' : 'outside';
    return null;
  });
  if (!written) return { done: false, why, before: before! };
  return {
    done: true,
    before: before!,
    after: snapshotOf(node),
    resourceVersion: node.metadata?.resourceVersion ?? null,
  };
}

/**
 * Puts `nodeName` back into NVSentinel's hands, if the console took it out. `due`, for the expiry,
 * is checked again on the node as read for the write: an opt-out renewed meanwhile is left alone.
 * `shown`, from a page: the since (ms, null when unreadable) of the opt-out it showed; another
 * opt-out there now is left alone ('changed').
 */
export async function putBackNode(
  config: KubeConfig,
  nodeName: string,
  due: (optOut: NodeOptOut | null) => boolean = () => true,
  shown?: { since: number | null },
): Promise<PutBackWrite> {
  let before: OptOutSnapshot | null = null;
  let why: PutBackRefused = 'none';
  const { node, written } = await write(config, nodeName, 'put it back into NVSentinel', (node) => {
    before = snapshotOf(node);
    const optOut = before.optOut;
    if (!optOut?.console && !optOut?.leftOver) {
      why = optOut?.outside.includes(OPT_OUT_LABEL) ? 'outside' : 'none';
      return null;
    }
    if (shown && (optOut.console ?? optOut.leftOver)?.since !== shown.since) {
      why = 'changed';
      return null;
    }
    if (!due(optOut)) {
      why = 'not-due';
      return null;
    }
    return applyPutBack(node) ? true : null;
  });
  if (!written) return { done: false, why, before: before! };
  return {
    done: true,
    before: before!,
    after: snapshotOf(node),
    resourceVersion: node.metadata?.resourceVersion ?? null,
  };
}

/**
 * Waits (at most `timeoutMs`) until this process's watch has seen the node at `resourceVersion` or
 * later, so the page read next shows the change. Never fails: a late watch only delays the page.
 */
export async function seenByWatch(
  state: ClusterState,
  nodeName: string,
  resourceVersion: string | null,
  timeoutMs = 3_000,
): Promise<boolean> {
  if (!resourceVersion) return false;
  const caughtUp = () => {
    const seen = state.node(nodeName)?.resourceVersion;
    if (!seen) return false;
    if (seen === resourceVersion) return true;
    // resourceVersions are opaque, but the API server's are etcd revisions: integers that only grow.
    return /^\d+$/.test(seen) && /^\d+$/.test(resourceVersion) && BigInt(seen) > BigInt(resourceVersion);
  };
  if (caughtUp()) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stop();
      resolve(false);
    }, timeoutMs);
    const stop = state.onNode((node) => {
      if (node.name !== nodeName || !caughtUp()) return;
      clearTimeout(timer);
      stop();
      resolve(true);
    });
  });
}
