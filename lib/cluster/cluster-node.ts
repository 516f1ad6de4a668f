// A node as Kubernetes holds it, read the way NVSentinel writes it (docs/nvsentinel-kubernetes-reference.md,
// lalitadithya/NVSentinel @ 42672ae): whether it is cordoned and by whom, NVSentinel's session
// annotations, the state label, taints, the remediation annotation and the opt-out labels. Plain
// JSON (no client types), so the browser gets it as it is. Pure: parsed from the object alone.
import {
  LABEL_PREFIX,
  OPT_OUT_LABELS,
  QUARANTINE_ANNOTATIONS,
  REMEDIATION_ANNOTATION,
  STATE_LABEL,
} from '@/lib/nvsentinel/kubernetes-keys';
import { parseLabelTimestamp } from '@/lib/nvsentinel/label-values';

import { OPT_OUT_ANNOTATIONS, optOutOf, type NodeOptOut } from './opt-out-record';

export interface ClusterTaint {
  key: string;
  value: string | null;
  effect: string;
}

/** One event fault-quarantine tracks in quarantineHealthEvent (Go JSON of the HealthEvent; zero values omitted). */
export interface TrackedEvent {
  agent: string;
  checkName: string;
  componentClass: string;
  errorCode: string[];
  entities: { type: string; value: string }[];
  message: string;
  isFatal: boolean;
  /** quarantineOverrides.force: a forced quarantine (NVSentinel's manual one), which no monitor reports healthy. */
  forced: boolean;
}

export interface LabelledChange {
  by: string | null;
  reason: string | null;
  /** When, from the label's Go layout 2006-01-02T15-04-05Z (ms); null when absent or unreadable. */
  at: number | null;
}

export interface ClusterNode {
  name: string;
  /** spec.unschedulable: cordoned, by anyone. */
  cordoned: boolean;
  /** NVSentinel holds a session on it (quarantineHealthEvent non-empty, NVSentinel's own test, reconciler.go:636-650). */
  nvsentinelSession: boolean;
  /** NVSentinel's session asked for a cordon (quarantineHealthEventIsCordoned=True). */
  cordonedByNvsentinel: boolean;
  /** The cordon was there before NVSentinel's session: NVSentinel will not lift it. */
  cordonPreExisting: boolean;
  /** NVSentinel saw a manual uncordon of its session (quarantinedNodeUncordonedManually=True). */
  uncordonedManually: boolean;
  /** ...or a manual untaint of its taints: then nothing will ever uncordon it. */
  untaintedManually: boolean;
  /** The cordon-* labels (they survive a manual uncordon: not proof of a current cordon). */
  cordon: LabelledChange | null;
  /** The uncordon-* labels of NVSentinel's last automatic release (never removed afterwards). */
  uncordon: LabelledChange | null;
  /** dgxc.nvidia.com/nvsentinel-state: quarantined, draining, drain-succeeded, …, remediation-failed. */
  stateLabel: string | null;
  trackedEvents: TrackedEvent[];
  taints: ClusterTaint[];
  /** false when labelled k8saas.nvidia.com/ManagedByNVSentinel=false or nvsentinel.dgxc.nvidia.com/managed=false. */
  managed: boolean;
  /** The maintenance opt-out: the console's own (until when, by whom, why) and any set outside it (./opt-out-record.ts). */
  optOut: NodeOptOut | null;
  /** latestFaultRemediationState: the remediation custom resource per equivalence group. */
  remediations: { group: string; resource: string; action: string; createdAt: number | null }[];
  /** Ready condition: true, false, or null when the kubelet reports none. */
  ready: boolean | null;
  /** Labelled nvidia.com/gpu.present=true: counted by the circuit breaker (node_informer.go:35-43). */
  gpu: boolean;
  resourceVersion: string | null;
}

