// The circuit breaker's reset from the console (admins only): NVSentinel's runbook reset done through
// the API server (lib/cluster/breaker-reset.ts): the circuit-breaker ConfigMap set to CLOSED with
// cursor RESUME or CREATE, then the fault-quarantine Deployment restarted. The audit row keeps the
// breaker's status and cursor before and after, and the events waiting behind it (fault-quarantine's
// backlog, as the Pipeline page shows it). Refused, with one audit row and nothing written: no
// cluster configured, a breaker that is not TRIPPED, a Deployment missing or paused, RBAC that does
// not allow a step. A ConfigMap written whose restart then failed is an error that says so.
import {
  BreakerRestartFailed,
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

export const resetBreakerMutation: Mutation<BreakerResetInput> = {
  action: 'circuit-breaker.reset',
  permission: 'breaker:reset',
  parse: parseBreakerReset,
  rawTarget: () => CIRCUIT_BREAKER_CONFIGMAP,
  target: () => CIRCUIT_BREAKER_CONFIGMAP,
  reason: (value) => value.reason,
  run: async ({ mode }, _actor, context): Promise<MutationOutcome> => {
    const cluster = context.cluster();
    const watched = cluster?.state.breaker();
    const before = {
      status: watched?.status ?? null,
      cursor: watched?.cursor ?? null,
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
    if (lock.busy)
      return { ok: false, outcome: 'invalid', status: 409, error: 'a reset of the breaker is already running', before };
    lock.busy = true;
    const { namespace } = cluster.access;
    const cursor = cursorOf(mode);
    let result: BreakerResetResult;
    try {
      const deployment = faultQuarantineDeploymentFromEnv();
      result = await resetCircuitBreaker(cluster.access.config, { namespace, deployment }, cursor);
    } catch (error) {
      if (!(error instanceof ClusterRefusal)) throw error;
      const status =
        error instanceof BreakerRestartFailed ? 500 : error.status === 404 ? 404 : error.status === 409 ? 409 : 500;
      return {
        ok: false,
        outcome: status === 500 ? 'error' : 'invalid',
        status,
        error: error.message,
        before: error instanceof BreakerRestartFailed ? { ...before, status: 'TRIPPED' } : before,
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
        before: { ...before, status: result.status, cursor: result.cursor },
      };
    const { configMap, deployment } = result;
    const next =
      cursor === 'RESUME'
        ? `it processes the ${waitingText(before.waiting)} first`
        : `it skips the ${waitingText(before.waiting)} and starts from now`;
    return {
      ok: true,
      message: `Breaker reset: the API server stored ConfigMap ${CIRCUIT_BREAKER_CONFIGMAP} with status ${configMap.status} and cursor ${configMap.cursor} (resourceVersion ${configMap.resourceVersion ?? 'unknown'}) and restarted Deployment ${deployment.name} (restartedAt ${deployment.restartedAt}${deployment.generation === null ? '' : `, generation ${deployment.generation}`}); when fault-quarantine starts again ${next}.`,
      before: { ...before, status: result.before.status, cursor: result.before.cursor },
      after: {
        status: configMap.status,
        cursor: configMap.cursor,
        waiting: before.waiting,
        namespace,
        deployment: deployment.name,
        restartedAt: deployment.restartedAt,
      },
    };
  },
};
