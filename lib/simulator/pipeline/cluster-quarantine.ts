// The cluster half of the simulated fault-quarantine, written as NVSentinel's writes it
// (docs/nvsentinel-kubernetes-reference.md §1-2; lalitadithya/NVSentinel @ 42672ae):
//  - every node write is GET, change in memory, PUT with the read resourceVersion, retried on 409
//    (fault-quarantine/pkg/informer/k8s_client.go:158-208: 10 steps, 20 ms doubling);
//  - every node write holds the node's lock, as fault-quarantine's UpdateNode does
//    (k8s_client.go:158-162): a manual uncordon's clean-up waits for a quarantine write in flight;
//  - a quarantine cordons, writes the annotations quarantineHealthEvent (JSON list of the tracked
//    events), quarantineHealthEventIsCordoned=True (and ...CordonPreExisting=True when the node was
//    cordoned already, in which case the cordon-* labels are not written), the labels
//    k8saas.nvidia.com/cordon-by|cordon-reason|cordon-timestamp and dgxc.nvidia.com/nvsentinel-state
//    (reconciler.go:982-1035, 1016-1032); a later event on a quarantined node joins the annotation;
//  - the automatic release uncordons (unless pre-existing), adds uncordon-* labels and removes its
//    annotations and labels (reconciler.go:1659-1674, 1757-1761);
//  - a manual uncordon (old unschedulable, new schedulable, IsCordoned still there) is cleaned up:
//    its annotations and the state label go, quarantinedNodeUncordonedManually=True is added
//    (node_informer.go:342-373; reconciler.go:1863-1940); the caller then marks the session Cancelled;
//  - a node opted out (k8saas.nvidia.com/ManagedByNVSentinel=false or nvsentinel.dgxc.nvidia.com/managed=false)
//    matches none of the chart's rulesets, whose Node clause excludes it (charts/fault-quarantine/values.yaml:91-97),
//    so an event that is not forced writes nothing, on a fresh node or one already quarantined
//    (reconciler.go:616-626, 744-750); a forced one bypasses the rules and still quarantines (reconciler.go:800-810).
//    NVSentinel evaluates the node in its informer cache (evaluator/rule_evaluator.go:175-190); this reads it
//    from the API server as it is about to write it, without the cache's lag.
import { CoreV1Api, makeInformer, type KubeConfig, type V1Node } from '@kubernetes/client-node';

import type { HealthEventWithStatus } from '../../store';
import { healthEventJson } from '../../store/postgres';
import { getChangeUpdate } from '../../nvsentinel/get-change-update';
import {
  LABEL_PREFIX,
  OPT_OUT_LABELS,
  QUARANTINE_ANNOTATIONS as ANNOTATION,
  STATE_LABEL,
} from '../../nvsentinel/kubernetes-keys';
import { labelTimestamp, nvsentinelLabelValue } from '../../nvsentinel/label-values';

import { NodeLocks } from './node-locks';

/** The ruleset of NVSentinel's default chart that cordons on fatal events. */
export const DEFAULT_RULESET = 'GPU-fatal-error-ruleset';

export class ClusterQuarantine {
  private readonly api: CoreV1Api;
  private informer?: ReturnType<typeof makeInformer<V1Node>>;

  constructor(
    private readonly config: KubeConfig,
    /** fault-quarantine's per-node lock, which every node write holds (./node-locks.ts). */
    private readonly locks = new NodeLocks(),
  ) {
    this.api = config.makeApiClient(CoreV1Api);
  }

  /**
   * A node written as NVSentinel's UpdateNode writes it: holding the node's lock, GET, change, PUT;
   * again on 409 (k8s_client.go:158-192); `change` returns false to write nothing.
   */
  private updateNode(name: string, change: (node: V1Node) => boolean): Promise<V1Node> {
    return this.locks.run(name, () =>
      getChangeUpdate({
        read: () => this.api.readNode({ name }),
        change,
        write: (node) => this.api.replaceNode({ name, body: node }),
      }),
    );
  }

