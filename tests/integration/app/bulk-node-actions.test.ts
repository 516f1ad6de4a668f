// Bulk quarantine and release through the runner the route and the server action call, on a real
// console database (audit log, idempotency keys, rate limit) and a real datastore: a dry run says
// which nodes it would act on and which it would refuse and why, and writes nothing; a real run is
// each node's own quarantine, with its own audit row; a request refused as a whole is one row.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { listAudit } from '@/lib/audit/audit-log';
import type { AppContext } from '@/lib/context/app-context';
import type { LiveHub } from '@/lib/live/live-hub';
import { NODE_STATES, type NodeState, type NodeView } from '@/lib/node-state/node-view';

import { testAppContext } from '../../support/app-context';
import { consoleAuthFixture, type ConsoleAuthFixture } from '../../support/console-auth-fixture';
import { openTestStore, type TestStore } from '../../support/test-databases';

const { runBulkNodeAction } = await import('@/lib/actions/bulk-node-actions');
const { runMutation } = await import('@/lib/actions/run-mutation');
const { createUserMutation } = await import('@/lib/actions/user-mutations');

const nodeView = (name: string, state: NodeState): NodeView => ({
  name,
  state,
  stateSince: Date.now(),
  lastEventAt: Date.now(),
  lastCheck: 'GpuXidError',
  fatalCount: 0,
  openFaults: 0,
  agents: ['gpu-health-monitor'],
  checks: ['GpuXidError'],
  session:
    state === 'healthy'
      ? null
      : {
          recordId: `r-${name}`,
          since: Date.now(),
          manual: false,
          reason: 'XID 79',
          actor: null,
          checkName: 'GpuXidError',
          recommendedAction: 'RESTART_BM',
          eviction: 'InProgress',
          evictionMessage: '',
          remediated: null,
        },
  releasedAt: null,
  quarantineRequested: false,
});

