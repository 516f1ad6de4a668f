// "Put back now" from a page that shows an older opt-out must not end a newer one: the page sends the
// `since` of the console's opt-out it showed (sentinel-console/opt-out-since), and the put-back is
// refused (409, one audit row, nothing written) when the node's opt-out is another since then. A
// script may leave `since` out (POST /api/nodes/<name>/opt-in): then the opt-out there is ended, as
// before. Against the twin cluster and a real console database (node-opt-out.test.ts has the rest).
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { listAudit } from '@/lib/audit/audit-log';
import { ClusterState } from '@/lib/cluster/cluster-state';
import type { AppContext } from '@/lib/context/app-context';
import type { Mutation } from '@/lib/actions/mutation';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';

import { testAppContext } from '../../support/app-context';
import { APP, consoleAuthFixture, type ConsoleAuthFixture } from '../../support/console-auth-fixture';
import { until } from '../../support/until';

const { runMutation } = await import('@/lib/actions/run-mutation');
const { optInNodeMutation, optOutNodeMutation, optOutNodeMutationWith } =
  await import('@/lib/actions/opt-out-mutations');
const { DEFAULT_OPT_OUT_BOUNDS } = await import('@/lib/actions/opt-out-input');
const { createUserMutation } = await import('@/lib/actions/user-mutations');

const LABEL = 'k8saas.nvidia.com/ManagedByNVSentinel';
const iso = (at: number) => new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');

describe('put back from a page that shows an older opt-out', () => {
  let cluster: TwinCluster;
  let state: ClusterState;
  let console_: ConsoleAuthFixture;
  let context: AppContext;
  let core: CoreV1Api;
  const cookies: Record<string, Headers> = {};
  let requests = 0;

  const run = async <V>(mutation: Mutation<V>, who: string, input: Record<string, unknown>) => {
    const headers = new Headers(cookies[who]);
    const requestId = `opt-out-stale-${(requests += 1)}`;
    headers.set('x-request-id', requestId);
    const result = await runMutation(context, mutation, input, headers);
    return { result, rows: await listAudit(console_.pool, { requestId }, 10) };
  };
  /** What the node page shows of the console's opt-out, as it sends it back. */
  const shownSince = (name: string) => {
    const since = state.node(name)?.optOut?.console?.since;
    return since === undefined || since === null ? since : new Date(since).toISOString();
  };
  const nodeOf = (name: string) => core.readNode({ name });

  beforeAll(async () => {
    cluster = await startTwinCluster(['gpu-1', 'gpu-2']);
    core = cluster.kubeConfig().makeApiClient(CoreV1Api);
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
    context = testAppContext({ consolePool: console_.pool, auth: console_.auth, cluster: { access, state } });
    cookies.admin = console_.adminHeaders;
    const password = 'olga-a-long-chosen-password';
    expect(
      await runMutation(
        console_.context,
        createUserMutation,
        { username: 'olga', password, role: 'operator' },
        console_.adminHeaders,
      ),
    ).toMatchObject({ ok: true });
    const cookie = (await console_.signIn('olga', password)).headers
      .getSetCookie()
      .find((line) => line.startsWith('sentinel-console.session_token='))!
      .split(';')[0];
    cookies.olga = new Headers({ cookie, origin: APP, host: 'localhost:3000' });
    await until('the nodes watched', async () => state.allNodes().length === 2);
  }, 120_000);
  afterAll(async () => {
    await console_?.close();
    await state?.stop();
    await cluster?.close();
  });

  it("refuses (409, one audit row, nothing written) to end another operator's newer opt-out, and ends the one shown", async () => {
    expect(
      await run(optOutNodeMutation, 'olga', { nodeName: 'gpu-1', duration: '2h', reason: 'driver upgrade' }),
    ).toMatchObject({ result: { ok: true } });
    // A tab opened now shows olga's opt-out.
    const stale = shownSince('gpu-1');
    expect(stale).toMatch(/^\d{4}-/);
    // Meanwhile olga's ends and the admin takes the node out again, a minute later.
    expect(await run(optInNodeMutation, 'olga', { nodeName: 'gpu-1', reason: 'upgrade done' })).toMatchObject({
      result: { ok: true },
    });
    const later = optOutNodeMutationWith({ ...DEFAULT_OPT_OUT_BOUNDS, now: () => Date.now() + 60_000 });
    expect(
      await run(later, 'admin', { nodeName: 'gpu-1', duration: '4h', reason: 'cooling work in rack 3' }),
    ).toMatchObject({ result: { ok: true } });
    const newer = Date.parse((await nodeOf('gpu-1')).metadata!.annotations!['sentinel-console/opt-out-since']);
    const written = (await nodeOf('gpu-1')).metadata?.resourceVersion;

    // The stale tab's Put back now.
    const { result, rows } = await run(optInNodeMutation, 'olga', {
      nodeName: 'gpu-1',
      reason: 'upgrade done',
      since: stale,
    });
    const error = `the opt-out of gpu-1 was changed by admin at ${iso(newer)} since you looked (the page showed the one since ${iso(Date.parse(stale!))}); nothing was put back: look at the node again`;
    expect(result).toEqual({ ok: false, outcome: 'invalid', status: 409, error });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'node.opt-in',
      actor: 'olga',
      outcome: 'invalid',
      detail: error,
      stateBefore: { label: 'false', optOut: { console: { by: 'admin', since: newer } } },
    });
    const node = await nodeOf('gpu-1');
    expect(node.metadata?.resourceVersion).toBe(written);
    expect(node.metadata?.labels?.[LABEL]).toBe('false');

    // From the page as it is now, it is put back.
    await until('the newer opt-out watched', async () => state.node('gpu-1')?.optOut?.console?.by === 'admin');
    const fresh = await run(optInNodeMutation, 'olga', {
      nodeName: 'gpu-1',
      reason: 'cooling work done',
      since: shownSince('gpu-1'),
    });
    expect(fresh.result).toMatchObject({ ok: true });
    expect((await nodeOf('gpu-1')).metadata?.labels?.[LABEL]).toBeUndefined();
  });

  it('a script may leave since out; a since that is no time is refused (400)', async () => {
    expect(
      await run(optOutNodeMutation, 'olga', { nodeName: 'gpu-2', duration: '2h', reason: 'BIOS update' }),
    ).toMatchObject({ result: { ok: true } });
    const bad = await run(optInNodeMutation, 'olga', { nodeName: 'gpu-2', reason: 'done', since: 'yesterday' });
    expect(bad.result).toEqual({
      ok: false,
      outcome: 'invalid',
      status: 400,
      error:
        'since must be when the opt-out shown began, in RFC 3339 such as 2026-12-06T12:00:00Z, or null when the page showed none (got "yesterday")',
    });
    expect(bad.rows).toHaveLength(1);
    expect(await run(optInNodeMutation, 'olga', { nodeName: 'gpu-2', reason: 'done' })).toMatchObject({
      result: { ok: true },
    });
  });
});
