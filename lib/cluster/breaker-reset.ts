// The circuit breaker's reset, exactly as NVSentinel's runbook does it
// (lalitadithya/NVSentinel @ 42672ae, docs/runbooks/circuit-breaker.md:72-100):
//   kubectl patch cm circuit-breaker -n nvsentinel -p '{"data":{"status":"CLOSED","cursor":"RESUME|CREATE"}}'
//   kubectl rollout restart deploy fault-quarantine -n nvsentinel
// fault-quarantine reads the ConfigMap only when it starts (fault-quarantine/pkg/breaker/breaker.go:66-77),
// so the write alone changes nothing: the restart is what closes it. With cursor CREATE it deletes its
// resume position before opening the change stream (reconciler.go:176-181, 408-459) and skips the
// backlog; with RESUME it processes it.
//  - The ConfigMap is written as fault-quarantine writes it (GET, change, PUT with the read
//    resourceVersion, again on 409: k8s_client.go:228-253 via lib/nvsentinel/get-change-update.ts), and
//    only while it says TRIPPED, so a reset never overwrites a state it did not see.
//  - The Deployment is read first (nothing is written when it is missing, unreadable or paused), then
//    restarted as `kubectl rollout restart` does: a strategic-merge patch of the pod template's
//    kubectl.kubernetes.io/restartedAt annotation (kubectl polymorphichelpers/objectrestarter.go, which
//    also refuses a paused Deployment). The time is RFC 3339 with milliseconds (kubectl writes whole
//    seconds), so two resets within one second still differ and both restart.
//  - Its name is fixed by NVSentinel's chart (charts/fault-quarantine/templates/_helpers.tpl:11-13,
//    deployment.yaml:17): `fault-quarantine`; NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT names another.
// Every refusal of the API server is a ClusterRefusal in words, naming the verb RBAC lacks.
import { ApiException, AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig, V1ConfigMap, V1Deployment } from '@kubernetes/client-node';

import { getChangeUpdate } from '@/lib/nvsentinel/get-change-update';
import { CIRCUIT_BREAKER_CONFIGMAP } from '@/lib/nvsentinel/kubernetes-keys';
import type { Environment } from '@/lib/store';

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

/**
 * The ConfigMap said CLOSED, but fault-quarantine was not restarted: it keeps its tripped state in
 * memory until it is. The message says so and how to finish by hand.
 */
export class BreakerRestartFailed extends ClusterRefusal {}

export type BreakerResetResult =
  | { kind: 'not-tripped'; status: string | null; cursor: string | null }
  | {
      kind: 'reset';
      before: { status: string; cursor: string | null };
      /** The ConfigMap as the API server stored it. */
      configMap: { status: string; cursor: string; resourceVersion: string | null };
      deployment: { name: string; restartedAt: string; generation: number | null };
    };

interface Step {
  verb: 'get' | 'update' | 'patch';
  resource: 'configmaps' | 'deployments';
  name: string;
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
  if (code === 409)
    return new ClusterRefusal(
      409,
      `the ${what} kept changing while the console wrote it (${conflicts} conflicts in a row); nothing was reset; try again`,
    );
  return new ClusterRefusal(
    code >= 500 ? 503 : code,
    `the Kubernetes API server refused to ${step.verb} the ${what} (${code})`,
  );
}

/**
 * Resets a TRIPPED breaker: the ConfigMap to status CLOSED with `cursor`, then fault-quarantine
 * restarted. A breaker that is not TRIPPED is left as it is ('not-tripped'). Throws ClusterRefusal
 * for what the API server refuses before anything is written, and BreakerRestartFailed when the
 * ConfigMap was written but the restart was refused.
 */
export async function resetCircuitBreaker(
  config: KubeConfig,
  target: { namespace: string; deployment: string },
  cursor: BreakerCursor,
  attempts = 10,
): Promise<BreakerResetResult> {
  const { namespace, deployment: deploymentName } = target;
  const core = config.makeApiClient(CoreV1Api);
  const apps = config.makeApiClient(AppsV1Api);
  const name = CIRCUIT_BREAKER_CONFIGMAP;
  let step: Step = { verb: 'get', resource: 'configmaps', name };
  let conflicts = 0;
  let read: { status: string | null; cursor: string | null } = { status: null, cursor: null };
  let deployment: V1Deployment | undefined;
  let written: V1ConfigMap;
  try {
    written = await getChangeUpdate({
      read: async () => {
        step = { verb: 'get', resource: 'configmaps', name };
        const map = await core.readNamespacedConfigMap({ name, namespace });
        // The Deployment before any write: a reset that could not restart it is refused whole.
        if (map.data?.status === 'TRIPPED' && !deployment) {
          step = { verb: 'get', resource: 'deployments', name: deploymentName };
          deployment = await apps.readNamespacedDeployment({ name: deploymentName, namespace });
          if (deployment.spec?.paused)
            throw new ClusterRefusal(
              409,
              `the Deployment ${deploymentName} in namespace ${namespace} is paused, so a restart would not roll it (kubectl refuses too: run kubectl rollout resume deploy ${deploymentName} -n ${namespace} first); nothing was reset`,
            );
        }
        return map;
      },
      change: (map) => {
        read = { status: map.data?.status ?? null, cursor: map.data?.cursor ?? null };
        if (read.status !== 'TRIPPED') return false;
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

  const restartedAt = new Date().toISOString();
  let restarted: V1Deployment;
  try {
    restarted = await apps.patchNamespacedDeployment(
      {
        name: deploymentName,
        namespace,
        body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt } } } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
  } catch (error) {
    const cause = refusal(error, { verb: 'patch', resource: 'deployments', name: deploymentName }, namespace, 0);
    throw new BreakerRestartFailed(
      cause.status,
      `the circuit-breaker ConfigMap now says CLOSED (cursor ${cursor}), but the restart of fault-quarantine failed: ${cause.message}. fault-quarantine reads the ConfigMap only when it starts, so it keeps its tripped state until it is restarted: kubectl rollout restart deploy ${deploymentName} -n ${namespace}`,
    );
  }
  return {
    kind: 'reset',
    before: { status: 'TRIPPED', cursor: read.cursor },
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
