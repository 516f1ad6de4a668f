// The circuit breaker's reset, exactly as NVSentinel's runbook does it
// (lalitadithya/NVSentinel @ 42672ae, docs/runbooks/circuit-breaker.md:72-100):
//   kubectl patch cm circuit-breaker -n nvsentinel -p '{"data":{"status":"CLOSED","cursor":"RESUME|CREATE"}}'
//   kubectl rollout restart deploy fault-quarantine -n nvsentinel
//   kubectl rollout status deploy fault-quarantine -n nvsentinel
// fault-quarantine reads the ConfigMap only when it starts (fault-quarantine/pkg/breaker/breaker.go:66-77),
// so the write alone changes nothing: the restart is what closes it. With cursor CREATE it deletes its
// resume position before opening the change stream (reconciler.go:176-181, 408-459) and skips the
// backlog; with RESUME it processes it.
//  - The ConfigMap is written as fault-quarantine writes it (GET, change, PUT with the read
//    resourceVersion, again on 409: k8s_client.go:228-253 via lib/nvsentinel/get-change-update.ts), and
//    only while it says TRIPPED (and, from a page, at the resourceVersion the page showed), so a reset
//    never overwrites a state it did not see.
//  - Before that write the Deployment is read (missing, unreadable or paused: nothing is written) and
//    its restart is sent as a dry run (?dryRun=All), so RBAC lacking deployments patch or an admission
//    refusal stops the reset before the ConfigMap says CLOSED. A ConfigMap saying CLOSED over a
//    fault-quarantine still tripped would show CLOSED everywhere and hide the reset.
//  - Then the restart, as `kubectl rollout restart` does it: a strategic-merge patch of the pod
//    template's kubectl.kubernetes.io/restartedAt annotation (kubectl polymorphichelpers/objectrestarter.go,
//    which also refuses a paused Deployment). The time is RFC 3339 with milliseconds (kubectl writes
//    whole seconds), so two resets within one second still differ and both restart. The API server
//    accepting it means the restart is requested: the rollout is the deployment controller's (the
//    runbook follows it with `kubectl rollout status`).
//  - A restart refused even so puts the ConfigMap back to TRIPPED with its cursor, if it is still as
//    the console wrote it (PUT with that write's resourceVersion); else it is left, and said so.
//  - Its name is fixed by NVSentinel's chart (charts/fault-quarantine/templates/_helpers.tpl:11-13,
//    deployment.yaml:17): `fault-quarantine`; NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT names another.
// Every refusal of the API server is a ClusterRefusal in words, naming the verb RBAC lacks.
import { ApiException, AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig, V1ConfigMap, V1Deployment } from '@kubernetes/client-node';

import { getChangeUpdate } from '@/lib/nvsentinel/get-change-update';
import { CIRCUIT_BREAKER_CONFIGMAP } from '@/lib/nvsentinel/kubernetes-keys';
import type { Environment } from '@/lib/store';

import type { ClusterState } from './cluster-state';
import { ClusterRefusal } from './node-uncordon';

/** fault-quarantine's Deployment in NVSentinel's chart. */
const FAULT_QUARANTINE_DEPLOYMENT = 'fault-quarantine';

/** The annotation `kubectl rollout restart` sets on the pod template. */
const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/** Where fault-quarantine starts after the restart (breaker/types.go:24-29): RESUME the backlog, or CREATE from now. */
export type BreakerCursor = 'RESUME' | 'CREATE';

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The fault-quarantine Deployment's name: NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT, else the chart's. */
export function faultQuarantineDeploymentFromEnv(env: Environment = process.env): string {
  const raw = env.NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT?.trim();
  if (!raw) return FAULT_QUARANTINE_DEPLOYMENT;
  if (raw.length > 63 || !DNS_1123_LABEL.test(raw))
    throw new Error(
      `NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT must be a Deployment name (lowercase letters, digits and "-", at most 63) (got "${raw}")`,
    );
  return raw;
}

