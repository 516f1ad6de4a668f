// The maintenance opt-out end to end, against the twin cluster and a real console database, through
// the one write path (lib/actions/run-mutation.ts: session, role, input, one audit row):
//  - node.opt-out writes k8saas.nvidia.com/ManagedByNVSentinel=false, the label every ruleset of
//    fault-quarantine's default chart checks (charts/fault-quarantine/values.yaml:91-97 at 42672ae),
//    and the console's annotations; node.opt-in puts the label's earlier value back;
//  - the expiry puts it back when its time ends (an injected clock, no waiting), one audit row under
//    the system actor, and two replicas racing write it once;
//  - an opt-out made outside the console is listed and never touched;
//  - refusals in words, each with one audit row: already out (409), not the console's (409), a node
//    the cluster does not have (404), RBAC (error), a viewer (403), no cluster (409).
import { CoreV1Api, PatchStrategy, setHeaderOptions, type V1Node } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AuditEntryInput } from '@/lib/audit/audit-entry';
import { appendAudit, listAudit } from '@/lib/audit/audit-log';
import { ClusterState } from '@/lib/cluster/cluster-state';
import { EXPIRY_ACTOR, OptOutExpiry } from '@/lib/cluster/opt-out-expiry';
import type { AppContext } from '@/lib/context/app-context';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';

import { testAppContext } from '../../support/app-context';
import { APP, consoleAuthFixture, type ConsoleAuthFixture } from '../../support/console-auth-fixture';
import { until } from '../../support/until';

const { runMutation } = await import('@/lib/actions/run-mutation');
const { optInNodeMutation, optOutNodeMutation } = await import('@/lib/actions/opt-out-mutations');
const { createUserMutation } = await import('@/lib/actions/user-mutations');

const LABEL = 'k8saas.nvidia.com/ManagedByNVSentinel';
const NODES = Array.from({ length: 10 }, (_, i) => `gpu-${i + 1}`);
const ELEVEN_MINUTES = 11 * 60_000;

