// What the real-cluster suite (tests/support/real-cluster-suite.ts) compares: the API server's own
// answers (a fresh list of nodes, SelfSubjectAccessReview, SelfSubjectReview) against what the
// console holds and parses. Each check returns the differences in words, so a failure names the
// node or the verb.
import {
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Node,
} from '@kubernetes/client-node';

import { clusterNodeOf, type ClusterNode } from '@/lib/cluster/cluster-node';
import type { ClusterState } from '@/lib/cluster/cluster-state';
import { LABEL_PREFIX, OPT_OUT_LABELS, QUARANTINE_ANNOTATIONS, STATE_LABEL } from '@/lib/nvsentinel/kubernetes-keys';
import { parseLabelTimestamp } from '@/lib/nvsentinel/label-values';

import { consoleGrants, grantName } from './console-rbac';

/** The values NVSentinel writes into its state label (commons/pkg/statemanager/statemanager.go:188-201). */
const NVSENTINEL_STATES = [
  'quarantined',
  'draining',
  'drain-succeeded',
  'drain-failed',
  'remediating',
  'remediation-succeeded',
  'remediation-failed',
];

/** Every node, in pages of 500 (a real cluster may hold thousands). */
export async function listAllNodes(api: CoreV1Api): Promise<V1Node[]> {
  const nodes: V1Node[] = [];
  let next: string | undefined;
  do {
    const page = await api.listNode({ limit: 500, _continue: next });
    nodes.push(...page.items);
    next = page.metadata?._continue || undefined;
  } while (next);
  return nodes;
}

/** Where the watched state and a fresh list differ: a node missing on either side, or cordoned differently. */
export function stateDifferences(listed: V1Node[], state: ClusterState): string[] {
  const differences: string[] = [];
  const names = new Set<string>();
  for (const raw of listed) {
    const name = raw.metadata?.name ?? '';
    names.add(name);
    const held = state.node(name);
    const unschedulable = raw.spec?.unschedulable === true;
    if (!held) differences.push(`node ${name} is listed by the API server but missing from the cluster state`);
    else if (held.cordoned !== unschedulable)
      differences.push(
        `node ${name}: spec.unschedulable is ${unschedulable}, the cluster state says cordoned ${held.cordoned}`,
      );
  }
  for (const held of state.allNodes())
    if (!names.has(held.name)) differences.push(`node ${held.name} is in the cluster state but not listed (deleted?)`);
  return differences;
}

/** Where parsing a node (lib/cluster/cluster-node.ts) disagrees with its raw object, in words. */
export function parseDifferences(raw: V1Node): string[] {
  const name = raw.metadata?.name ?? '(no name)';
  let node: ClusterNode;
  try {
    node = clusterNodeOf(raw);
  } catch (error) {
    return [`node ${name}: parsing threw ${(error as Error).message}`];
  }
  const labels = raw.metadata?.labels ?? {};
  const annotations = raw.metadata?.annotations ?? {};
  const found: string[] = [];
  const differ = (what: string, parsed: unknown, expected: unknown) => {
    if (JSON.stringify(parsed) !== JSON.stringify(expected))
      found.push(
        `node ${name}: ${what} parsed as ${JSON.stringify(parsed)}, the object says ${JSON.stringify(expected)}`,
      );
  };
  differ('name', node.name, raw.metadata?.name);
  differ('cordoned', node.cordoned, raw.spec?.unschedulable === true);
  differ('state label', node.stateLabel, labels[STATE_LABEL] ?? null);
  if (node.stateLabel !== null && !NVSENTINEL_STATES.includes(node.stateLabel))
    found.push(`node ${name}: state label ${node.stateLabel} is none of NVSentinel's values`);
  for (const kind of ['cordon', 'uncordon'] as const) {
    const read = node[kind];
    differ(`${kind}-by`, read?.by ?? null, labels[`${LABEL_PREFIX}${kind}-by`] ?? null);
    differ(`${kind}-reason`, read?.reason ?? null, labels[`${LABEL_PREFIX}${kind}-reason`] ?? null);
    const stamp = labels[`${LABEL_PREFIX}${kind}-timestamp`];
    differ(`${kind}-timestamp`, read?.at ?? null, parseLabelTimestamp(stamp));
    if (stamp !== undefined && read?.at == null)
      found.push(`node ${name}: ${kind}-timestamp ${stamp} is not in NVSentinel's layout 2006-01-02T15-04-05Z`);
  }
  // NVSentinel's own test of a session: the annotation present and not "" or "[]" (reconciler.go:636-650).
  const events = annotations[QUARANTINE_ANNOTATIONS.healthEvents];
  differ('NVSentinel session', node.nvsentinelSession, events !== undefined && events !== '' && events !== '[]');
  differ(
    'cordoned by NVSentinel',
    node.cordonedByNvsentinel,
    annotations[QUARANTINE_ANNOTATIONS.isCordoned] === 'True',
  );
  differ(
    'pre-existing cordon',
    node.cordonPreExisting,
    annotations[QUARANTINE_ANNOTATIONS.cordonPreExisting] === 'True',
  );
  differ('GPU node', node.gpu, labels['nvidia.com/gpu.present'] === 'true');
  differ(
    'managed',
    node.managed,
    OPT_OUT_LABELS.every((label) => labels[label] !== 'false'),
  );
  differ('taints', node.taints.length, raw.spec?.taints?.length ?? 0);
  return found;
}

/** Who the API server says this identity is (SelfSubjectReview, Kubernetes 1.28+); null where it cannot say. */
export async function identityOf(config: KubeConfig): Promise<string | null> {
  try {
    const review = await config
      .makeApiClient(AuthenticationV1Api)
      .createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    return review.status?.userInfo?.username ?? null;
  } catch {
    return null;
  }
}

/**
 * Asks the API server (SelfSubjectAccessReview) for each verb deploy/kubernetes/rbac.yaml grants the
 * console, as the identity of `config`; a Role's grants in `namespace` (NVSentinel's, where the
 * console reads the ConfigMap). Returns each verb in words and those refused.
 */
export async function consoleVerbsRefused(
  config: KubeConfig,
  namespace: string,
): Promise<{ asked: string[]; refused: string[] }> {
  const api = config.makeApiClient(AuthorizationV1Api);
  const asked: string[] = [];
  const refused: string[] = [];
  for (const grant of consoleGrants()) {
    const scoped = { ...grant, namespace: grant.namespace === undefined ? undefined : namespace };
    const review = await api.createSelfSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            verb: grant.verb,
            group: grant.group,
            resource: grant.resource,
            namespace: scoped.namespace,
            name: grant.name,
          },
        },
      },
    });
    asked.push(grantName(scoped));
    if (review.status?.allowed !== true) refused.push(grantName(scoped));
  }
  return { asked, refused };
}

export const coreApi = (config: KubeConfig) => config.makeApiClient(CoreV1Api);