describe('bulk quarantine and release', () => {
  let console_: ConsoleAuthFixture;
  let datastore: TestStore;
  let context: AppContext;
  let viewerHeaders: Headers;
  const views = new Map<string, NodeView>();
  const hub = {
    nodes: () => [...views.values()],
    projection: {
      get: (name: string) => views.get(name),
      counts: () => Object.fromEntries(NODE_STATES.map((state) => [state, 0])),
      filterMenus: () => ({ agents: [], checks: [] }),
    },
  } as unknown as LiveHub;
  let requests = 0;
  /** The admin's headers with a request id of its own, to find this request's audit rows. */
  const asAdmin = (extra: Record<string, string> = {}) => {
    const headers = new Headers(console_.adminHeaders);
    headers.set('x-request-id', `bulk-${++requests}`);
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    return headers;
  };
  const rowsOf = (headers: Headers) => listAudit(console_.pool, { requestId: headers.get('x-request-id')! }, 100);
  const manualQuarantines = () =>
    datastore.store.healthEvents().count({ agent: 'sentinel-console', checkName: 'ManualQuarantine' });

  beforeAll(async () => {
    console_ = await consoleAuthFixture();
    datastore = await openTestStore();
    context = testAppContext({ consolePool: console_.pool, auth: console_.auth, store: datastore.store, liveHub: hub });
    const created = await runMutation(
      console_.context,
      createUserMutation,
      { username: 'vera', password: 'a-viewer-long-password', role: 'viewer' },
      console_.adminHeaders,
    );
    expect(created).toMatchObject({ ok: true });
    const cookie = (await console_.signIn('vera', 'a-viewer-long-password')).headers
      .getSetCookie()
      .find((line) => line.startsWith('sentinel-console.session_token='))!
      .split(';')[0];
    viewerHeaders = new Headers({ cookie, origin: 'http://localhost:3000', host: 'localhost:3000' });
  });
  afterAll(async () => {
    await datastore?.close();
    await console_?.close();
  });
  beforeEach(() => {
    views.clear();
    for (const name of ['gpu-a1', 'gpu-a2', 'gpu-a3', 'gpu-b1']) views.set(name, nodeView(name, 'healthy'));
    views.set('gpu-q1', nodeView('gpu-q1', 'quarantined'));
  });

  it('a dry run by names lists the nodes it would quarantine and those it would refuse, and writes nothing', async () => {
    const before = await manualQuarantines();
    const headers = asAdmin();
    const plan = await runBulkNodeAction(
      context,
      'quarantine',
      { nodes: ['gpu-a1', 'gpu-a2', 'gpu-q1', 'gpu-zz'], dryRun: true },
      headers,
    );
    expect(plan).toMatchObject({
      ok: true,
      dryRun: true,
      operation: 'quarantine',
      act: [
        { name: 'gpu-a1', state: 'healthy' },
        { name: 'gpu-a2', state: 'healthy' },
      ],
      refused: [
        { name: 'gpu-q1', state: 'quarantined', why: 'already quarantined (Quarantined)' },
        { name: 'gpu-zz', state: null, why: 'unknown: no node of this name has reported to this datastore' },
      ],
      // No cluster in this test: the breaker cannot be read.
      breaker: null,
      rateLimit: 30,
    });
    expect(await rowsOf(headers)).toEqual([]);
    expect(await manualQuarantines()).toBe(before);
  });

  it('a dry run by filter takes every node the Nodes page filter matches; a misspelt filter is refused by name', async () => {
    const plan = await runBulkNodeAction(
      context,
      'quarantine',
      { filter: 'state=healthy&q=gpu-a', dryRun: true },
      asAdmin(),
    );
    expect(plan).toMatchObject({
      ok: true,
      act: [{ name: 'gpu-a1' }, { name: 'gpu-a2' }, { name: 'gpu-a3' }],
      refused: [],
    });
    const headers = asAdmin();
    expect(await runBulkNodeAction(context, 'quarantine', { filter: 'stat=healthy', dryRun: true }, headers)).toEqual({
      ok: false,
      outcome: 'invalid',
      status: 400,
      error: 'filter has an unknown parameter "stat"; it takes state, agent, check, q, disagree, optedOut',
    });
    // A dry run changes nothing, so even its refusal writes no audit row.
    expect(await rowsOf(headers)).toEqual([]);
    expect(
      await runBulkNodeAction(context, 'quarantine', { filter: 'state=draining', dryRun: true }, asAdmin()),
    ).toMatchObject({ ok: false, status: 400, error: 'the filter "state=draining" matches no node' });
  });

  it('a real run quarantines each node as its own quarantine: a result and one audit row per node', async () => {
    const before = await manualQuarantines();
    const headers = asAdmin();
    const result = await runBulkNodeAction(
      context,
      'quarantine',
      { nodes: ['gpu-a1', 'gpu-a2', 'gpu-a3', 'gpu-q1'], reason: 'rack 7 power work' },
      headers,
    );
    expect(result).toMatchObject({
      ok: true,
      dryRun: false,
      done: 3,
      refused: 1,
      results: [
        { name: 'gpu-a1', ok: true, message: expect.stringContaining('Quarantine of gpu-a1 requested') },
        { name: 'gpu-a2', ok: true },
        { name: 'gpu-a3', ok: true },
        {
          name: 'gpu-q1',
          ok: false,
          outcome: 'invalid',
          status: 409,
          error: 'gpu-q1 is already quarantined (Quarantined)',
        },
      ],
    });
    expect(await manualQuarantines()).toBe(before + 3);
    const rows = await rowsOf(headers);
    expect(rows.map((row) => [row.action, row.target, row.outcome, row.reason, row.actor]).reverse()).toEqual([
      ['node.quarantine', 'gpu-a1', 'ok', 'rack 7 power work', 'admin'],
      ['node.quarantine', 'gpu-a2', 'ok', 'rack 7 power work', 'admin'],
      ['node.quarantine', 'gpu-a3', 'ok', 'rack 7 power work', 'admin'],
      ['node.quarantine', 'gpu-q1', 'invalid', 'rack 7 power work', 'admin'],
    ]);
  });

  it('the same bulk request posted again with its idempotency key is not run again: the first answer, one "denied" row', async () => {
    const input = { nodes: ['gpu-b1'], reason: 'rack 8 power work', idempotencyKey: 'bulk-key-0123456789' };
    const first = await runBulkNodeAction(context, 'quarantine', input, asAdmin());
    expect(first).toMatchObject({ ok: true, done: 1 });
    const before = await manualQuarantines();
    const headers = asAdmin();
    expect(await runBulkNodeAction(context, 'quarantine', input, headers)).toEqual(first);
    expect(await manualQuarantines()).toBe(before);
    expect(await rowsOf(headers)).toMatchObject([
      { action: 'node.bulk-quarantine', outcome: 'denied', detail: expect.stringContaining('replay of request bulk-') },
    ]);
  });

  it('a filter request retried with its idempotency key gets its first answer, though the filter now matches other nodes', async () => {
    const input = {
      filter: 'state=healthy&q=gpu-c',
      reason: 'rack 9 power work',
      idempotencyKey: 'bulk-filter-key-0123456789',
    };
    for (const name of ['gpu-c1', 'gpu-c2']) views.set(name, nodeView(name, 'healthy'));
    const first = await runBulkNodeAction(context, 'quarantine', input, asAdmin());
    expect(first).toMatchObject({ ok: true, done: 2, refused: 0 });
    // The first run quarantined them: the same filter now matches none of them.
    for (const name of ['gpu-c1', 'gpu-c2']) views.set(name, nodeView(name, 'quarantined'));
    const before = await manualQuarantines();
    const headers = asAdmin();
    expect(await runBulkNodeAction(context, 'quarantine', input, headers)).toEqual(first);
    expect(await manualQuarantines()).toBe(before);
    expect(await rowsOf(headers)).toMatchObject([
      {
        action: 'node.bulk-quarantine',
        outcome: 'denied',
        target: 'filter: state=healthy&q=gpu-c',
        detail: expect.stringContaining('replay of request bulk-'),
      },
    ]);
    // The same key with another filter is another change.
    const other = asAdmin();
    expect(
      await runBulkNodeAction(context, 'quarantine', { ...input, filter: 'state=healthy&q=gpu-b' }, other),
    ).toMatchObject({ ok: false, status: 409, error: expect.stringContaining('used for another change') });
    expect(await rowsOf(other)).toHaveLength(1);
  });

  it('a request refused as a whole (over the cap, a viewer, no reason) is one audit row naming why, and changes nothing', async () => {
    const before = await manualQuarantines();
    const tooMany = Array.from({ length: 501 }, (_, index) => `gpu-${index}`);
    const headers = asAdmin();
    expect(await runBulkNodeAction(context, 'quarantine', { nodes: tooMany, reason: 'rack 7' }, headers)).toEqual({
      ok: false,
      outcome: 'invalid',
      status: 400,
      error: 'a bulk action takes at most 500 nodes (got 501)',
    });
    expect(await rowsOf(headers)).toMatchObject([
      {
        action: 'node.bulk-quarantine',
        outcome: 'invalid',
        target: expect.stringMatching(/^nodes: gpu-0, gpu-1, .*… \(501 in all\)$/),
      },
    ]);

    const viewer = new Headers(viewerHeaders);
    viewer.set('x-request-id', 'bulk-viewer');
    expect(await runBulkNodeAction(context, 'release', { nodes: ['gpu-q1'], reason: 'rack 7 done' }, viewer)).toEqual({
      ok: false,
      outcome: 'denied',
      status: 403,
      error: 'your role (viewer) may not do this',
    });
    expect(await rowsOf(viewer)).toMatchObject([
      { action: 'node.bulk-release', outcome: 'denied', actor: 'vera', target: 'nodes: gpu-q1' },
    ]);

    const noReason = asAdmin();
    expect(await runBulkNodeAction(context, 'quarantine', { filter: 'state=healthy' }, noReason)).toMatchObject({
      status: 400,
      error: 'reason is required (3 to 500 characters)',
    });
    expect(await rowsOf(noReason)).toHaveLength(1);
    expect(await manualQuarantines()).toBe(before);
  });

  it('a bulk release without a cluster refuses each node as a single release would, one row each', async () => {
    views.set('gpu-q2', nodeView('gpu-q2', 'draining'));
    const plan = await runBulkNodeAction(
      context,
      'release',
      { filter: 'state=quarantined,draining', dryRun: true },
      asAdmin(),
    );
    expect(plan).toMatchObject({
      ok: true,
      act: [],
      refused: [
        { name: 'gpu-q2', why: 'no Kubernetes cluster configured: a release is an uncordon' },
        { name: 'gpu-q1', why: 'no Kubernetes cluster configured: a release is an uncordon' },
      ],
    });
    const headers = asAdmin();
    const result = await runBulkNodeAction(
      context,
      'release',
      { nodes: ['gpu-q1', 'gpu-a1'], reason: 'rack 7 done' },
      headers,
    );
    expect(result).toMatchObject({
      ok: true,
      done: 0,
      refused: 2,
      results: [
        { name: 'gpu-q1', ok: false, status: 409, error: expect.stringContaining('no Kubernetes cluster configured') },
        {
          name: 'gpu-a1',
          ok: false,
          status: 409,
          error: 'gpu-a1 is not quarantined (Healthy); there is nothing to release',
        },
      ],
    });
    expect((await rowsOf(headers)).map((row) => [row.action, row.target, row.outcome]).reverse()).toEqual([
      ['node.release', 'gpu-q1', 'invalid'],
      ['node.release', 'gpu-a1', 'invalid'],
    ]);
  });
});
