// NVSentinel's custom resources about a node, read the way its components write them
// (lalitadithya/NVSentinel @ 42672ae; docs/nvsentinel-kubernetes-reference.md §5): which node, where
// it stands and why, when it began and ended. Plain JSON in and out (no client types), so the Why
// panel gets it as it is. Pure: parsed from the object alone.
//  - RebootNode / TerminateNode (janitor.dgxc.nvidia.com/v1alpha1): no phase; conditions SignalSent
//    then NodeReady / NodeTerminated (janitor/api/v1alpha1/rebootnode_types.go:22-28,
//    terminatenode_types.go:22-27). fault-remediation reads only the last: True done, False failed,
//    anything else in progress (fault-remediation/pkg/crstatus/checker.go:92-113). janitor writes
//    SignalSent False with a completionTime when the signal fails (janitor/pkg/controller/
//    rebootnode_controller.go:504-511), NodeReady False on a timeout (363-364), and both Unknown
//    ("Initializing") before it starts (rebootnode_types.go:109-148);
//  - GPUReset (janitor.dgxc.nvidia.com/v1alpha1): status.phase Pending, InProgress, Terminating,
//    Succeeded, Failed, Unknown (gpureset_types.go:31-38); Terminating (being deleted mid-reset) is in progress;
//  - ExternalRemediationRequest (nvsentinel.dgxc.nvidia.com/v1): conditions NVSentinelOwnershipReleased and
//    ExternalRemediationComplete (janitor/pkg/controller/externalremediationrequest_controller.go:225-290);
//    the node in spec.healthEvent.nodeName; Released False is NodeNotFound, terminal (355-380);
//  - ValidationRequest (nvsentinel.nvidia.com/v1alpha1): status.phase Pending, Running, Succeeded,
//    Failed (lifecycle-manager/api/v1alpha1/validationrequest_types.go:22-31); the nodes in
//    spec.nodes[].name (44-62).

export type NodeResourceKind =
  'RebootNode' | 'TerminateNode' | 'GPUReset' | 'ExternalRemediationRequest' | 'ValidationRequest';

export interface NodeResource {
  kind: NodeResourceKind;
  name: string;
  nodeName: string;
  /** Pending | InProgress | Succeeded | Failed | Unknown: the CR's phase, or read from its conditions (RebootNode: NodeReady True → Succeeded; ...). */
  phase: 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Unknown';
  /** The condition message or reason that says why, when the CR gives one. */
  message: string | null;
  createdAt: number | null; // ms
  completedAt: number | null; // ms
}

type Phase = NodeResource['phase'];

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  at: number;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown) => (typeof value === 'string' ? value : '');

function time(value: unknown): number | null {
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? null : at;
}

function conditionsOf(status: Json): Condition[] {
  const list = Array.isArray(status.conditions) ? status.conditions : [];
  return list.filter(isObject).map((item) => ({
    type: text(item.type),
    status: text(item.status),
    reason: text(item.reason),
    message: text(item.message),
    at: time(item.lastTransitionTime) ?? 0,
  }));
}

/** What a condition says why: its message, else its reason; null when it gives neither. */
const why = (condition: Condition | undefined) => condition?.message || condition?.reason || null;

/** The newest condition by lastTransitionTime (the later in the list on a tie). */
const newest = (conditions: Condition[]) =>
  conditions.reduce<Condition | undefined>((last, each) => (!last || each.at >= last.at ? each : last), undefined);

/** RebootNode and TerminateNode: the signal, then the condition that completes them. */
function signalled(conditions: Condition[], completeType: string): { phase: Phase; message: string | null } {
  const find = (type: string) => conditions.find((condition) => condition.type === type);
  const complete = find(completeType);
  const signal = find('SignalSent');
  if (complete?.status === 'True') return { phase: 'Succeeded', message: why(complete) };
  if (complete?.status === 'False') return { phase: 'Failed', message: why(complete) };
  if (signal?.status === 'False') return { phase: 'Failed', message: why(signal) };
  // The signal's message is the cloud provider's request id: while waiting, the node is the reason.
  if (signal?.status === 'True') return { phase: 'InProgress', message: why(complete) ?? why(signal) };
  const manual = find('ManualMode');
  if (manual?.status === 'True') return { phase: 'Pending', message: why(manual) };
  return { phase: 'Pending', message: why(signal) };
}