describe('the maintenance opt-out', () => {
  let cluster: TwinCluster;
  let state: ClusterState;
  let console_: ConsoleAuthFixture;
  let context: AppContext;
  let core: CoreV1Api;
  const refused = new Set<string>();
  /** PUTs of each node the API server received (refused or not). */
  const updates = new Map<string, number>();
  /** Reads of a node held until as many have arrived (a race made certain). */
  const gate = new Map<string, () => Promise<void> | undefined>();
  const holdReads = (name: string, count: number) => {
    const waiting: (() => void)[] = [];
    gate.set(name, () => {
      if (waiting.length >= count) return undefined;
      const arrived = new Promise<void>((resolve) => waiting.push(resolve));
      if (waiting.length === count) for (const release of waiting) release();
      return arrived;
    });
  };
  const cookies: Record<string, Headers> = {};
  let requests = 0;

  const as = (who: string) => {
    const headers = new Headers(cookies[who]);
    const requestId = `opt-out-${(requests += 1)}`;
    headers.set('x-request-id', requestId);
    return { headers, requestId };
  };
  const run = async (mutation: 'out' | 'in', who: string, input: Record<string, unknown>, on = context) => {
    const { headers, requestId } = as(who);
    const result =
      mutation === 'out'
        ? await runMutation(on, optOutNodeMutation, input, headers)
        : await runMutation(on, optInNodeMutation, input, headers);
    return { result, rows: await listAudit(console_.pool, { requestId }, 10) };
  };
  const nodeOf = (name: string) => core.readNode({ name });
  /** What `kubectl label node <name> <label>=<value>` (null: `<label>-`) sends. */
  const kubectlLabel = (name: string, value: string | null) =>
    core.patchNode(
      { name, body: { metadata: { labels: { [LABEL]: value } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  const consoleAnnotations = (node: V1Node) =>
    Object.keys(node.metadata?.annotations ?? {}).filter((key) => key.startsWith('sentinel-console/'));
  const expiryRows = (target: string) =>
    listAudit(console_.pool, { target, actor: EXPIRY_ACTOR }, 20).then((rows) =>
      rows.filter((row) => row.action === 'node.opt-in'),
    );
  /** A replica's put-back loop, on its own watch of the cluster, with its clock `offset()` ms ahead. */
  const replica = async (offset: () => number) => {
    const watch = new ClusterState(cluster.kubeConfig(), 'nvsentinel');
    await watch.start();
    const expiry = new OptOutExpiry({
      state: watch,
      config: cluster.kubeConfig(),
      audit: async (entry: AuditEntryInput) => void (await appendAudit(console_.pool, entry)),
      now: () => Date.now() + offset(),
      everyMs: 100,
      log: () => {},
    });
    return { watch, expiry };
  };

  beforeAll(async () => {
    cluster = await startTwinCluster(NODES, {
      forbid: (verb, resource, name) => {
        if (verb === 'update' && resource === 'nodes' && name) updates.set(name, (updates.get(name) ?? 0) + 1);
        return refused.has(`${verb} ${resource}`);
      },
      hold: (verb, resource, name) => (verb === 'get' && resource === 'nodes' ? gate.get(name ?? '')?.() : undefined),
    });
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
    // No datastore: the opt-out lives in the cluster alone (a use of the datastore would fail here).
    context = testAppContext({ consolePool: console_.pool, auth: console_.auth, cluster: { access, state } });
    cookies.admin = console_.adminHeaders;
    for (const [username, role] of [
      ['olga', 'operator'],
      ['vic', 'viewer'],
    ]) {
      const password = `${username}-a-long-chosen-password`;
      expect(
        await runMutation(console_.context, createUserMutation, { username, password, role }, console_.adminHeaders),
      ).toMatchObject({ ok: true });
      const cookie = (await console_.signIn(username, password)).headers
        .getSetCookie()
        .find((line) => line.startsWith('sentinel-console.session_token='))!
        .split(';')[0];
      cookies[username] = new Headers({ cookie, origin: APP, host: 'localhost:3000' });
    }
    await until('the nodes watched', async () => state.allNodes().length === NODES.length);
  }, 120_000);
  afterAll(async () => {
    await console_?.close();
    await state?.stop();
    await cluster?.close();
  });

  it('takes a node out: the label and the annotations on the node, one audit row, and this replica sees it at once', async () => {
    const { result, rows } = await run('out', 'olga', { nodeName: 'gpu-1', duration: '2h', reason: 'driver upgrade' });
    expect(result).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^gpu-1 is out of NVSentinel's hands until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/),
    });
    const node = await nodeOf('gpu-1');
    expect(node.metadata?.labels?.[LABEL]).toBe('false');
    const annotations = node.metadata!.annotations!;
    expect(annotations).toMatchObject({
      'sentinel-console/opt-out-by': 'olga',
      'sentinel-console/opt-out-reason': 'driver upgrade',
    });
    expect(annotations).not.toHaveProperty('sentinel-console/opt-out-previous');
    const until_ = Date.parse(annotations['sentinel-console/opt-out-until']);
    expect(until_ - Date.parse(annotations['sentinel-console/opt-out-since'])).toBe(7_200_000);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: 'olga',
      action: 'node.opt-out',
      target: 'gpu-1',
      reason: 'driver upgrade',
      outcome: 'ok',
      stateBefore: { label: null, optOut: null },
      stateAfter: { label: 'false', optOut: { console: { by: 'olga', until: until_ }, outside: [] } },
    });
    // The answer came after this replica's watch had the change: the page read next shows it.
    expect(state.node('gpu-1')?.optOut?.console).toMatchObject({ by: 'olga', reason: 'driver upgrade' });
  });

  it('refuses a second opt-out of that node (409), saying until when, with one audit row and nothing written', async () => {
    const before = (await nodeOf('gpu-1')).metadata?.resourceVersion;
    const { result, rows } = await run('out', 'admin', { nodeName: 'gpu-1', duration: '1d', reason: 'longer' });
    expect(result).toMatchObject({
      ok: false,
      status: 409,
      error: expect.stringMatching(
        /^gpu-1 is already out of NVSentinel's hands, by the console until .+ \(olga: driver upgrade\)/,
      ),
    });
    expect(rows).toMatchObject([{ action: 'node.opt-out', outcome: 'invalid', actor: 'admin' }]);
    expect((await nodeOf('gpu-1')).metadata?.resourceVersion).toBe(before);
  });

  it("puts back early: the label's earlier value restored and the annotations gone; then there is nothing to put back (409)", async () => {
    await kubectlLabel('gpu-2', 'true');
    expect(await run('out', 'olga', { nodeName: 'gpu-2', duration: '30m', reason: 'BIOS update' })).toMatchObject({
      result: { ok: true },
    });
    expect((await nodeOf('gpu-2')).metadata?.annotations).toMatchObject({
      'sentinel-console/opt-out-previous': 'true',
    });
    const back = await run('in', 'olga', { nodeName: 'gpu-2', reason: 'done early' });
    expect(back.result).toEqual({
      ok: true,
      message: 'gpu-2 is back in NVSentinel\'s hands: k8saas.nvidia.com/ManagedByNVSentinel back to "true".',
    });
    expect(back.rows).toMatchObject([
      { action: 'node.opt-in', outcome: 'ok', reason: 'done early', stateAfter: { label: 'true', optOut: null } },
    ]);
    const node = await nodeOf('gpu-2');
    expect(node.metadata?.labels?.[LABEL]).toBe('true');
    expect(consoleAnnotations(node)).toEqual([]);
    const again = await run('in', 'olga', { nodeName: 'gpu-2', reason: 'once more' });
    expect(again.result).toMatchObject({
      ok: false,
      status: 409,
      error: "gpu-2 is not out of NVSentinel's hands by the console, so there is nothing to put back.",
    });
    expect(again.rows).toMatchObject([{ action: 'node.opt-in', outcome: 'invalid' }]);
  });

  it('leaves an opt-out made outside the console alone: listed, never put back, by hand or by the expiry', async () => {
    await kubectlLabel('gpu-3', 'false');
    await until('the outside opt-out watched', async () => state.node('gpu-3')?.optOut?.outside.includes(LABEL));
    const out = await run('out', 'olga', { nodeName: 'gpu-3', duration: '2h', reason: 'driver upgrade' });
    expect(out.result).toMatchObject({ status: 409, error: expect.stringContaining('was set outside the console') });
    const back = await run('in', 'olga', { nodeName: 'gpu-3', reason: 'put it back' });
    expect(back.result).toMatchObject({
      status: 409,
      error: expect.stringContaining('the console does not undo that; remove the label with kubectl'),
    });
    expect([...out.rows, ...back.rows]).toHaveLength(2);
    // A year on, the expiry still finds nothing of the console's to end.
    const { watch, expiry } = await replica(() => 365 * 86_400_000);
    try {
      await until('the replica watching', async () => watch.node('gpu-3')?.optOut !== null);
      expect(await expiry.check()).not.toContain('gpu-3');
    } finally {
      await watch.stop();
    }
    expect((await nodeOf('gpu-3')).metadata?.labels?.[LABEL]).toBe('false');
    expect(await expiryRows('gpu-3')).toEqual([]);
  });

  it('puts it back when its time ends: label removed, annotations gone, one audit row under the system actor', async () => {
    await run('out', 'olga', { nodeName: 'gpu-4', duration: '10m', reason: 'firmware' });
    const until_ = Date.parse((await nodeOf('gpu-4')).metadata!.annotations!['sentinel-console/opt-out-until']);
    const { watch, expiry } = await replica(() => ELEVEN_MINUTES);
    expiry.start();
    try {
      await until('gpu-4 put back', async () => (await nodeOf('gpu-4')).metadata?.labels?.[LABEL] === undefined);
      await until('the put-back audited', async () => (await expiryRows('gpu-4')).length === 1);
    } finally {
      expiry.stop();
      await watch.stop();
    }
    expect(consoleAnnotations(await nodeOf('gpu-4'))).toEqual([]);
    expect(await expiryRows('gpu-4')).toMatchObject([
      {
        actor: EXPIRY_ACTOR,
        actorRole: 'system',
        target: 'gpu-4',
        outcome: 'ok',
        reason: `the opt-out ended at ${new Date(until_).toISOString().replace('.000Z', 'Z')}`,
        detail:
          "gpu-4 is back in NVSentinel's hands: k8saas.nvidia.com/ManagedByNVSentinel removed (taken out by olga: firmware)",
        stateBefore: { label: 'false' },
        stateAfter: { label: null, optOut: null },
      },
    ]);
  });

  it('two replicas putting back at once write each put-back once, and audit it once', async () => {
    const racing = ['gpu-5', 'gpu-6', 'gpu-7'];
    for (const nodeName of racing) await run('out', 'olga', { nodeName, duration: '10m', reason: 'rack move' });
    const replicas = [await replica(() => ELEVEN_MINUTES), await replica(() => ELEVEN_MINUTES)];
    // gpu-5's first two reads are held until both replicas have asked: both read the same
    // resourceVersion and both PUT; one PUT gets 409, that replica reads again and finds it done.
    holdReads('gpu-5', 2);
    updates.clear();
    try {
      for (const { watch } of replicas)
        await until('both replicas watching the opt-outs', async () =>
          racing.every((name) => watch.node(name)?.optOut?.console),
        );
      const [first, second] = await Promise.all(replicas.map(({ expiry }) => expiry.check()));
      expect([...first, ...second].sort()).toEqual(racing);
    } finally {
      gate.clear();
      for (const { watch } of replicas) await watch.stop();
    }
    expect(updates.get('gpu-5')).toBe(2);
    for (const nodeName of racing) {
      expect((await nodeOf(nodeName)).metadata?.labels?.[LABEL]).toBeUndefined();
      expect(await expiryRows(nodeName)).toMatchObject([{ outcome: 'ok' }]);
    }
  });

  it('a put-back the API server refuses is audited once as an error, tried again later, and then made', async () => {
    await run('out', 'olga', { nodeName: 'gpu-8', duration: '10m', reason: 'cabling' });
    let offset = ELEVEN_MINUTES;
    const { watch, expiry } = await replica(() => offset);
    try {
      await until('the replica watching', async () => watch.node('gpu-8')?.optOut?.console);
      refused.add('update nodes');
      expect(await expiry.check()).toEqual([]);
      offset += 60 * 60_000; // past the retry wait
      expect(await expiry.check()).toEqual([]);
      refused.clear();
      offset += 60 * 60_000;
      expect(await expiry.check()).toEqual(['gpu-8']);
    } finally {
      refused.clear();
      await watch.stop();
    }
    expect(await expiryRows('gpu-8')).toMatchObject([
      { outcome: 'ok' },
      {
        outcome: 'error',
        detail: expect.stringContaining(
          "gpu-8 could not be put back into NVSentinel's hands: the console's Kubernetes account may not update node gpu-8 (RBAC",
        ),
      },
    ]);
  });

  it('refuses, in words and with one audit row each: a node the cluster lacks, RBAC, a viewer, no cluster', async () => {
    const unknown = await run('out', 'olga', { nodeName: 'gpu-404', duration: '2h', reason: 'driver upgrade' });
    expect(unknown.result).toEqual({
      ok: false,
      outcome: 'invalid',
      status: 404,
      error: 'node gpu-404 does not exist in the cluster',
    });
    refused.add('update nodes');
    let rbac;
    try {
      rbac = await run('out', 'olga', { nodeName: 'gpu-9', duration: '2h', reason: 'driver upgrade' });
    } finally {
      refused.clear();
    }
    expect(rbac.result).toMatchObject({
      outcome: 'error',
      status: 500,
      error:
        "the console's Kubernetes account may not update node gpu-9 (RBAC: nodes get and update; see deploy/kubernetes/rbac.yaml)",
    });
    expect((await nodeOf('gpu-9')).metadata?.labels?.[LABEL]).toBeUndefined();
    const viewer = await run('out', 'vic', { nodeName: 'gpu-9', duration: '2h', reason: 'driver upgrade' });
    expect(viewer.result).toMatchObject({ status: 403, error: 'your role (viewer) may not do this' });
    const noCluster = await run(
      'in',
      'olga',
      { nodeName: 'gpu-1', reason: 'done' },
      testAppContext({ consolePool: console_.pool, auth: console_.auth }),
    );
    expect(noCluster.result).toMatchObject({
      status: 409,
      error: expect.stringContaining(
        'this console has no Kubernetes cluster configured (KUBECONFIG or in-cluster access)',
      ),
    });
    const tooShort = await run('out', 'olga', { nodeName: 'gpu-9', duration: '5m', reason: 'driver upgrade' });
    expect(tooShort.result).toMatchObject({
      status: 400,
      error: 'the opt-out must be at least 10 minutes (asked: 5 minutes)',
    });
    for (const { rows } of [unknown, rbac, viewer, noCluster, tooShort]) expect(rows).toHaveLength(1);
    expect(viewer.rows[0]).toMatchObject({ action: 'node.opt-out', outcome: 'denied', target: 'gpu-9' });
  });

  it('POST /api/nodes/<name>/opt-out and /opt-in answer with the outcome, the node from the URL', async () => {
    const holder = globalThis as unknown as { sentinelClusterState?: unknown };
    holder.sentinelClusterState = context.cluster();
    try {
      const post = async (path: 'opt-out' | 'opt-in', name: string, body: unknown) => {
        const { POST } =
          path === 'opt-out'
            ? await import('@/app/api/nodes/[name]/opt-out/route')
            : await import('@/app/api/nodes/[name]/opt-in/route');
        const { headers } = as('olga');
        headers.set('content-type', 'application/json');
        return POST(
          new Request(`${APP}/api/nodes/${name}/${path}`, { method: 'POST', headers, body: JSON.stringify(body) }),
          { params: Promise.resolve({ name }) },
        );
      };
      // The body's nodeName cannot redirect the change.
      const out = await post('opt-out', 'gpu-10', {
        nodeName: 'gpu-9',
        until: new Date(Date.now() + 3_600_000).toISOString(),
        reason: 'from a script',
      });
      expect(out.status).toBe(200);
      expect((await nodeOf('gpu-10')).metadata?.labels?.[LABEL]).toBe('false');
      expect((await nodeOf('gpu-9')).metadata?.labels?.[LABEL]).toBeUndefined();
      expect((await post('opt-out', 'gpu-10', { duration: '1h', reason: 'again' })).status).toBe(409);
      expect((await post('opt-in', 'gpu-10', { reason: 'from a script' })).status).toBe(200);
      expect((await post('opt-in', 'gpu-404', { reason: 'from a script' })).status).toBe(404);
    } finally {
      holder.sentinelClusterState = undefined;
    }
  });
});
