// The circuit breaker's reset from the console (admins only): NVSentinel's runbook reset done through
// the API server (lib/cluster/breaker-reset.ts): the circuit-breaker ConfigMap set to CLOSED with
// cursor RESUME or CREATE, then the fault-quarantine Deployment restarted. The audit row keeps the
// breaker's status and cursor before and after, and the events waiting behind it (fault-quarantine's
// backlog, as the Pipeline page shows it). Refused, with one audit row and nothing written: no
// cluster configured, a breaker that is not TRIPPED, one that changed since the page showed it (the
// ConfigMap's resourceVersion the page sends), a Deployment missing or paused, RBAC that does not
// allow a step (the restart is tried as a dry run first). A restart refused after the ConfigMap was
// written is an error that says how the ConfigMap was left (put back to TRIPPED, or not), recorded
// as the state after. The answer waits (at most 10 s) until this replica's watch has the ConfigMap
// the console left, so the page read on the answer shows it.
import {
  BreakerRestartFailed,
  breakerSeenByWatch,
  faultQuarantineDeploymentFromEnv,
  resetCircuitBreaker,
  type BreakerResetResult,
} from '@/lib/cluster/breaker-reset';
import { ClusterRefusal } from '@/lib/cluster/node-uncordon';
import type { AppContext } from '@/lib/context/app-context';
import { CIRCUIT_BREAKER_CONFIGMAP } from '@/lib/nvsentinel/kubernetes-keys';
import { consumerLagReading } from '@/lib/queries/pipeline';

import { cursorOf, parseBreakerReset, type BreakerResetInput } from './breaker-reset-input';
import type { Mutation, MutationOutcome } from './mutation';

/** fault-quarantine's documents behind, from the live hub's newest lag reading; null when unknown. */
function waitingEvents(context: AppContext): number | null {
  const hub = context.currentLiveHub();
  const reading = hub ? consumerLagReading(hub) : null;
  return reading?.consumers.find((consumer) => consumer.consumer === 'fault-quarantine')?.documentsBehind ?? null;
}

// One reset at a time in this process: a double click must not restart fault-quarantine twice.
const holder = globalThis as unknown as { sentinelBreakerReset?: { busy: boolean } };
const lock = (holder.sentinelBreakerReset ??= { busy: false });

const waitingText = (waiting: number | null) =>
  waiting === null ? 'an unknown number of events' : `${waiting.toLocaleString('en-US')} waiting events`;

/** Said when this replica's watch had not yet seen what the console wrote when the answer went. */
const WATCH_LATE =
  " (this console's watch had not seen the change within 10 s: the Pipeline page shows it once it does)";

export const resetBreakerMutation: Mutation<BreakerResetInput> = {
  action: 'circuit-breaker.reset',
  permission: 'breaker:reset',
  parse: parseBreakerReset,
  rawTarget: () => CIRCUIT_BREAKER_CONFIGMAP,
  target: () => CIRCUIT_BREAKER_CONFIGMAP,
  reason: (value) => value.reason,
  run: async ({ mode, resourceVersion: shown }, _actor, context): Promise<MutationOutcome> => {
    const cluster = context.cluster();
    const watched = cluster?.state.breaker();
    const before = {
      status: watched?.status ?? null,
      cursor: watched?.cursor ?? null,
      resourceVersion: watched?.resourceVersion ?? null,
      waiting: waitingEvents(context),
    };
    if (!cluster)
      return {
        ok: false,
        outcome: 'invalid',
        status: 409,
        error:
          "the circuit breaker lives in NVSentinel's circuit-breaker ConfigMap, and this console has no Kubernetes cluster configured (KUBECONFIG or in-cluster access); reset it with kubectl as NVSentinel's runbook says, or give the console cluster access",
        before,
      };
    const deployment = faultQuarantineDeploymentFromEnv();
    if (lock.busy)
      return { ok: false, outcome: 'invalid', status: 409, error: 'a reset of the breaker is already running', before };
    lock.busy = true;
    const { namespace } = cluster.access;
    const cursor = cursorOf(mode);
    let result: BreakerResetResult;
    try {
      result = await resetCircuitBreaker(cluster.access.config, { namespace, deployment }, cursor, { shown });
    } catch (error) {
      if (!(error instanceof ClusterRefusal)) throw error;
      if (!(error instanceof BreakerRestartFailed)) {
        const status = error.status === 404 ? 404 : error.status === 409 ? 409 : 500;
        return { ok: false, outcome: status === 500 ? 'error' : 'invalid', status, error: error.message, before };
      }
      // The ConfigMap was written: say how it was left, and answer once the page would show it.
      const left = error.configMap;
      const seen = await breakerSeenByWatch(cluster.state, left?.resourceVersion ?? null);
      return {
        ok: false,
        outcome: 'error',
        status: 500,
        error: error.message + (seen || !left ? '' : WATCH_LATE),
        before: { ...before, status: 'TRIPPED' },
        after: {
          status: left?.status ?? null,
          cursor: left?.cursor ?? null,
          resourceVersion: left?.resourceVersion ?? null,
          namespace,
          deployment,
          restart: 'failed',
          putBack: error.putBack,
        },
      };
    } finally {
      lock.busy = false;
    }
    if (result.kind === 'not-tripped')
      return {
        ok: false,
        outcome: 'invalid',
        status: 409,
        error: `the breaker is not tripped (the ConfigMap says ${result.status ?? 'no status'}); there is nothing to reset`,
        before: { ...before, status: result.status, cursor: result.cursor, resourceVersion: result.resourceVersion },
      };
    if (result.kind === 'changed')
      return {
        ok: false,
        outcome: 'invalid',
        status: 409,
        error: `the breaker tripped again since you looked (its ConfigMap changed: resourceVersion ${result.resourceVersion ?? 'unknown'} now, the page showed ${result.shown}); nothing was reset: look at the Pipeline page again and reset from there if it is still meant`,
        before: { ...before, status: result.status, cursor: result.cursor, resourceVersion: result.resourceVersion },
      };
    const { configMap, deployment: restart } = result;
    const seen = await breakerSeenByWatch(cluster.state, configMap.resourceVersion);
    const next =
      cursor === 'RESUME'
        ? `it processes the ${waitingText(before.waiting)} first`
        : `it skips the ${waitingText(before.waiting)} and starts from now`;
    return {
      ok: true,
      message: `Breaker reset: the API server stored ConfigMap ${CIRCUIT_BREAKER_CONFIGMAP} with status ${configMap.status} and cursor ${configMap.cursor} (resourceVersion ${configMap.resourceVersion ?? 'unknown'}) and accepted the restart of Deployment ${restart.name} (restart requested: restartedAt ${restart.restartedAt}${restart.generation === null ? '' : `, generation ${restart.generation}`}); when fault-quarantine starts again ${next}. Follow the restart with kubectl rollout status deploy ${restart.name} -n ${namespace}.${seen ? '' : WATCH_LATE}`,
      before: { ...before, ...result.before },
      after: {
        status: configMap.status,
        cursor: configMap.cursor,
        resourceVersion: configMap.resourceVersion,
        waiting: before.waiting,
        namespace,
        deployment: restart.name,
        restart: 'requested',
        restartRequestedAt: restart.restartedAt,
      },
    };
  },
};