function externalRemediation(conditions: Condition[]): { phase: Phase; message: string | null } {
  const complete = conditions.find((condition) => condition.type === 'ExternalRemediationComplete');
  const released = conditions.find((condition) => condition.type === 'NVSentinelOwnershipReleased');
  if (complete?.status === 'True') return { phase: 'Succeeded', message: why(complete) };
  if (complete?.status === 'False') return { phase: 'Failed', message: why(complete) };
  if (released?.status === 'False') return { phase: 'Failed', message: why(released) };
  if (released?.status === 'True') return { phase: 'InProgress', message: why(complete) ?? why(released) };
  return { phase: 'Pending', message: why(released) };
}

const GPU_RESET_PHASES: Record<string, Phase> = {
  Pending: 'Pending',
  InProgress: 'InProgress',
  Terminating: 'InProgress',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Unknown: 'Unknown',
};

const VALIDATION_PHASES: Record<string, Phase> = {
  Pending: 'Pending',
  Running: 'InProgress',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
};

/** A phase written by the CR; absent is Pending (not yet picked up), one this console does not know is Unknown. */
function phaseOf(status: Json, phases: Record<string, Phase>): Phase {
  const phase = text(status.phase);
  if (!phase) return 'Pending';
  return phases[phase] ?? 'Unknown';
}

/** A failed ValidationRequest without a condition: the first failed attempt's reason, with its test group. */
function failedTest(status: Json): string | null {
  for (const group of Array.isArray(status.testGroups) ? status.testGroups.filter(isObject) : [])
    for (const attempt of Array.isArray(group.attempts) ? group.attempts.filter(isObject) : [])
      if (text(attempt.phase) === 'Failed' && text(attempt.failureReason))
        return `${text(group.name)}: ${text(attempt.failureReason)}`;
  return null;
}

function nodeNameOf(kind: NodeResourceKind, spec: Json): string {
  if (kind === 'ExternalRemediationRequest') return isObject(spec.healthEvent) ? text(spec.healthEvent.nodeName) : '';
  if (kind === 'ValidationRequest') {
    // Several nodes: this reads the first (ClusterState gives one resource per node).
    const first = Array.isArray(spec.nodes) ? spec.nodes.find(isObject) : undefined;
    return first ? text(first.name) : '';
  }
  return text(spec.nodeName);
}

/** Parses one custom resource object of `kind` (plain JSON); null when it names no node. */
export function nodeResourceOf(kind: NodeResourceKind, object: unknown): NodeResource | null {
  if (!isObject(object) || !isObject(object.metadata)) return null;
  const name = text(object.metadata.name);
  const spec = isObject(object.spec) ? object.spec : {};
  const status = isObject(object.status) ? object.status : {};
  const nodeName = nodeNameOf(kind, spec);
  if (!name || !nodeName) return null;
  const conditions = conditionsOf(status);
  let read: { phase: Phase; message: string | null };
  switch (kind) {
    case 'RebootNode':
      read = signalled(conditions, 'NodeReady');
      break;
    case 'TerminateNode':
      read = signalled(conditions, 'NodeTerminated');
      break;
    case 'ExternalRemediationRequest':
      read = externalRemediation(conditions);
      break;
    case 'GPUReset': {
      const complete = conditions.find((condition) => condition.type === 'Complete');
      read = { phase: phaseOf(status, GPU_RESET_PHASES), message: why(complete ?? newest(conditions)) };
      break;
    }
    case 'ValidationRequest': {
      const phase = phaseOf(status, VALIDATION_PHASES);
      read = { phase, message: why(newest(conditions)) ?? (phase === 'Failed' ? failedTest(status) : null) };
      break;
    }
    default:
      return null;
  }
  return {
    kind,
    name,
    nodeName,
    phase: read.phase,
    message: read.message,
    createdAt: time(object.metadata.creationTimestamp),
    completedAt: time(status.completionTime),
  };
}
