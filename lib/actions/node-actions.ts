'use server';
// Manual quarantine and release, the way NVSentinel itself accepts them:
//  - quarantine stores a health event with quarantineOverrides.force = true, agent naming this
//    dashboard, metadata.creator_id = the operator and the reason as message; fault-quarantine
//    cordons the node and the pipeline drains it (recommended action NONE: no remediation);
//  - release marks the open session's events Cancelled, as NVSentinel's manual uncordon does.
// Both refuse, with a clear message and no change, what would be a no-op or a mistake: an unknown
// node, a quarantine of a quarantined node or one already requested, a release of a free node.
import { currentActor } from '@/lib/server/actor';
import { getDataStore } from '@/lib/server/datastore';
import { getLiveHub } from '@/lib/server/live-hub';
import { NODE_STATE_LABELS, QUARANTINED_STATES } from '@/lib/projection/node-view';

import { MANUAL_QUARANTINE_AGENT, MANUAL_QUARANTINE_CHECK, parseNodeAction, type NodeActionResult } from './node-action-input';

// One action per node at a time in this process, so a double click cannot write twice.
const busy = (globalThis as unknown as { sentinelNodeActions?: Set<string> }).sentinelNodeActions ??= new Set<string>();

async function exclusive(nodeName: string, work: () => Promise<NodeActionResult>): Promise<NodeActionResult> {
  if (busy.has(nodeName)) return { ok: false, outcome: 'invalid', error: `an action on ${nodeName} is already in progress` };
  busy.add(nodeName);
  try {
    return await work();
  } catch (error) {
    return { ok: false, outcome: 'error', error: `the datastore refused the change: ${(error as Error).message}` };
  } finally {
    busy.delete(nodeName);
  }
}

export async function quarantineNode(input: unknown): Promise<NodeActionResult> {
  const actor = await currentActor();
  const parsed = parseNodeAction(input);
  if (!parsed.ok) return { ok: false, outcome: 'invalid', error: parsed.error };
  const { nodeName, reason } = parsed.value;
  return exclusive(nodeName, async () => {
    const [store, hub] = await Promise.all([getDataStore(), getLiveHub()]);
    const view = hub.projection.get(nodeName);
    if (!view) return { ok: false, outcome: 'invalid', error: `no node named ${nodeName} has reported to this datastore` };
    if (QUARANTINED_STATES.has(view.state)) return { ok: false, outcome: 'invalid', error: `${nodeName} is already quarantined (${NODE_STATE_LABELS[view.state]})` };
    // The projection learns of a request a moment after it is stored: ask the datastore too.
    const pending = await store.healthEvents().count({ nodeName, agent: MANUAL_QUARANTINE_AGENT, checkName: MANUAL_QUARANTINE_CHECK, nodeQuarantined: null, from: new Date(Date.now() - 3_600_000) });
    if (pending > 0 || view.quarantineRequested) return { ok: false, outcome: 'invalid', error: `a quarantine of ${nodeName} is already requested and waiting for fault-quarantine` };
    await store.healthEvents().insertMany([{
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
      metadata: { creator_id: actor.name },
    }]);
    return { ok: true, message: `Quarantine of ${nodeName} requested; fault-quarantine will cordon it and node-drainer drain it.` };
  });
}

export async function releaseNode(input: unknown): Promise<NodeActionResult> {
  await currentActor();
  const parsed = parseNodeAction(input);
  if (!parsed.ok) return { ok: false, outcome: 'invalid', error: parsed.error };
  const { nodeName } = parsed.value;
  return exclusive(nodeName, async () => {
    const [store, hub] = await Promise.all([getDataStore(), getLiveHub()]);
    const view = hub.projection.get(nodeName);
    if (!view) return { ok: false, outcome: 'invalid', error: `no node named ${nodeName} has reported to this datastore` };
    if (!view.session || !QUARANTINED_STATES.has(view.state)) {
      return { ok: false, outcome: 'invalid', error: `${nodeName} is not quarantined (${NODE_STATE_LABELS[view.state]}); there is nothing to release` };
    }
    const cancelled = await store.healthEvents().cancelQuarantine(nodeName, new Date(view.session.since));
    if (cancelled === 0) return { ok: false, outcome: 'invalid', error: `${nodeName} was released meanwhile; nothing changed` };
    return { ok: true, message: `${nodeName} released: ${cancelled} quarantining event${cancelled === 1 ? '' : 's'} marked Cancelled.` };
  });
}
