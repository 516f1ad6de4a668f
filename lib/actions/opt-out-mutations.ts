// The maintenance opt-out as changes an operator can make (lib/cluster/node-opt-out.ts does the
// writes): node.opt-out takes a node out of NVSentinel's hands until a time with a reason;
// node.opt-in puts it back early. The console's expiry (lib/cluster/opt-out-expiry.ts) puts it back
// when the time ends. Each refuses with a clear message and no change what would be a no-op or
// would undo someone else's opt-out: a node already out, a node the console did not take out, an
// opt-out other than the one the page showed (its since), a node the cluster does not have, and
// anything at all without cluster access.
import type { Actor } from '@/lib/auth/actor';
import { ClusterRefusal } from '@/lib/cluster/node-uncordon';
import { optOutNode, putBackNode, seenByWatch, type OptOutSnapshot } from '@/lib/cluster/node-opt-out';
import { JANITOR_OPT_OUT_LABEL as JANITOR_LABEL, OPT_OUT_LABEL } from '@/lib/cluster/opt-out-record';
import type { AppContext } from '@/lib/context/app-context';

import type { Mutation, MutationOutcome } from './mutation';
import { rawField } from './mutation';
import {
  DEFAULT_OPT_OUT_BOUNDS,
  endOf,
  parseOptIn,
  parseOptOut,
  type OptInInput,
  type OptOutBounds,
  type OptOutInput,
} from './opt-out-input';

const iso = (at: number) => new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');

function withoutCluster(nodeName: string, what: string): MutationOutcome {
  return {
    ok: false,
    outcome: 'invalid',
    status: 409,
    error: `${what} ${nodeName} means labelling it in the cluster (${OPT_OUT_LABEL}), and this console has no Kubernetes cluster configured (KUBECONFIG or in-cluster access); label it with kubectl, or give the console cluster access`,
  };
}

/** A refusal of the API server as the outcome the runner records: 404 and 409 as such, the rest (RBAC, unreachable) as errors. */
function refused(error: unknown): MutationOutcome {
  if (!(error instanceof ClusterRefusal)) throw error;
  if (error.status === 404 || error.status === 409)
    return { ok: false, outcome: 'invalid', status: error.status, error: error.message };
  return { ok: false, outcome: 'error', status: 500, error: error.message };
}

/** "… also holds it" when janitor's external remediation has the node out too (its label, its end). */
function janitorNote(before: OptOutSnapshot): string {
  return before.optOut?.outside.includes(JANITOR_LABEL)
    ? ` Janitor's external remediation also holds it out (${JANITOR_LABEL}=false) until its ExternalRemediationRequest ends.`
    : '';
}

/** The opt-out, with its time bounds and clock (tests use short ones). */
export function optOutNodeMutationWith(bounds: OptOutBounds): Mutation<OptOutInput> {
  return {
    action: 'node.opt-out',
    permission: 'nodes:opt-out',
    parse: (input) => parseOptOut(input, bounds),
    rawTarget: (input) => rawField(input, 'nodeName'),
    target: (value) => value.nodeName,
    reason: (value) => value.reason,
    run: async ({ nodeName, reason, end }: OptOutInput, actor: Actor, context: AppContext) => {
      const cluster = context.cluster();
      if (!cluster) return withoutCluster(nodeName, "taking out of NVSentinel's hands");
      const now = bounds.now();
      const until = endOf(end, now);
      let written;
      try {
        written = await optOutNode(cluster.access.config, nodeName, {
          by: actor.name,
          reason,
          until,
          now: new Date(now),
        });
      } catch (error) {
        return refused(error);
      }
      const { before } = written;
      if (!written.done) {
        const mine = before.optOut?.console;
        return {
          ok: false,
          outcome: 'invalid',
          status: 409,
          before,
          error: mine
            ? `${nodeName} is already out of NVSentinel's hands, by the console until ${mine.until === null ? 'an unreadable time' : iso(mine.until)} (${mine.by}: ${mine.reason}); put it back first to set another time`
            : `${nodeName} is already out of NVSentinel's hands: ${OPT_OUT_LABEL}=false was set outside the console (kubectl or a script), so the console leaves that opt-out alone and will not put it back`,
        };
      }
      // The page read next (on this replica) shows the opt-out.
      await seenByWatch(cluster.state, nodeName, written.resourceVersion);
      return {
        ok: true,
        message: `${nodeName} is out of NVSentinel's hands until ${iso(until.getTime())} (${OPT_OUT_LABEL}=false): new faults will not quarantine it, though a forced quarantine still does; the console puts it back then.${janitorNote(before)}`,
        before,
        after: written.after,
      };
    },
  };
}

export const optOutNodeMutation = optOutNodeMutationWith(DEFAULT_OPT_OUT_BOUNDS);

/** "2026-12-06T12:00:00Z", or words for a time the record could not say. */
const sinceText = (since: number | null) => (since === null ? 'an unreadable time' : iso(since));

export const optInNodeMutation: Mutation<OptInInput> = {
  action: 'node.opt-in',
  permission: 'nodes:opt-out',
  parse: parseOptIn,
  rawTarget: (input) => rawField(input, 'nodeName'),
  target: (value) => value.nodeName,
  reason: (value) => value.reason,
  run: async ({ nodeName, since }, _actor, context) => {
    const cluster = context.cluster();
    if (!cluster) return withoutCluster(nodeName, "putting back into NVSentinel's hands");
    const shown = since === undefined ? undefined : { since: since === null ? null : Date.parse(since) };
    let written;
    try {
      written = await putBackNode(cluster.access.config, nodeName, undefined, shown);
    } catch (error) {
      return refused(error);
    }
    const { before } = written;
    if (!written.done) {
      const now = before.optOut?.console ?? before.optOut?.leftOver;
      return {
        ok: false,
        outcome: 'invalid',
        status: 409,
        before,
        error:
          written.why === 'changed' && now && shown
            ? `the opt-out of ${nodeName} was changed by ${now.by} at ${sinceText(now.since)} since you looked (the page showed the one since ${sinceText(shown.since)}); nothing was put back: look at the node again`
            : written.why === 'outside'
              ? `${nodeName} was taken out of NVSentinel's hands outside the console (${OPT_OUT_LABEL}=false, without the console's record): the console does not undo that; remove the label with kubectl (kubectl label node ${nodeName} ${OPT_OUT_LABEL}-) if that is meant`
              : `${nodeName} is not out of NVSentinel's hands by the console, so there is nothing to put back.${janitorNote(before)}`,
      };
    }
    await seenByWatch(cluster.state, nodeName, written.resourceVersion);
    const label = written.after.label;
    return {
      ok: true,
      message: before.optOut?.leftOver
        ? `${nodeName} had already been put back outside the console (${OPT_OUT_LABEL} is ${before.label === null ? 'absent' : `"${before.label}"`}); the console's record of its opt-out is removed.`
        : `${nodeName} is back in NVSentinel's hands: ${OPT_OUT_LABEL} ${label === null ? 'removed' : `back to "${label}"`}.${janitorNote(before)}`,
      before,
      after: written.after,
    };
  },
};