  /**
   * Cordons `nodeName` for `event`, or adds the event to its session; answers the datastore status to
   * write, or null when the node is opted out and the event not forced (no ruleset matches, nothing is
   * written) or when the API server refused the write as invalid (nothing was written).
   */
  async quarantine(event: HealthEventWithStatus): Promise<'Quarantined' | 'AlreadyQuarantined' | null> {
    const nodeName = event.healthEvent.nodeName;
    const forced = event.healthEvent.quarantineOverrides?.force === true;
    let optedOut = false;
    // A manual uncordon of an earlier session is forgotten first, in a write of its own (reconciler.go:1093-1110).
    await this.updateNode(nodeName, (node) => {
      optedOut = OPT_OUT_LABELS.some((label) => node.metadata?.labels?.[label] === 'false');
      if (optedOut && !forced) return false;
      const annotations = node.metadata?.annotations ?? {};
      if (!Object.hasOwn(annotations, ANNOTATION.uncordonedManually)) return false;
      delete annotations[ANNOTATION.uncordonedManually];
      return true;
    });
    if (optedOut && !forced) return null;
    let status: 'Quarantined' | 'AlreadyQuarantined' = 'Quarantined';
    const written = await this.updateNode(nodeName, (node) => {
      const metadata = (node.metadata ??= {});
      const annotations = (metadata.annotations ??= {});
      const labels = (metadata.labels ??= {});
      const tracked = parseTracked(annotations[ANNOTATION.healthEvents]);
      tracked.push(healthEventJson(event.healthEvent));
      annotations[ANNOTATION.healthEvents] = JSON.stringify(tracked);
      // Decided on each attempt's read, as the update function does (k8s_client.go:312-313): a retry
      // after a 409 may find the session gone.
      status = tracked.length > 1 ? 'AlreadyQuarantined' : 'Quarantined';
      if (status === 'AlreadyQuarantined') return true;
      const spec = (node.spec ??= {});
      annotations[ANNOTATION.isCordoned] = 'True';
      if (spec.unschedulable) annotations[ANNOTATION.cordonPreExisting] = 'True';
      else {
        // Forced: `<agent>-<creator_id>` as it is, never sanitised (reconciler.go:803-805, kept by the
        // LoadOrStore at 1025): too long or an empty creator_id ("<agent>-") and the API server refuses the write.
        labels[`${LABEL_PREFIX}cordon-by`] = forced
          ? `${event.healthEvent.agent}-${event.healthEvent.metadata.creator_id ?? ''}`
          : 'NVSentinel';
        // Forced: the event's message, with the names of any rulesets the event also matches
        // (the simulated rules: fatal events match NVSentinel's default fatal ruleset, unless the node is opted out).
        const matched = event.healthEvent.isFatal && !optedOut ? [DEFAULT_RULESET] : [];
        labels[`${LABEL_PREFIX}cordon-reason`] = nvsentinelLabelValue(
          forced ? [event.healthEvent.message, ...matched].join('-') : DEFAULT_RULESET,
        );
        labels[`${LABEL_PREFIX}cordon-timestamp`] = labelTimestamp(new Date());
        spec.unschedulable = true;
      }
      labels[STATE_LABEL] = 'quarantined';
      return true;
    }).catch((error: { code?: number }) => {
      // Refused as invalid (422, e.g. that cordon-by): UpdateNode does not retry it, the quarantine
      // fails and fault-quarantine stores no status for the event (reconciler.go:1119-1137; k8s_client.go:194-208).
      if (error.code === 422) return null;
      throw error;
    });
    return written ? status : null;
  }

  /** `event`'s session on its node, unless the node already carries one (after a restart of a twin that starts empty). */
  async ensureQuarantined(event: HealthEventWithStatus): Promise<void> {
    const node = await this.api.readNode({ name: event.healthEvent.nodeName }).catch(() => undefined);
    if (!node || parseTracked(node.metadata?.annotations?.[ANNOTATION.healthEvents]).length > 0) return;
    await this.quarantine(event);
  }

