// The circuit breaker's reset from the console, against the twin cluster with the simulated
// fault-quarantine on a real PostgreSQL, through the one write path (lib/actions/run-mutation.ts:
// session, role, input, one audit row). The breaker is tripped the way NVSentinel's trips: the
// simulator's control fails many nodes at once, fault-quarantine cordons them until the limit, the
// rest wait. NVSentinel's runbook reset (docs/runbooks/circuit-breaker.md:72-100 at 42672ae) then:
//  - RESUME: the ConfigMap says CLOSED, fault-quarantine's Deployment is restarted, and the events
//    that waited are processed (their nodes get cordoned);
//  - CREATE: the same, but what waited is skipped (a recovery that waited is never applied);
// and it is refused, with one audit row and nothing written: viewers and operators (403), a breaker
// that is not TRIPPED (409), no cluster configured (409), a page that showed an older trip (409). The
// answer comes once this replica's watch has the ConfigMap the console wrote: the page read next shows
// it. A restart refused before or after the ConfigMap is written: breaker-reset-half-done.test.ts.
import type http from 'node:http';

import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { listAudit } from '@/lib/audit/audit-log';
import { ClusterState } from '@/lib/cluster/cluster-state';
import type { AppContext } from '@/lib/context/app-context';
import { LiveHub } from '@/lib/live/live-hub';
import { ClusterSimulator } from '@/lib/simulator/cluster-simulator';
import { startSimulatorControl } from '@/lib/simulator/control-server';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';
import { openDataStore, type DataStore } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/postgres';

import { testAppContext } from '../../support/app-context';
import { APP, consoleAuthFixture, type ConsoleAuthFixture } from '../../support/console-auth-fixture';
import { freePort } from '../../support/free-port';
import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';
import { until } from '../../support/until';

const { runMutation } = await import('@/lib/actions/run-mutation');
const { resetBreakerMutation } = await import('@/lib/actions/breaker-mutations');
const { createUserMutation } = await import('@/lib/actions/user-mutations');

const NODES = Array.from({ length: 12 }, (_, i) => `gpu-node-${String(i + 1).padStart(4, '0')}`);
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

