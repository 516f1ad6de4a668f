// What NVSentinel writes on Kubernetes objects, by name: shared by the console (which reads them)
// and the simulated fault-quarantine (which writes them as NVSentinel does). Sources:
// docs/nvsentinel-kubernetes-reference.md (lalitadithya/NVSentinel @ 42672ae).

/** fault-quarantine's label prefix: TOML label-prefix, chart default (charts/fault-quarantine/values.yaml:43-47). */
export const LABEL_PREFIX = 'k8saas.nvidia.com/';

/** The node's pipeline state (commons/pkg/statemanager/statemanager.go:183-201). */
export const STATE_LABEL = 'dgxc.nvidia.com/nvsentinel-state';

/** fault-quarantine's node annotations (fault-quarantine/pkg/common/common.go:25-40). */
export const QUARANTINE_ANNOTATIONS = {
  healthEvents: 'quarantineHealthEvent',
  isCordoned: 'quarantineHealthEventIsCordoned',
  cordonPreExisting: 'quarantineHealthEventCordonPreExisting',
  appliedTaints: 'quarantineHealthEventAppliedTaints',
  appliedLabels: 'quarantineHealthEventAppliedLabels',
  uncordonedManually: 'quarantinedNodeUncordonedManually',
  untaintedManually: 'quarantinedNodeUntaintedManually',
} as const;

/** fault-remediation's annotation (fault-remediation/pkg/annotation/annotation_interface.go:24-50). */
export const REMEDIATION_ANNOTATION = 'latestFaultRemediationState';

/** Opting a node out of NVSentinel's rules (the default CEL rulesets' clause; janitor's managed=false). */
export const OPT_OUT_LABELS = [`${LABEL_PREFIX}ManagedByNVSentinel`, 'nvsentinel.dgxc.nvidia.com/managed'] as const;

/** The circuit breaker's ConfigMap in NVSentinel's namespace (fault-quarantine/pkg/initializer/init.go:173-201). */
export const CIRCUIT_BREAKER_CONFIGMAP = 'circuit-breaker';

/** NVSentinel's release namespace in its docs and charts. */
export const NVSENTINEL_NAMESPACE = 'nvsentinel';
