// Manual quarantine and release, the way NVSentinel itself accepts them:
//  - quarantine stores a health event with quarantineOverrides.force = true, agent naming this
//    dashboard, metadata.creator_id = a label-safe id of the operator (./creator-id.ts; their full
//    identity in metadata['sentinel-console/creator']) and the reason as message; fault-quarantine
//    cordons the node and the pipeline drains it (recommended action NONE: no remediation);
//  - release uncordons the node through the Kubernetes API (lib/cluster/node-uncordon.ts), which is
//    NVSentinel's manual release: fault-quarantine then marks the session's events Cancelled itself.
//    Without a cluster there is no release (writing Cancelled alone would leave the node cordoned).
// Both refuse, with a clear message and no change, what would be a no-op or a mistake: an unknown
// node, a quarantine of a quarantined node or one already requested, a release of a free node.
import { ClusterRefusal, uncordonNode, type UncordonResult } from '@/lib/cluster/node-uncordon';
import { NODE_STATE_LABELS, QUARANTINED_STATES, type NodeView } from '@/lib/node-state/node-view';

import { CREATOR_METADATA_KEY, labelSafeCreatorId } from './creator-id';
import type { Mutation, MutationOutcome } from './mutation';
import { rawField } from './mutation';
import {
  MANUAL_QUARANTINE_AGENT,
  MANUAL_QUARANTINE_CHECK,
  parseNodeAction,
  type NodeActionInput,
} from './node-action-input';

// One action per node at a time in this process, so a double click cannot write twice.
const busy = ((globalThis as unknown as { sentinelNodeActions?: Set<string> }).sentinelNodeActions ??=
  new Set<string>());

async function exclusive(nodeName: string, work: () => Promise<MutationOutcome>): Promise<MutationOutcome> {
  if (busy.has(nodeName))
    return { ok: false, outcome: 'invalid', status: 409, error: `an action on ${nodeName} is already in progress` };
  busy.add(nodeName);
  try {
    return await work();
  } catch (error) {
    return {
      ok: false,
      outcome: 'error',
      status: 500,
      error: `the datastore refused the change: ${(error as Error).message}`,
    };
  } finally {
    busy.delete(nodeName);
  }
}

/** What the audit record keeps of a node's state. */
const stateOf = (view: NodeView) => ({
  state: view.state,
  label: NODE_STATE_LABELS[view.state],
  quarantinedSince: view.session?.since ?? null,
});
const unknownNode = (nodeName: string): MutationOutcome => ({
  ok: false,
  outcome: 'invalid',
  status: 404,
  error: `no node named ${nodeName} has reported to this datastore`,
});

const nodeInput = {
  parse: parseNodeAction,
  rawTarget: (input: unknown) => rawField(input, 'nodeName'),
  target: (value: NodeActionInput) => value.nodeName,
  reason: (value: NodeActionInput) => value.reason,
};

export const quarantineNodeMutation: Mutation<NodeActionInput> = {
  action: 'node.quarantine',
  permission: 'nodes:quarantine',
  ...nodeInput,
  run: ({ nodeName, reason }, actor, context) =>
    exclusive(nodeName, async () => {
      const [store, hub] = await Promise.all([context.store(), context.liveHub()]);
      const view = hub.projection.get(nodeName);
      if (!view) return unknownNode(nodeName);
      const before = stateOf(view);
      if (QUARANTINED_STATES.has(view.state))
        return {
          ok: false,
          outcome: 'invalid',
          status: 409,
          error: `${nodeName} is already quarantined (${NODE_STATE_LABELS[view.state]})`,
          before,
        };
      // The projection learns of a request a moment after it is stored: ask the datastore too.
      const pending = await store.healthEvents().count({
        nodeName,
        agent: MANUAL_QUARANTINE_AGENT,
        checkName: MANUAL_QUARANTINE_CHECK,
        nodeQuarantined: null,
        from: new Date(Date.now() - 3_600_000),
      });
      if (pending > 0 || view.quarantineRequested)
        return {
          ok: false,
          outcome: 'invalid',
          status: 409,
          error: `a quarantine of ${nodeName} is already requested and waiting for fault-quarantine`,
          before,
        };
      await store.healthEvents().insertMany([
        {
          nodeName,
          agent: MANUAL_QUARANTINE_AGENT,
          componentClass: 'NODE',
          checkName: MANUAL_QUARANTINE_CHECK,
          isFatal: false,
          isHealthy: false,
          message: reason,
          recommendedAction: 'NONE',
          processingStrategy: 'EXECUTE_REMEDIATION',
          quarantineOverrides: { force: true, skip: false },
          metadata: {
            creator_id: labelSafeCreatorId(actor.name, MANUAL_QUARANTINE_AGENT),
            [CREATOR_METADATA_KEY]: actor.name,
          },
        },
      ]);
      return {
        ok: true,
        message: `Quarantine of ${nodeName} requested; fault-quarantine will cordon it and node-drainer drain it.`,
        before,
        after: { ...before, label: `${before.label}, quarantine requested`, quarantineRequested: true },
      };
    }),
};

