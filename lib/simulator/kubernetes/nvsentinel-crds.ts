// NVSentinel's CustomResourceDefinitions, as the twin installs them: names, group, version, scope,
// the status subresource and kubectl's columns of each, from its charts (lalitadithya/NVSentinel @
// 42672ae, distros/kubernetes/nvsentinel/charts/):
//  - janitor/crds/janitor.dgxc.nvidia.com_rebootnodes.yaml:20-152, _terminatenodes.yaml, _gpuresets.yaml
//    (janitor.dgxc.nvidia.com/v1alpha1; the types: janitor/api/v1alpha1/*_types.go);
//  - janitor/crds/external_remediation.crd.yaml:6-180 (nvsentinel.dgxc.nvidia.com/v1, short name extrr);
//  - lifecycle-manager/crds/nvsentinel.nvidia.com_validationrequests.yaml:20-264 (nvsentinel.nvidia.com/v1alpha1).
// All cluster-scoped. The twin does not validate against a schema, so each carries an open one
// (x-kubernetes-preserve-unknown-fields) rather than a copy of NVSentinel's.
import type { KubeObject } from './kube-object';

interface Column {
  name: string;
  type: string;
  jsonPath: string;
  format?: string;
  description?: string;
}

function crd(
  group: string,
  version: string,
  kind: string,
  columns: Column[],
  extra: { shortNames?: string[]; categories?: string[] } = {},
): KubeObject {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), ...extra },
      scope: 'Cluster',
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          additionalPrinterColumns: columns,
        },
      ],
    },
  };
}

const age: Column = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const node: Column = { name: 'Node', type: 'string', jsonPath: '.spec.nodeName' };
const force: Column = { name: 'Force', type: 'boolean', jsonPath: '.spec.force' };
const condition = (type: string): Column => ({
  name: type,
  type: 'string',
  jsonPath: `.status.conditions[?(@.type=='${type}')].status`,
});

export const JANITOR_GROUP = 'janitor.dgxc.nvidia.com';

export const NVSENTINEL_CRDS: readonly KubeObject[] = [
  crd(JANITOR_GROUP, 'v1alpha1', 'RebootNode', [node, force, condition('NodeReady'), age]),
  crd(JANITOR_GROUP, 'v1alpha1', 'TerminateNode', [node, force, condition('NodeTerminated'), age]),
  crd(JANITOR_GROUP, 'v1alpha1', 'GPUReset', [
    { ...node, description: 'Target node for GPU reset' },
    { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'Current status of reset' },
    age,
  ]),
  crd(
    'nvsentinel.dgxc.nvidia.com',
    'v1',
    'ExternalRemediationRequest',
    [
      { name: 'Node', type: 'string', jsonPath: '.spec.healthEvent.nodeName' },
      { name: 'CheckName', type: 'string', jsonPath: '.spec.healthEvent.checkName' },
      { name: 'CompletionTime', type: 'string', format: 'date', jsonPath: '.status.completionTime' },
    ],
    { shortNames: ['extrr'], categories: ['nvsentinel'] },
  ),
  crd('nvsentinel.nvidia.com', 'v1alpha1', 'ValidationRequest', [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    age,
  ]),
];
