// The resources the twin API server serves: the core ones NVSentinel and the console touch (nodes
// with their status subresource, namespaces, ConfigMaps, Deployments); custom resources join them.

export interface ResourceDefinition {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  /** Subresources served (nodes/status). */
  status?: boolean;
}

export const CORE_RESOURCES: ResourceDefinition[] = [
  {
    group: '',
    version: 'v1',
    plural: 'nodes',
    singular: 'node',
    kind: 'Node',
    namespaced: false,
    shortNames: ['no'],
    status: true,
  },
  {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
  },
  {
    group: '',
    version: 'v1',
    plural: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
  },
];

export const apiVersionOf = (definition: ResourceDefinition) =>
  definition.group ? `${definition.group}/${definition.version}` : definition.version;
