// Whether a node is out of NVSentinel's hands, and whose doing that is, read from the node alone.
// NVSentinel itself has no opt-out code: the clause sits in every ruleset of fault-quarantine's
// default chart, evaluated in CEL against the node in its informer cache
// (distros/kubernetes/nvsentinel/charts/fault-quarantine/values.yaml:91-97, 130-133, 144-147, 158-161,
// 172-175, 190-193: `!('k8saas.nvidia.com/ManagedByNVSentinel' in node.metadata.labels &&
// node.metadata.labels[...] == "false") && !('nvsentinel.dgxc.nvidia.com/managed' ... == "false")`;
// fault-quarantine/pkg/evaluator/rule_evaluator.go:149-190 reads the node from the lister on every
// event). Only "false" opts out; any other value, or none, is managed.
//
// The console's own opt-out is `k8saas.nvidia.com/ManagedByNVSentinel=false` plus its annotations
// below, so every replica, a restart and kubectl see who, why and until when. The other label,
// `nvsentinel.dgxc.nvidia.com/managed=false`, belongs to janitor's ExternalRemediationRequest
// controller, which writes it and deletes it on cleanup whatever its value
// (janitor/pkg/controller/externalremediationrequest_controller.go:335-341, 587-591): the console never
// writes it. A `false` the console did not write (kubectl, a script) is shown, never undone.
import { OPT_OUT_LABELS } from '@/lib/nvsentinel/kubernetes-keys';

/** The label the chart's rules read and the console writes (kubectl label node <n> k8saas.nvidia.com/ManagedByNVSentinel=false). */
export const OPT_OUT_LABEL = OPT_OUT_LABELS[0];

/** janitor's label (ExternalRemediationRequest, ADR-040): shown, never written or removed by the console. */
export const JANITOR_OPT_OUT_LABEL = OPT_OUT_LABELS[1];

/** The console's record of its opt-out, on the node itself. */
export const OPT_OUT_ANNOTATIONS = {
  /** RFC 3339 (UTC): when the console puts the node back. */
  until: 'sentinel-console/opt-out-until',
  /** RFC 3339 (UTC): when it was taken out. */
  since: 'sentinel-console/opt-out-since',
  /** The operator (username or email). */
  by: 'sentinel-console/opt-out-by',
  reason: 'sentinel-console/opt-out-reason',
  /** The label's value before, restored on put-back; absent: the label was absent and is removed. */
  previous: 'sentinel-console/opt-out-previous',
} as const;

/** The console's opt-out of a node, as its annotations record it. */
export interface ConsoleOptOut {
  /** When it ends (ms); null when the annotation is unreadable (then it ends at the next check). */
  until: number | null;
  since: number | null;
  by: string;
  reason: string;
  /** The label's value before the opt-out; null: it had none. */
  previous: string | null;
}

export interface NodeOptOut {
  /** The console's own opt-out: its record, with ManagedByNVSentinel still "false". */
  console: ConsoleOptOut | null;
  /** Opt-out labels at "false" that are not the console's: ManagedByNVSentinel set outside the console, janitor's managed. */
  outside: string[];
  /**
   * The console's record is there but ManagedByNVSentinel is no longer "false": someone put the
   * node back outside the console. The record is left over; the put-back removes it (and only it).
   */
  leftOver: ConsoleOptOut | null;
}

function timeOf(value: string | undefined): number | null {
  if (!value) return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : at;
}

/** The console's record on the node, whatever the label says now; null when it has none. */
export function consoleRecordOf(annotations: Record<string, string>): ConsoleOptOut | null {
  if (!Object.hasOwn(annotations, OPT_OUT_ANNOTATIONS.until)) return null;
  return {
    until: timeOf(annotations[OPT_OUT_ANNOTATIONS.until]),
    since: timeOf(annotations[OPT_OUT_ANNOTATIONS.since]),
    by: annotations[OPT_OUT_ANNOTATIONS.by] ?? '',
    reason: annotations[OPT_OUT_ANNOTATIONS.reason] ?? '',
    previous: Object.hasOwn(annotations, OPT_OUT_ANNOTATIONS.previous)
      ? annotations[OPT_OUT_ANNOTATIONS.previous]
      : null,
  };
}

/** The node's opt-out, or null when NVSentinel's rules manage it and no record of the console is left. */
export function optOutOf(labels: Record<string, string>, annotations: Record<string, string>): NodeOptOut | null {
  const record = consoleRecordOf(annotations);
  const labelledOut = labels[OPT_OUT_LABEL] === 'false';
  const mine = record !== null && labelledOut;
  const outside = OPT_OUT_LABELS.filter((label) => labels[label] === 'false' && !(mine && label === OPT_OUT_LABEL));
  if (!mine && outside.length === 0 && record === null) return null;
  return { console: mine ? record : null, outside, leftOver: mine ? null : record };
}

/** Whether the console's put-back is due at `now`: its opt-out ended (or its end is unreadable), or only its record is left. */
export function putBackDue(optOut: NodeOptOut | null, now: number): boolean {
  if (!optOut) return false;
  if (optOut.leftOver) return true;
  return optOut.console !== null && (optOut.console.until === null || optOut.console.until <= now);
}
