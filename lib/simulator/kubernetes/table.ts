// kubectl asks lists for a Table (server-side printing: Accept ...;as=Table;g=meta.k8s.io). For
// nodes the twin answers with kubectl's usual columns, so `kubectl get nodes` reads as on a real
// cluster (NAME, STATUS with SchedulingDisabled for a cordoned node, ROLES, AGE, VERSION); custom
// resources get NAME and their CRD's additionalPrinterColumns, a date as an age, as the
// apiextensions server's table convertor prints them. Other kinds answer a plain list, which kubectl
// prints itself.
import type { KubeObject } from './kube-object';
import type { PrinterColumn, ResourceDefinition } from './resources';

export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept);
}

function age(created: string | undefined): string {
  if (!created || Number.isNaN(Date.parse(created))) return '<unknown>';
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

function nodeTable(nodes: KubeObject[], metadata: Record<string, unknown>): KubeObject {
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

/** A JSONPath of the forms CRDs print: `.a.b`, and a list filtered by `[?(@.key=='value')]`. */
function read(object: unknown, path: string): unknown {
  let value: unknown = object;
  for (const segment of path.replace(/^\./, '').split(/\.(?![^[]*\])/)) {
    const match = /^([^[]+)(?:\[\?\(@\.(\w+)==['"]([^'"]*)['"]\)\])?$/.exec(segment);
    if (!match || typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[match[1]];
    if (match[2] !== undefined)
      value = Array.isArray(value)
        ? value.find((item) => (item as Record<string, unknown> | null)?.[match[2]] === match[3])
        : undefined;
  }
  return value;
}

function cell(object: KubeObject, column: PrinterColumn): unknown {
  const value = read(object, column.jsonPath);
  if (value === undefined || value === null) return '<none>';
  return column.type === 'date' ? age(String(value)) : value;
}

/** The Table for `objects` of `definition`, or null when the twin has no printer for it. */
export function tableOf(definition: ResourceDefinition, objects: KubeObject[], metadata: Record<string, unknown>) {
  if (definition.kind === 'Node') return nodeTable(objects, metadata);
  if (!definition.printerColumns) return null;
  const columns: PrinterColumn[] = definition.printerColumns.length
    ? definition.printerColumns
    : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', priority: 0 },
      ...columns.map((column) => ({
        name: column.name,
        type: column.type,
        format: column.format ?? '',
        description: column.description ?? '',
        priority: column.priority ?? 0,
      })),
    ],
    rows: objects.map((object) => ({
      cells: [object.metadata.name, ...columns.map((column) => cell(object, column))],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata },
    })),
  };
}
