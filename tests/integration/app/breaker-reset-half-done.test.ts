// The breaker reset when its restart cannot be made, against the twin cluster, through the one write
// path (one audit row each). fault-quarantine reads the ConfigMap only when it starts
// (fault-quarantine/pkg/breaker/breaker.go:72-77 at 42672ae), so a ConfigMap that says CLOSED without a
// restart leaves fault-quarantine tripped while every page would say CLOSED and hide Reset…. Hence:
//  - the restart is first asked as a dry run, before anything is written: RBAC lacking deployments
//    patch (or an admission refusal) leaves everything as it was;
//  - a restart the API server refuses after the ConfigMap was written puts the ConfigMap back to
//    TRIPPED with its cursor, but only if it is still as the console wrote it, and says which;
//  - the audit row keeps the ConfigMap as it was left (stateAfter), whatever happened;
//  - the answer comes once this replica's watch has what the console wrote, however slow the watch.
// No simulated fault-quarantine here: the ConfigMap is tripped as it writes it.
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { listAudit } from '@/lib/audit/audit-log';
import { ClusterState } from '@/lib/cluster/cluster-state';
import type { AppContext } from '@/lib/context/app-context';
import { ApiError } from '@/lib/simulator/kubernetes/kube-object';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';

import { testAppContext } from '../../support/app-context';
import { consoleAuthFixture, type ConsoleAuthFixture } from '../../support/console-auth-fixture';
import { until } from '../../support/until';

const { runMutation } = await import('@/lib/actions/run-mutation');
const { resetBreakerMutation } = await import('@/lib/actions/breaker-mutations');

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const namespace = 'nvsentinel';