/** The ConfigMap as the console read or left it, for the audit log and the watch. */
export interface BreakerConfigMapState {
  status: string | null;
  cursor: string | null;
  resourceVersion: string | null;
}

const stateOf = (map: V1ConfigMap): BreakerConfigMapState => ({
  status: map.data?.status ?? null,
  cursor: map.data?.cursor ?? null,
  resourceVersion: map.metadata?.resourceVersion ?? null,
});

/**
 * The restart failed after the ConfigMap was written. fault-quarantine was not restarted, so it keeps
 * its tripped state; the ConfigMap was put back to TRIPPED (`putBack`) or left as it is. `configMap`:
 * how it was left (null when it could not be read).
 */
export class BreakerRestartFailed extends ClusterRefusal {
  constructor(
    status: number,
    message: string,
    readonly configMap: BreakerConfigMapState | null,
    readonly putBack: boolean,
  ) {
    super(status, message);
  }
}

export type BreakerResetResult =
  | ({ kind: 'not-tripped' } & BreakerConfigMapState)
  /** TRIPPED, but not at the resourceVersion the page showed: it tripped again (or was edited) since. */
  | ({ kind: 'changed'; shown: string } & BreakerConfigMapState)
  | {
      kind: 'reset';
      before: BreakerConfigMapState;
      /** The ConfigMap as the API server stored it. */
      configMap: { status: string; cursor: string; resourceVersion: string | null };
      /** The restart the API server accepted (requested: the rollout itself is the deployment controller's). */
      deployment: { name: string; restartedAt: string; generation: number | null };
    };

interface Step {
  verb: 'get' | 'update' | 'patch';
  resource: 'configmaps' | 'deployments';
  name: string;
}

/** The message of the API server's Status in an ApiException's body, if it has one. */
function statusMessage(error: ApiException<unknown>): string | null {
  try {
    const body: unknown = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
    const message = (body as { message?: unknown } | null)?.message;
    return typeof message === 'string' && message ? message : null;
  } catch {
    return null;
  }
}

function refusal(error: unknown, step: Step, namespace: string, conflicts: number): ClusterRefusal {
  if (error instanceof ClusterRefusal) return error;
  if (!(error instanceof ApiException))
    return new ClusterRefusal(503, `the Kubernetes API server could not be reached: ${(error as Error).message}`);
  const code = error.code as number;
  const what = step.resource === 'configmaps' ? `ConfigMap ${step.name}` : `Deployment ${step.name}`;
  if (code === 403)
    return new ClusterRefusal(
      403,
      `the console's Kubernetes account may not ${step.verb} ${step.resource} "${step.name}" in namespace ${namespace} (RBAC: ${step.resource} ${step.verb}; see deploy/kubernetes/rbac.yaml)`,
    );
  if (code === 404)
    return new ClusterRefusal(
      404,
      step.resource === 'configmaps'
        ? `NVSentinel's ${what} does not exist in namespace ${namespace}: fault-quarantine creates it (CLOSED) when it starts; is NVSentinel installed there (NVSENTINEL_NAMESPACE)?`
        : `the ${what} does not exist in namespace ${namespace}: it is fault-quarantine's Deployment in NVSentinel's chart; set NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT if yours is named otherwise`,
    );
  if (code === 409 && step.resource === 'configmaps')
    return new ClusterRefusal(
      409,
      `the ${what} kept changing while the console wrote it (${conflicts} conflicts in a row); nothing was reset; try again`,
    );
  const said = statusMessage(error);
  return new ClusterRefusal(
    code >= 500 ? 503 : code,
    `the Kubernetes API server refused to ${step.verb} the ${what} (${code}${said ? `: ${said}` : ''})`,
  );
}

/** `kubectl rollout restart`'s patch: the pod template's restartedAt annotation. */
const restartPatch = (restartedAt: string) => ({
  spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt } } } },
});

