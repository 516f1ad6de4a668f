// Writes with ?dryRun=All on the twin API server, as the real server takes them (k8s.io/apiserver
// pkg/registry/generic/registry/dryrun.go): RBAC, validation and a stale resourceVersion are refused
// as for the write itself; an accepted one is answered with what would be stored, and nothing is
// kept: no new resourceVersion, no watch event. A dryRun value other than All is 422 Invalid in the
// server's words (apimachinery pkg/apis/meta/v1/validation/validation.go: ValidateDryRun). The console's
// breaker reset asks the Deployment's restart as a dry run before it writes anything.
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { NVSENTINEL_NAMESPACE } from '@/lib/nvsentinel/kubernetes-keys';
import type { StoredChange } from '@/lib/simulator/kubernetes/object-store';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';

import { until } from '../../support/until';

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const namespace = NVSENTINEL_NAMESPACE;

describe('dry runs on the twin API server', () => {
  let cluster: TwinCluster;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  const refused = new Set<string>();
  const changes: StoredChange[] = [];

  beforeAll(async () => {
    cluster = await startTwinCluster(['gpu-1'], { forbid: (verb, resource) => refused.has(`${verb} ${resource}`) });
    core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    apps = cluster.kubeConfig().makeApiClient(AppsV1Api);
    cluster.api.store.subscribe((change) => changes.push(change));
  });
  afterAll(async () => {
    await cluster?.close();
  });

  /** Runs `write` and answers its ApiException (fails when it succeeds). */
  const refusal = async (write: () => Promise<unknown>) => {
    const error = (await write().then(
      () => null,
      (caught: unknown) => caught,
    )) as ApiException<string> | null;
    expect(error).toBeInstanceOf(ApiException);
    return { code: error!.code, status: JSON.parse(error!.body) as { reason: string; message: string } };
  };
  const restart = (dryRun: string | undefined, at = '2026-12-06T10:00:00.000Z') =>
    apps.patchNamespacedDeployment(
      {
        name: 'fault-quarantine',
        namespace,
        body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } },
        dryRun,
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );

  it('a dry-run patch is answered with the patched object and changes nothing: same resourceVersion, no watch event', async () => {
    const before = await apps.readNamespacedDeployment({ name: 'fault-quarantine', namespace });
    const revision = cluster.api.store.resourceVersion;
    changes.length = 0;
    const answered = await restart('All');
    expect(answered.spec?.template?.metadata?.annotations?.[RESTARTED_AT]).toBe('2026-12-06T10:00:00.000Z');
    expect(answered.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    const after = await apps.readNamespacedDeployment({ name: 'fault-quarantine', namespace });
    expect(after.spec?.template?.metadata?.annotations?.[RESTARTED_AT]).toBeUndefined();
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(cluster.api.store.resourceVersion).toBe(revision);
    expect(changes).toEqual([]);
    // The same patch for real is stored and seen.
    const stored = await restart(undefined);
    expect(stored.metadata?.resourceVersion).not.toBe(before.metadata?.resourceVersion);
    expect(changes.map((change) => change.type)).toContain('MODIFIED');
    // The twin's deployment controller rolls the restart out in two status writes: done before the next test counts.
    await until('the restart rolled out', async () =>
      (await apps.readNamespacedDeployment({ name: 'fault-quarantine', namespace })).status?.conditions?.some(
        (condition) => condition.reason === 'NewReplicaSetAvailable',
      ),
    );
  });

  it('refuses a dry run as it refuses the write: RBAC (403), a stale resourceVersion (409), invalid metadata (422)', async () => {
    refused.add('patch deployments');
    try {
      expect((await refusal(() => restart('All'))).code).toBe(403);
    } finally {
      refused.clear();
    }
    const map = await core.readNamespacedConfigMap({ name: 'circuit-breaker', namespace });
    const stale: V1ConfigMap = { ...map, metadata: { ...map.metadata, resourceVersion: '1' } };
    expect(
      (
        await refusal(() =>
          core.replaceNamespacedConfigMap({ name: 'circuit-breaker', namespace, body: stale, dryRun: 'All' }),
        )
      ).code,
    ).toBe(409);
    const badLabel: V1ConfigMap = { ...map, metadata: { ...map.metadata, labels: { 'bad label': 'x' } } };
    expect(
      (
        await refusal(() =>
          core.replaceNamespacedConfigMap({ name: 'circuit-breaker', namespace, body: badLabel, dryRun: 'All' }),
        )
      ).code,
    ).toBe(422);
    expect((await core.readNamespacedConfigMap({ name: 'circuit-breaker', namespace })).metadata?.resourceVersion).toBe(
      map.metadata?.resourceVersion,
    );
  });

  it('a dry-run update, create and delete keep nothing', async () => {
    const map = await core.readNamespacedConfigMap({ name: 'circuit-breaker', namespace });
    const revision = cluster.api.store.resourceVersion;
    changes.length = 0;
    const updated = await core.replaceNamespacedConfigMap({
      name: 'circuit-breaker',
      namespace,
      body: { ...map, data: { status: 'TRIPPED', cursor: 'RESUME' } },
      dryRun: 'All',
    });
    expect(updated.data?.status).toBe('TRIPPED');
    expect((await core.readNamespacedConfigMap({ name: 'circuit-breaker', namespace })).data?.status).toBe('CLOSED');
    const created = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'only-a-dry-run' }, data: { a: 'b' } },
      dryRun: 'All',
    });
    expect(created.metadata?.name).toBe('only-a-dry-run');
    expect(created.metadata?.resourceVersion).toBeUndefined();
    expect((await refusal(() => core.readNamespacedConfigMap({ name: 'only-a-dry-run', namespace }))).code).toBe(404);
    await core.deleteNamespacedConfigMap({ name: 'circuit-breaker', namespace, dryRun: 'All' });
    expect((await core.readNamespacedConfigMap({ name: 'circuit-breaker', namespace })).data?.status).toBe('CLOSED');
    expect(cluster.api.store.resourceVersion).toBe(revision);
    expect(changes).toEqual([]);
  });

  it('refuses a dryRun value other than All as the server words it (422 Invalid), writing nothing', async () => {
    const revision = cluster.api.store.resourceVersion;
    const { code, status } = await refusal(() => restart('Everything'));
    expect(code).toBe(422);
    expect(status).toMatchObject({
      reason: 'Invalid',
      message:
        'PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Everything"}: supported values: "All"',
    });
    expect(cluster.api.store.resourceVersion).toBe(revision);
  });
});
