// kubectl asks lists for a Table (server-side printing: Accept ...;as=Table;g=meta.k8s.io). For
// nodes the twin answers with kubectl's usual columns, so `kubectl get nodes` reads as on a real
// cluster (NAME, STATUS with SchedulingDisabled for a cordoned node, ROLES, AGE, VERSION).
import type { KubeObject } from './kube-object';

export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept);
}

function age(created: string | undefined): string {
  if (!created) return '<unknown>';
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(created)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7_200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3_600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

function nodeStatus(node: KubeObject): string {
  const conditions = (node.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  const ready = conditions.find((condition) => condition.type === 'Ready');
  const state = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
  return (node.spec as { unschedulable?: boolean } | undefined)?.unschedulable ? `${state},SchedulingDisabled` : state;
}

export function nodeTable(nodes: KubeObject[], metadata: Record<string, unknown>): KubeObject {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: metadata as KubeObject['metadata'],
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the node', priority: 0 },
      {
        name: 'Status',
        type: 'string',
        format: '',
        description: 'Ready, and whether new pods may be scheduled',
        priority: 0,
      },
      {
        name: 'Roles',
        type: 'string',
        format: '',
        description: 'Roles from node-role.kubernetes.io labels',
        priority: 0,
      },
      { name: 'Age', type: 'string', format: '', description: 'Time since the node was created', priority: 0 },
      { name: 'Version', type: 'string', format: '', description: 'Kubelet version', priority: 0 },
    ],
    rows: nodes.map((node) => {
      const roles = Object.keys(node.metadata.labels ?? {})
        .filter((label) => label.startsWith('node-role.kubernetes.io/'))
        .map((label) => label.slice('node-role.kubernetes.io/'.length));
      const version =
        (node.status as { nodeInfo?: { kubeletVersion?: string } } | undefined)?.nodeInfo?.kubeletVersion ?? '';
      return {
        cells: [
          node.metadata.name,
          nodeStatus(node),
          roles.join(',') || '<none>',
          age(node.metadata.creationTimestamp),
          version,
        ],
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: node.metadata },
      };
    }),
  };
}