/**
 * Resets a TRIPPED breaker: the ConfigMap to status CLOSED with `cursor`, then fault-quarantine
 * restarted. `shown`, when given, is the ConfigMap's resourceVersion the page showed: a breaker that
 * tripped again (or was changed) since is left alone ('changed'), as is one that is not TRIPPED
 * ('not-tripped'). The restart is asked first as a dry run, so RBAC or an admission refusal stops
 * the reset before anything is written. Throws ClusterRefusal for what the API server refuses before
 * anything is written, and BreakerRestartFailed when the ConfigMap was written but the restart was
 * refused (after putting the ConfigMap back, see putBackTripped).
 */
export async function resetCircuitBreaker(
  config: KubeConfig,
  target: { namespace: string; deployment: string },
  cursor: BreakerCursor,
  options: { shown?: string; attempts?: number } = {},
): Promise<BreakerResetResult> {
  const { namespace, deployment: deploymentName } = target;
  const { shown, attempts = 10 } = options;
  const core = config.makeApiClient(CoreV1Api);
  const apps = config.makeApiClient(AppsV1Api);
  const name = CIRCUIT_BREAKER_CONFIGMAP;
  const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
  const restartedAt = new Date().toISOString();
  let step: Step = { verb: 'get', resource: 'configmaps', name };
  let conflicts = 0;
  let read: BreakerConfigMapState = { status: null, cursor: null, resourceVersion: null };
  let changed = false;
  let restartChecked = false;
  let written: V1ConfigMap;
  try {
    written = await getChangeUpdate({
      read: async () => {
        step = { verb: 'get', resource: 'configmaps', name };
        const map = await core.readNamespacedConfigMap({ name, namespace });
        const asShown = shown === undefined || map.metadata?.resourceVersion === shown;
        // The restart before any write: a reset that could not restart it is refused whole.
        if (map.data?.status === 'TRIPPED' && asShown && !restartChecked) {
          step = { verb: 'get', resource: 'deployments', name: deploymentName };
          const deployment = await apps.readNamespacedDeployment({ name: deploymentName, namespace });
          if (deployment.spec?.paused)
            throw new ClusterRefusal(
              409,
              `the Deployment ${deploymentName} in namespace ${namespace} is paused, so a restart would not roll it (kubectl refuses too: run kubectl rollout resume deploy ${deploymentName} -n ${namespace} first); nothing was reset`,
            );
          step = { verb: 'patch', resource: 'deployments', name: deploymentName };
          try {
            await apps.patchNamespacedDeployment(
              { name: deploymentName, namespace, body: restartPatch(restartedAt), dryRun: 'All' },
              strategic,
            );
          } catch (error) {
            const cause = refusal(error, step, namespace, 0);
            throw new ClusterRefusal(
              cause.status,
              `${cause.message}; found by a dry run of the restart before anything was written: nothing was reset`,
            );
          }
          restartChecked = true;
        }
        return map;
      },
      change: (map) => {
        read = stateOf(map);
        if (read.status !== 'TRIPPED') return false;
        changed = shown !== undefined && read.resourceVersion !== shown;
        if (changed) return false;
        map.data = { ...map.data, status: 'CLOSED', cursor };
        step = { verb: 'update', resource: 'configmaps', name };
        return true;
      },
      write: async (map) => {
        try {
          return await core.replaceNamespacedConfigMap({ name, namespace, body: map });
        } catch (error) {
          if ((error as { code?: number }).code === 409) conflicts += 1;
          throw error;
        }
      },
      attempts,
    });
  } catch (error) {
    throw refusal(error, step, namespace, conflicts);
  }
  if (read.status !== 'TRIPPED') return { kind: 'not-tripped', ...read };
  if (changed) return { kind: 'changed', shown: shown!, ...read };

  let restarted: V1Deployment;
  try {
    restarted = await apps.patchNamespacedDeployment(
      { name: deploymentName, namespace, body: restartPatch(restartedAt) },
      strategic,
    );
  } catch (error) {
    const cause = refusal(error, { verb: 'patch', resource: 'deployments', name: deploymentName }, namespace, 0);
    throw await putBackTripped(core, { namespace, deployment: deploymentName }, written, read, cause);
  }
  return {
    kind: 'reset',
    before: read,
    configMap: {
      status: written.data?.status ?? 'CLOSED',
      cursor: written.data?.cursor ?? cursor,
      resourceVersion: written.metadata?.resourceVersion ?? null,
    },
    deployment: {
      name: deploymentName,
      restartedAt: restarted.spec?.template?.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] ?? restartedAt,
      generation: restarted.metadata?.generation ?? null,
    },
  };
}