describe('a breaker reset whose restart cannot be made', () => {
  let cluster: TwinCluster;
  let state: ClusterState;
  let console_: ConsoleAuthFixture;
  let context: AppContext;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  const refused = new Set<string>();
  /** Requests held (or failed) by verb and resource, e.g. "patch deployments". */
  const holds = new Map<string, () => Promise<void> | undefined>();
  let requests = 0;

  const reset = async (input: Record<string, unknown>) => {
    const headers = new Headers(console_.adminHeaders);
    const requestId = `breaker-half-done-${(requests += 1)}`;
    headers.set('x-request-id', requestId);
    const result = await runMutation(context, resetBreakerMutation, input, headers);
    return { result, rows: await listAudit(console_.pool, { requestId }, 10) };
  };
  const configMap = async () => (await core.readNamespacedConfigMap({ name: 'circuit-breaker', namespace })).data;
  const restartedAt = async () =>
    (await apps.readNamespacedDeployment({ name: 'fault-quarantine', namespace })).spec?.template?.metadata
      ?.annotations?.[RESTARTED_AT];
  const patchConfigMap = (data: Record<string, string>) =>
    core.patchNamespacedConfigMap(
      { name: 'circuit-breaker', namespace, body: { data } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  /** Tripped as fault-quarantine writes it, and seen by this replica's watch (what the page shows). */
  const trip = async () => {
    await patchConfigMap({ status: 'TRIPPED', cursor: 'RESUME' });
    await until('the trip watched', async () => state.breaker().status === 'TRIPPED');
    return state.breaker().resourceVersion;
  };
  /** The dry run passes; the restart itself is answered `error` (after `meanwhile`, if given). */
  const failRestart = (error: ApiError, meanwhile?: () => Promise<unknown>) => {
    let patches = 0;
    holds.set('patch deployments', () => {
      patches += 1;
      if (patches !== 2) return undefined;
      return (meanwhile?.() ?? Promise.resolve()).then(() => Promise.reject(error));
    });
    return () => patches;
  };

  beforeAll(async () => {
    cluster = await startTwinCluster(['gpu-1', 'gpu-2'], {
      forbid: (verb, resource) => refused.has(`${verb} ${resource}`),
      hold: (verb, resource) => holds.get(`${verb} ${resource}`)?.(),
    });
    core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    apps = cluster.kubeConfig().makeApiClient(AppsV1Api);
    state = new ClusterState(cluster.kubeConfig(), namespace);
    await state.start();
    console_ = await consoleAuthFixture();
    const access = {
      config: cluster.kubeConfig(),
      source: 'kubeconfig' as const,
      server: cluster.api.url,
      context: 'sentinel-twin',
      namespace,
    };
    context = testAppContext({ consolePool: console_.pool, auth: console_.auth, cluster: { access, state } });
  }, 120_000);
  afterAll(async () => {
    await console_?.close();
    await state?.stop();
    await cluster?.close();
  });

  it('a restart RBAC refuses is found by a dry run before anything is written: nothing reset, the breaker still TRIPPED', async () => {
    const shown = await trip();
    const before = await restartedAt();
    refused.add('patch deployments');
    try {
      // A script may leave out what it saw.
      const { result, rows } = await reset({ mode: 'resume', reason: 'after the RBAC change' });
      const error =
        'the console\'s Kubernetes account may not patch deployments "fault-quarantine" in namespace nvsentinel (RBAC: deployments patch; see deploy/kubernetes/rbac.yaml); found by a dry run of the restart before anything was written: nothing was reset';
      expect(result).toEqual({ ok: false, outcome: 'error', status: 500, error });
      expect(rows).toMatchObject([{ outcome: 'error', detail: error, stateBefore: { status: 'TRIPPED' } }]);
    } finally {
      refused.clear();
    }
    expect(await configMap()).toEqual({ status: 'TRIPPED', cursor: 'RESUME' });
    expect(state.breaker().resourceVersion).toBe(shown);
    expect(await restartedAt()).toBe(before);
  });

  it('a restart the API server refuses after the ConfigMap was written: the ConfigMap put back to TRIPPED, said so and audited, and Reset works again', async () => {
    const shown = state.breaker().resourceVersion;
    const before = await restartedAt();
    const patches = failRestart(new ApiError(500, 'InternalError', 'etcdserver: request timed out'));
    try {
      const { result, rows } = await reset({
        mode: 'create',
        reason: 'after a storage hiccup',
        resourceVersion: shown,
      });
      const error =
        'the restart of fault-quarantine failed: the Kubernetes API server refused to patch the Deployment fault-quarantine (500: etcdserver: request timed out). The console had set the circuit-breaker ConfigMap to CLOSED (cursor CREATE) first and has put it back to TRIPPED (cursor RESUME): nothing was reset, fault-quarantine is still tripped; try again';
      expect(result).toEqual({ ok: false, outcome: 'error', status: 500, error });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: 'error',
        detail: error,
        stateBefore: { status: 'TRIPPED', cursor: 'RESUME', resourceVersion: shown },
        stateAfter: { status: 'TRIPPED', cursor: 'RESUME', restart: 'failed', putBack: true },
      });
      // The page read next shows TRIPPED, with Reset… offered again.
      expect(state.breaker().status).toBe('TRIPPED');
    } finally {
      holds.clear();
    }
    expect(patches()).toBe(2);
    expect(await configMap()).toEqual({ status: 'TRIPPED', cursor: 'RESUME' });
    expect(await restartedAt()).toBe(before);
    // The retry, from the page as it now is, resets it.
    const again = await reset({
      mode: 'create',
      reason: 'after a storage hiccup, again',
      resourceVersion: state.breaker().resourceVersion,
    });
    expect(again.result).toMatchObject({ ok: true });
    expect(await configMap()).toEqual({ status: 'CLOSED', cursor: 'CREATE' });
    expect(await restartedAt()).not.toBe(before);
  });

  it('a ConfigMap changed by someone else before the put-back is left as it is, and the error says what to do', async () => {
    const shown = await trip();
    failRestart(new ApiError(500, 'InternalError', 'etcdserver: request timed out'), () =>
      // Someone edits the ConfigMap between the console's write and its put-back.
      patchConfigMap({ cursor: 'CREATE' }),
    );
    try {
      const { result, rows } = await reset({ mode: 'resume', reason: 'after the switch fix', resourceVersion: shown });
      const error =
        'the restart of fault-quarantine failed: the Kubernetes API server refused to patch the Deployment fault-quarantine (500: etcdserver: request timed out). The console had set the circuit-breaker ConfigMap to CLOSED (cursor RESUME) first; it changed after that write (now CLOSED, cursor CREATE), so the console left it as it is: fault-quarantine reads it only when it starts and stays tripped until it is restarted: kubectl rollout restart deploy fault-quarantine -n nvsentinel';
      expect(result).toEqual({ ok: false, outcome: 'error', status: 500, error });
      expect(rows).toMatchObject([
        { outcome: 'error', stateAfter: { status: 'CLOSED', cursor: 'CREATE', restart: 'failed', putBack: false } },
      ]);
    } finally {
      holds.clear();
    }
    expect(await configMap()).toEqual({ status: 'CLOSED', cursor: 'CREATE' });
  });

  it('answers once this replica has watched what it wrote, even when the watch is slow', async () => {
    const shown = await trip();
    // The breaker's watch is cut and comes back only 1.5 s after the console writes the ConfigMap.
    let release!: () => void;
    const slowWatch = new Promise<void>((resolve) => (release = resolve));
    holds.set('watch configmaps', () => slowWatch);
    holds.set('update configmaps', () => {
      setTimeout(release, 1_500);
      return undefined;
    });
    try {
      cluster.api.endWatches();
      const { result } = await reset({ mode: 'resume', reason: 'the watch is slow today', resourceVersion: shown });
      expect(result).toMatchObject({ ok: true });
      expect(state.breaker()).toMatchObject({ status: 'CLOSED', cursor: 'RESUME' });
    } finally {
      release();
      holds.clear();
    }
  });
});