  /** Every tracked fault recovered: uncordon (unless the cordon was there before), label the release, forget the session. */
  async release(nodeName: string): Promise<void> {
    await this.updateNode(nodeName, (node) => {
      const metadata = (node.metadata ??= {});
      const annotations = (metadata.annotations ??= {});
      const labels = (metadata.labels ??= {});
      if (!annotations[ANNOTATION.healthEvents]) return false;
      if (annotations[ANNOTATION.isCordoned] === 'True' && annotations[ANNOTATION.cordonPreExisting] !== 'True') {
        (node.spec ??= {}).unschedulable = false;
      }
      const reason = labels[`${LABEL_PREFIX}cordon-reason`] ?? DEFAULT_RULESET;
      labels[`${LABEL_PREFIX}uncordon-by`] = 'NVSentinel';
      labels[`${LABEL_PREFIX}uncordon-timestamp`] = labelTimestamp(new Date());
      labels[`${LABEL_PREFIX}uncordon-reason`] = `${reason.slice(0, 55)}-removed`;
      for (const key of [
        ANNOTATION.healthEvents,
        ANNOTATION.appliedTaints,
        ANNOTATION.appliedLabels,
        ANNOTATION.isCordoned,
        ANNOTATION.cordonPreExisting,
      ])
        delete annotations[key];
      for (const key of ['cordon-by', 'cordon-reason', 'cordon-timestamp']) delete labels[`${LABEL_PREFIX}${key}`];
      delete labels[STATE_LABEL];
      return true;
    });
  }

  /**
   * Follows the nodes as fault-quarantine's node informer does and calls `onManualUncordon` for a
   * node uncordoned by hand while quarantined, after cleaning it up as NVSentinel does.
   */
  async watchManualUncordons(onManualUncordon: (nodeName: string) => Promise<void>): Promise<void> {
    const informer = makeInformer<V1Node>(this.config, '/api/v1/nodes', () => this.api.listNode());
    informer.on('update', (node) => {
      const name = node.metadata?.name;
      if (!name || node.spec?.unschedulable || node.metadata?.annotations?.[ANNOTATION.isCordoned] !== 'True') return;
      // Schedulable while NVSentinel's cordon annotation says cordoned: the old object was cordoned.
      void this.cleanUpManualUncordon(name).then(
        (cleaned) => (cleaned ? onManualUncordon(name) : undefined),
        () => {},
      );
    });
    informer.on('error', () => {
      // The informer lists and watches again by itself after an error.
      setTimeout(() => void informer.start().catch(() => {}), 1_000);
    });
    this.informer = informer;
    await informer.start();
  }

  private async cleanUpManualUncordon(nodeName: string): Promise<boolean> {
    let cleaned = false;
    await this.updateNode(nodeName, (node) => {
      const annotations = node.metadata?.annotations ?? {};
      if (node.spec?.unschedulable || annotations[ANNOTATION.isCordoned] !== 'True') return false;
      for (const key of [
        ANNOTATION.healthEvents,
        ANNOTATION.appliedTaints,
        ANNOTATION.appliedLabels,
        ANNOTATION.isCordoned,
        ANNOTATION.cordonPreExisting,
      ])
        delete annotations[key];
      annotations[ANNOTATION.uncordonedManually] = 'True';
      delete node.metadata?.labels?.[STATE_LABEL];
      cleaned = true;
      return true;
    });
    return cleaned;
  }

  /** Nodes labelled nvidia.com/gpu.present=true, as fault-quarantine's informer counts them (the breaker's denominator). */
  gpuNodeCount(): number {
    return (this.informer?.list() ?? []).filter((node) => node.metadata?.labels?.['nvidia.com/gpu.present'] === 'true')
      .length;
  }

  async stop(): Promise<void> {
    await this.informer?.stop().catch(() => {});
  }
}

function parseTracked(value: string | undefined): unknown[] {
  if (!value) return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    // The old format is one object; the new one a list (health_events_annotation_map.go:371-412).
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return [];
  }
}
