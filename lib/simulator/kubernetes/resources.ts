// The resources the twin API server serves: the core ones NVSentinel and the console touch (nodes
// with their status subresource, namespaces, ConfigMaps, Deployments), CustomResourceDefinitions,
// and the custom resources they define.
import type { KubeObject } from './kube-object';
import type { ResourceKind } from './object-store';

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
  /** A create keeps the status it is given (nodes: kubelet registers one with its status). */
  keepsStatusOnCreate?: boolean;
  /** A custom resource's columns for kubectl (its CRD's additionalPrinterColumns); absent for built-in kinds. */
  printerColumns?: PrinterColumn[];
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  format?: string;
  description?: string;
  priority?: number;
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
    keepsStatusOnCreate: true,
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
    status: true,
  },
];

/** Served by every API server; the resources each CRD defines join the served ones (./custom-resources.ts). */
export const CRD_RESOURCE: ResourceDefinition = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  kind: 'CustomResourceDefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  status: true,
};

export const apiVersionOf = (definition: ResourceDefinition) =>
  definition.group ? `${definition.group}/${definition.version}` : definition.version;

/** The object with its kind and apiVersion, as a single object is sent (a list's items go without). */
export const typedObject = (definition: ResourceDefinition, object: KubeObject): KubeObject => ({
  apiVersion: apiVersionOf(definition),
  kind: definition.kind,
  ...object,
});

/** How the store keys and names the resource's objects. */
export const storedKind = (definition: ResourceDefinition): ResourceKind => ({
  plural: definition.plural,
  kind: definition.kind,
  group: definition.group,
});