/**
 * After a refused restart: the ConfigMap back to TRIPPED with the cursor it had, written with the
 * resourceVersion of the console's own write, so a ConfigMap someone changed since (fault-quarantine,
 * kubectl, another replica) is left as it is. The error says which happened and, when it still says
 * CLOSED, how to finish by hand.
 */
async function putBackTripped(
  core: CoreV1Api,
  target: { namespace: string; deployment: string },
  written: V1ConfigMap,
  before: BreakerConfigMapState,
  cause: ClusterRefusal,
): Promise<BreakerRestartFailed> {
  const { namespace, deployment } = target;
  const name = CIRCUIT_BREAKER_CONFIGMAP;
  const first = `the restart of fault-quarantine failed: ${cause.message}. The console had set the circuit-breaker ConfigMap to CLOSED (cursor ${written.data?.cursor ?? 'none'}) first`;
  const byHand = `fault-quarantine reads it only when it starts and stays tripped until it is restarted: kubectl rollout restart deploy ${deployment} -n ${namespace}`;
  const data: Record<string, string> = { ...written.data, status: 'TRIPPED' };
  if (before.cursor === null) delete data.cursor;
  else data.cursor = before.cursor;
  try {
    const restored = await core.replaceNamespacedConfigMap({ name, namespace, body: { ...written, data } });
    return new BreakerRestartFailed(
      cause.status,
      `${first} and has put it back to TRIPPED (cursor ${before.cursor ?? 'none'}): nothing was reset, fault-quarantine is still tripped; try again`,
      stateOf(restored),
      true,
    );
  } catch (error) {
    const now = await core.readNamespacedConfigMap({ name, namespace }).then(stateOf, () => null);
    const said = now ? `now ${now.status ?? 'no status'}, cursor ${now.cursor ?? 'none'}` : 'now unreadable';
    if ((error as { code?: number }).code === 409)
      return new BreakerRestartFailed(
        cause.status,
        `${first}; it changed after that write (${said}), so the console left it as it is: ${byHand}`,
        now,
        false,
      );
    const problem = refusal(error, { verb: 'update', resource: 'configmaps', name }, namespace, 0).message;
    return new BreakerRestartFailed(
      cause.status,
      `${first}; putting it back to TRIPPED failed too (${problem}), so it still says CLOSED (${said}): ${byHand}`,
      now,
      false,
    );
  }
}

/**
 * Waits (at most `timeoutMs`) until this process's watch has seen the breaker's ConfigMap at
 * `resourceVersion` or later, so the page read next shows what the console wrote. Never fails: a
 * late watch only delays the page (false).
 */
export async function breakerSeenByWatch(
  state: Pick<ClusterState, 'breaker' | 'onBreaker'>,
  resourceVersion: string | null,
  timeoutMs = 10_000,
): Promise<boolean> {
  if (!resourceVersion) return false;
  const caughtUp = () => {
    const seen = state.breaker().resourceVersion;
    if (!seen) return false;
    if (seen === resourceVersion) return true;
    // resourceVersions are opaque, but the API server's are etcd revisions: integers that only grow.
    return /^\d+$/.test(seen) && /^\d+$/.test(resourceVersion) && BigInt(seen) > BigInt(resourceVersion);
  };
  if (caughtUp()) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stop();
      resolve(false);
    }, timeoutMs);
    const stop = state.onBreaker(() => {
      if (!caughtUp()) return;
      clearTimeout(timer);
      stop();
      resolve(true);
    });
  });
}