describe('the circuit breaker reset', () => {
  let database: TestDatabase;
  let store: DataStore;
  let cluster: TwinCluster;
  let simulator: ClusterSimulator;
  let control: http.Server;
  let controlUrl: string;
  let hub: LiveHub;
  let state: ClusterState;
  let console_: ConsoleAuthFixture;
  let context: AppContext;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  const cookies: Record<string, Headers> = {};
  let requests = 0;

  /** The user's headers with a fresh request id, which names the attempt's audit row. */
  const as = (who: string) => {
    const headers = new Headers(cookies[who]);
    const requestId = `breaker-reset-${(requests += 1)}`;
    headers.set('x-request-id', requestId);
    return { headers, requestId };
  };
  const reset = async (who: string, input: unknown, on = context) => {
    const { headers, requestId } = as(who);
    const result = await runMutation(on, resetBreakerMutation, input, headers);
    return { result, rows: await listAudit(console_.pool, { requestId }, 10) };
  };
  const configMap = async () =>
    (await core.readNamespacedConfigMap({ name: 'circuit-breaker', namespace: 'nvsentinel' })).data;
  const restartedAt = async () =>
    (await apps.readNamespacedDeployment({ name: 'fault-quarantine', namespace: 'nvsentinel' })).spec?.template
      ?.metadata?.annotations?.[RESTARTED_AT];
  const decisionOf = async (recordId: string) => (await store.healthEvents().get(recordId))!.status.nodeQuarantined;
  const cordoned = async (name: string) => (await core.readNode({ name })).spec?.unschedulable === true;
  const waiting = () =>
    hub.pipeline()?.consumers.find((consumer) => consumer.consumer === 'fault-quarantine')?.documentsBehind ?? 0;
  const failNodes = async (nodes: number) => {
    const response = await fetch(`${controlUrl}/faults`, { method: 'POST', body: JSON.stringify({ nodes }) });
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as { nodes: string[]; recordIds: string[] };
  };

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    cluster = await startTwinCluster(NODES);
    core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    apps = cluster.kubeConfig().makeApiClient(AppsV1Api);
    simulator = new ClusterSimulator(store, {
      seed: 11,
      nodes: NODES.length,
      rate: 0,
      cluster: cluster.kubeConfig(),
      // 50 % of 12 GPU nodes: the sixth fresh quarantine within the window trips it.
      breaker: { percentage: 50, windowMs: 300_000 },
      settings: { drainMs: 20, remediationMs: 20, drainFailureRate: 0, remediationFailureRate: 0 },
    });
    await simulator.start();
    const port = await freePort();
    control = await startSimulatorControl(simulator, port);
    controlUrl = `http://127.0.0.1:${port}`;
    hub = new LiveHub(store, { consumer: 'live-breaker-reset', flushMs: 50, pipelineSampleMs: 500 });
    await hub.start();
    state = new ClusterState(cluster.kubeConfig(), 'nvsentinel');
    await state.start();
    console_ = await consoleAuthFixture();
    const access = {
      config: cluster.kubeConfig(),
      source: 'kubeconfig' as const,
      server: cluster.api.url,
      context: 'sentinel-twin',
      namespace: 'nvsentinel',
    };
    context = testAppContext({
      store,
      liveHub: hub,
      consolePool: console_.pool,
      auth: console_.auth,
      cluster: { access, state },
    });
    cookies.admin = console_.adminHeaders;
    for (const [username, role] of [
      ['olga', 'operator'],
      ['vic', 'viewer'],
    ]) {
      const password = `${username}-a-long-chosen-password`;
      const created = await runMutation(
        console_.context,
        createUserMutation,
        { username, password, role },
        console_.adminHeaders,
      );
      expect(created).toMatchObject({ ok: true });
      const response = await console_.signIn(username, password);
      const cookie = response.headers
        .getSetCookie()
        .find((line) => line.startsWith('sentinel-console.session_token='))!
        .split(';')[0];
      cookies[username] = new Headers({ cookie, origin: APP, host: 'localhost:3000' });
    }
  }, 120_000);
  afterAll(async () => {
    control?.close();
    await console_?.close();
    await state?.stop();
    await hub?.stop();
    await simulator?.stop();
    await cluster?.close();
    await store?.close();
    await database?.drop();
  });

  it('refuses a breaker that is not TRIPPED (409), with one audit row, writing nothing', async () => {
    await until('the breaker read from the cluster', async () => state.breaker().status === 'CLOSED');
    const { result, rows } = await reset('admin', { mode: 'resume', reason: 'checking the reset' });
    expect(result).toEqual({
      ok: false,
      outcome: 'invalid',
      status: 409,
      error: 'the breaker is not tripped (the ConfigMap says CLOSED); there is nothing to reset',
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: 'admin',
      action: 'circuit-breaker.reset',
      target: 'circuit-breaker',
      reason: 'checking the reset',
      outcome: 'invalid',
      stateBefore: { status: 'CLOSED', cursor: 'RESUME' },
    });
    expect(await configMap()).toEqual({ status: 'CLOSED', cursor: 'RESUME' });
    expect(await restartedAt()).toBeUndefined();
  });

  it('refuses without a cluster configured, saying how to reset it instead', async () => {
    const { result, rows } = await reset(
      'admin',
      { mode: 'create', reason: 'no cluster here' },
      testAppContext({ store, liveHub: hub, consolePool: console_.pool, auth: console_.auth }),
    );
    expect(result).toMatchObject({
      ok: false,
      status: 409,
      error: expect.stringContaining('this console has no Kubernetes cluster configured'),
    });
    expect(rows).toMatchObject([{ outcome: 'invalid', action: 'circuit-breaker.reset' }]);
  });

  let firstWave: { nodes: string[]; recordIds: string[] };

  it('tripped by many nodes failing at once, it refuses viewers and operators (403), one audit row each', async () => {
    firstWave = await failNodes(8);
    await until('the breaker to trip', async () => state.breaker().status === 'TRIPPED', 30_000);
    // Six quarantined, then it tripped: two fatal events wait behind it.
    await until('the backlog in the live hub', async () => waiting() >= 2, 30_000);
    for (const who of ['vic', 'olga']) {
      const { result, rows } = await reset(who, { mode: 'resume', reason: 'I want it back' });
      expect(result).toMatchObject({ ok: false, outcome: 'denied', status: 403 });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actor: who, outcome: 'denied', action: 'circuit-breaker.reset' });
    }
    expect((await configMap())?.status).toBe('TRIPPED');
    expect(await restartedAt()).toBeUndefined();
  }, 60_000);

  it('refuses input it cannot read (400), one audit row', async () => {
    const { result, rows } = await reset('admin', { mode: 'RESUME', reason: 'fixed the switch' });
    expect(result).toMatchObject({
      ok: false,
      status: 400,
      error: 'mode must be "resume" (process the waiting events) or "create" (skip them, start from now)',
    });
    expect(rows).toMatchObject([{ outcome: 'invalid' }]);
    expect((await configMap())?.status).toBe('TRIPPED');
  });

  let shownAtResume: string | null | undefined;

  it('RESUME: the ConfigMap CLOSED, the restart requested, and the events that waited cordon their nodes', async () => {
    // What the page showed: the ConfigMap's resourceVersion as watched.
    shownAtResume = state.breaker().resourceVersion;
    expect(shownAtResume).toMatch(/^\d+$/);
    const { result, rows } = await reset('admin', {
      mode: 'resume',
      reason: 'switch fixed, faults were real',
      resourceVersion: shownAtResume,
    });
    expect(result).toMatchObject({
      ok: true,
      message: expect.stringMatching(
        /^Breaker reset: the API server stored ConfigMap circuit-breaker with status CLOSED and cursor RESUME \(resourceVersion \d+\) and accepted the restart of Deployment fault-quarantine \(restart requested: restartedAt .+\); when fault-quarantine starts again it processes the \d+ waiting events first\. Follow the restart with kubectl rollout status deploy fault-quarantine -n nvsentinel\.$/,
      ),
    });
    // The answer came once this replica's watch had the ConfigMap: the page read next shows CLOSED.
    expect(state.breaker()).toMatchObject({ status: 'CLOSED', cursor: 'RESUME' });
    expect(await configMap()).toMatchObject({ status: 'CLOSED', cursor: 'RESUME' });
    const restarted = await restartedAt();
    expect(restarted).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: 'admin',
      actorRole: 'admin',
      action: 'circuit-breaker.reset',
      outcome: 'ok',
      stateBefore: { status: 'TRIPPED', cursor: 'RESUME', resourceVersion: shownAtResume },
      stateAfter: {
        status: 'CLOSED',
        cursor: 'RESUME',
        namespace: 'nvsentinel',
        deployment: 'fault-quarantine',
        restart: 'requested',
        restartRequestedAt: restarted,
      },
    });
    // The backlog as the live hub last sampled it when the reset ran (it may have grown since the test looked).
    const { stateBefore, stateAfter } = rows[0] as {
      stateBefore: { waiting: number };
      stateAfter: { waiting: number };
    };
    expect(stateBefore.waiting).toBeGreaterThanOrEqual(2);
    expect(stateAfter.waiting).toBe(stateBefore.waiting);
    // The restarted fault-quarantine processes what waited: every node of the wave is cordoned.
    for (const recordId of firstWave.recordIds)
      await until(`${recordId} processed`, async () => (await decisionOf(recordId)) === 'Quarantined', 30_000);
    for (const node of firstWave.nodes) expect(await cordoned(node), node).toBe(true);
  }, 60_000);

  it('CREATE: the events that waited are skipped (a recovery that waited is never applied), later ones are processed', async () => {
    // The restart emptied the window; the two that waited counted again: four more fresh quarantines trip it.
    const second = await failNodes(4);
    await until('the breaker to trip again', async () => (await configMap())?.status === 'TRIPPED', 30_000);
    for (const recordId of second.recordIds) expect(await decisionOf(recordId)).toBe('Quarantined');
    // A recovery of a node of the first wave arrives while it is tripped: it waits.
    const [node] = firstWave.nodes;
    const fault = (await store.healthEvents().get(firstWave.recordIds[0]))!.healthEvent;
    const recovery = () => ({
      nodeName: node,
      agent: fault.agent,
      checkName: fault.checkName,
      componentClass: fault.componentClass,
      isFatal: false,
      isHealthy: true,
      message: `${fault.checkName} healthy`,
      entitiesImpacted: fault.entitiesImpacted,
      processingStrategy: 'EXECUTE_REMEDIATION' as const,
      metadata: { 'sentinel-console-simulator': 'true' },
    });
    const [waited] = await store.healthEvents().insertMany([recovery()]);
    await until('the recovery to wait', async () => waiting() >= 1, 30_000);
    await until('the new trip watched', async () => state.breaker().status === 'TRIPPED');

    // A second tab still showing the trip that RESUME reset: its Reset must not reset this new trip.
    const stale = await reset('admin', {
      mode: 'create',
      reason: 'from a tab left open',
      resourceVersion: shownAtResume,
    });
    expect(stale.result).toEqual({
      ok: false,
      outcome: 'invalid',
      status: 409,
      error: `the breaker tripped again since you looked (its ConfigMap changed: resourceVersion ${state.breaker().resourceVersion} now, the page showed ${shownAtResume}); nothing was reset: look at the Pipeline page again and reset from there if it is still meant`,
    });
    expect(stale.rows).toMatchObject([{ outcome: 'invalid', stateBefore: { status: 'TRIPPED' } }]);
    expect(await configMap()).toMatchObject({ status: 'TRIPPED' });

    const { result, rows } = await reset('admin', {
      mode: 'create',
      reason: 'stale backlog, start from now',
      resourceVersion: state.breaker().resourceVersion,
    });
    expect(result).toMatchObject({
      ok: true,
      message: expect.stringContaining('with status CLOSED and cursor CREATE'),
    });
    expect(rows).toMatchObject([
      {
        outcome: 'ok',
        stateBefore: { status: 'TRIPPED', cursor: 'RESUME' },
        stateAfter: { status: 'CLOSED', cursor: 'CREATE' },
      },
    ]);
    // fault-quarantine, restarted with CREATE, writes the cursor back to RESUME (reconciler.go:408-459).
    await until('the cursor back to RESUME', async () => (await configMap())?.cursor === 'RESUME', 30_000);
    const [later] = await store.healthEvents().insertMany([recovery()]);
    await until('the later recovery processed', async () => (await decisionOf(later.recordId)) === 'UnQuarantined');
    expect(await decisionOf(waited.recordId)).toBeNull();
    expect(await cordoned(node)).toBe(false);
  }, 60_000);

  it('POST /api/circuit-breaker/reset answers with the outcome status: 403 for a viewer, 409 when not tripped, one audit row each', async () => {
    const holder = globalThis as unknown as { sentinelClusterState?: unknown };
    holder.sentinelClusterState = context.cluster();
    try {
      const { POST } = await import('@/app/api/circuit-breaker/reset/route');
      const post = async (who: string) => {
        const { headers, requestId } = as(who);
        headers.set('content-type', 'application/json');
        const response = await POST(
          new Request(`${APP}/api/circuit-breaker/reset`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ mode: 'create', reason: 'from a script' }),
          }),
        );
        return { response, rows: await listAudit(console_.pool, { requestId }, 10) };
      };
      const viewer = await post('vic');
      expect(viewer.response.status).toBe(403);
      expect(viewer.rows).toMatchObject([{ actor: 'vic', outcome: 'denied' }]);
      const admin = await post('admin');
      expect(admin.response.status).toBe(409);
      expect(await admin.response.json()).toMatchObject({
        ok: false,
        error: 'the breaker is not tripped (the ConfigMap says CLOSED); there is nothing to reset',
      });
      expect(admin.rows).toMatchObject([{ actor: 'admin', outcome: 'invalid', action: 'circuit-breaker.reset' }]);
    } finally {
      holder.sentinelClusterState = undefined;
    }
  });
});