/** The shape of a V1Node this reads (client-node's type, or the JSON of any client). */
export interface NodeObject {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
  };
  spec?: { unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

const GPU_PRESENT_LABEL = 'nvidia.com/gpu.present';

/**
 * The labels clusterNodeOf reads. The nodes informer keeps only these of each node (./node-informer.ts:
 * a GPU node carries a hundred feature-discovery labels): a new read must be named here.
 */
export function isLabelRead(key: string): boolean {
  return (
    key.startsWith(LABEL_PREFIX) ||
    key === STATE_LABEL ||
    key === GPU_PRESENT_LABEL ||
    (OPT_OUT_LABELS as readonly string[]).includes(key)
  );
}

const ANNOTATIONS_READ: ReadonlySet<string> = new Set([
  ...Object.values(QUARANTINE_ANNOTATIONS),
  REMEDIATION_ANNOTATION,
  ...Object.values(OPT_OUT_ANNOTATIONS),
]);

/** The annotations clusterNodeOf reads (kept by the nodes informer, as isLabelRead). */
export function isAnnotationRead(key: string): boolean {
  return ANNOTATIONS_READ.has(key);
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/** quarantineHealthEvent: a JSON list (or, in the old format, one object); "" and "[]" count as absent. */
export function trackedEventsOf(annotation: string | undefined): TrackedEvent[] {
  if (!annotation) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation);
  } catch {
    return [];
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list
    .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
    .map((item) => ({
      agent: text(item.agent),
      checkName: text(item.checkName),
      componentClass: text(item.componentClass),
      errorCode: Array.isArray(item.errorCode) ? item.errorCode.map(String) : [],
      entities: Array.isArray(item.entitiesImpacted)
        ? item.entitiesImpacted
            .filter((entity): entity is Record<string, unknown> => typeof entity === 'object' && entity !== null)
            .map((entity) => ({ type: text(entity.entityType), value: text(entity.entityValue) }))
        : [],
      message: text(item.message),
      isFatal: item.isFatal === true,
      forced: (item.quarantineOverrides as { force?: unknown } | undefined)?.force === true,
    }));
}

function remediationsOf(annotation: string | undefined): ClusterNode['remediations'] {
  if (!annotation) return [];
  try {
    const groups =
      (JSON.parse(annotation) as { equivalenceGroups?: Record<string, Record<string, unknown>> }).equivalenceGroups ??
      {};
    return Object.entries(groups).map(([group, entry]) => {
      const createdAt = Date.parse(text(entry.createdAt));
      return {
        group,
        resource: text(entry.maintenanceCR),
        action: text(entry.actionName),
        createdAt: Number.isNaN(createdAt) ? null : createdAt,
      };
    });
  } catch {
    return [];
  }
}

function labelled(labels: Record<string, string>, kind: 'cordon' | 'uncordon'): LabelledChange | null {
  const by = labels[`${LABEL_PREFIX}${kind}-by`];
  const reason = labels[`${LABEL_PREFIX}${kind}-reason`];
  const at = labels[`${LABEL_PREFIX}${kind}-timestamp`];
  if (by === undefined && reason === undefined && at === undefined) return null;
  return { by: by ?? null, reason: reason ?? null, at: parseLabelTimestamp(at) };
}

export function clusterNodeOf(node: NodeObject): ClusterNode {
  const labels = node.metadata?.labels ?? {};
  const annotations = node.metadata?.annotations ?? {};
  const trackedEvents = trackedEventsOf(annotations[QUARANTINE_ANNOTATIONS.healthEvents]);
  const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready');
  return {
    name: node.metadata?.name ?? '',
    cordoned: node.spec?.unschedulable === true,
    nvsentinelSession: trackedEvents.length > 0,
    cordonedByNvsentinel: annotations[QUARANTINE_ANNOTATIONS.isCordoned] === 'True',
    cordonPreExisting: annotations[QUARANTINE_ANNOTATIONS.cordonPreExisting] === 'True',
    uncordonedManually: annotations[QUARANTINE_ANNOTATIONS.uncordonedManually] === 'True',
    untaintedManually: annotations[QUARANTINE_ANNOTATIONS.untaintedManually] === 'True',
    cordon: labelled(labels, 'cordon'),
    uncordon: labelled(labels, 'uncordon'),
    stateLabel: labels[STATE_LABEL] ?? null,
    trackedEvents,
    taints: (node.spec?.taints ?? []).map((taint) => ({
      key: taint.key,
      value: taint.value ?? null,
      effect: taint.effect,
    })),
    // Any value but "false" is managed (the default rules' clause).
    managed: OPT_OUT_LABELS.every((label) => labels[label] !== 'false'),
    optOut: optOutOf(labels, annotations),
    remediations: remediationsOf(annotations[REMEDIATION_ANNOTATION]),
    ready: ready ? ready.status === 'True' : null,
    gpu: labels[GPU_PRESENT_LABEL] === 'true',
    resourceVersion: node.metadata?.resourceVersion ?? null,
  };
}