export const releaseNodeMutation: Mutation<NodeActionInput> = {
  action: 'node.release',
  permission: 'nodes:release',
  ...nodeInput,
  run: ({ nodeName, reason }, actor, context) =>
    exclusive(nodeName, async () => {
      const hub = await context.liveHub();
      const view = hub.projection.get(nodeName);
      if (!view) return unknownNode(nodeName);
      const before = stateOf(view);
      if (!view.session || !QUARANTINED_STATES.has(view.state)) {
        return {
          ok: false,
          outcome: 'invalid',
          status: 409,
          error: `${nodeName} is not quarantined (${NODE_STATE_LABELS[view.state]}); there is nothing to release`,
          before,
        };
      }
      const cluster = context.cluster();
      if (!cluster) {
        return {
          ok: false,
          outcome: 'invalid',
          status: 409,
          error: `releasing ${nodeName} means uncordoning it (NVSentinel ends a session when its node is uncordoned), and this console has no Kubernetes cluster configured (KUBECONFIG or in-cluster access); uncordon it with kubectl, or give the console cluster access`,
          before,
        };
      }
      let uncordoned: UncordonResult;
      try {
        uncordoned = await uncordonNode(cluster.access.config, nodeName, {
          who: `${MANUAL_QUARANTINE_AGENT}-${labelSafeCreatorId(actor.name, MANUAL_QUARANTINE_AGENT)}`,
          reason: reason ?? 'released from the console',
        });
      } catch (error) {
        if (!(error instanceof ClusterRefusal)) throw error;
        const status = error.status === 404 ? 404 : error.status === 409 ? 409 : 500;
        return { ok: false, outcome: status === 500 ? 'error' : 'invalid', status, error: error.message, before };
      }
      const refusals: Record<Exclude<UncordonResult, 'uncordoned'>, string> = {
        'not-cordoned': `${nodeName} is not cordoned in the cluster, so there is nothing to uncordon; NVSentinel's session ends when fault-quarantine sees the node schedulable`,
        'not-nvsentinel': `${nodeName} is cordoned, but not by NVSentinel's session (no quarantineHealthEventIsCordoned annotation): uncordoning it would lift someone else's cordon and would not end the session; uncordon it with kubectl if that is meant`,
        'pre-existing': `${nodeName} was cordoned before NVSentinel quarantined it (quarantineHealthEventCordonPreExisting): NVSentinel keeps that cordon when it releases the node; uncordon it with kubectl if the earlier cordon should go too`,
      };
      if (uncordoned !== 'uncordoned') {
        return { ok: false, outcome: 'invalid', status: 409, error: refusals[uncordoned], before };
      }
      return {
        ok: true,
        message: `${nodeName} released: uncordoned in the cluster; fault-quarantine marks its session Cancelled when it sees the uncordon.`,
        before,
        after: { ...before, cordoned: false, label: `${before.label}, uncordoned (release pending in NVSentinel)` },
      };
    }),
};
