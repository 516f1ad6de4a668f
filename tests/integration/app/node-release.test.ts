// Release is an uncordon through the API server (NVSentinel's manual release): the node becomes
// schedulable, labelled with who and why; fault-quarantine, not the console, then marks the session
// Cancelled. Each refusal says what is wrong: no cluster configured, a node that is not cordoned,
// one the cluster does not have, RBAC that does not allow the update.
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { releaseNodeMutation } from '@/lib/actions/node-mutations';
import type { Actor } from '@/lib/auth/actor';
import { ClusterState } from '@/lib/cluster/cluster-state';
import type { AppContext } from '@/lib/context/app-context';
import type { LiveHub } from '@/lib/live/live-hub';
import type { NodeView } from '@/lib/node-state/node-view';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';

import { testAppContext } from '../../support/app-context';

const NVSENTINEL_SESSION = {
  quarantineHealthEvent: '[{"checkName":"SysLogsXIDError","nodeName":"gpu-1"}]',
  quarantineHealthEventIsCordoned: 'True',
};

const ana: Actor = { id: 'u1', name: 'ana', displayName: 'Ana', role: 'operator' };

const quarantined = (name: string): NodeView => ({
  name,
  state: 'quarantined',
  stateSince: Date.now(),
  lastEventAt: Date.now(),
  lastCheck: 'SysLogsXIDError',
  fatalCount: 1,
  openFaults: 1,
  agents: ['syslog-health-monitor'],
  checks: ['SysLogsXIDError'],
  session: {
    recordId: 'r1',
    since: Date.now(),
    manual: false,
    reason: 'XID 79',
    actor: null,
    checkName: 'SysLogsXIDError',
    recommendedAction: 'RESTART_BM',
    eviction: 'Succeeded',
    evictionMessage: '',
    remediated: null,
  },
  releasedAt: null,
  quarantineRequested: false,
});

describe('release = uncordon', () => {
  let cluster: TwinCluster;
  let state: ClusterState;
  let api: CoreV1Api;
  const refused = new Set<string>();
  // The live hub's projection says every node is quarantined: what the release checks first.
  const liveHub = { projection: { get: (name: string) => quarantined(name) } } as unknown as LiveHub;
  let context: AppContext;
  const release = (nodeName: string, reason = 'fan replaced', on = context) =>
    releaseNodeMutation.run({ nodeName, reason }, ana, on);
  /** A cordon as fault-quarantine leaves it (its session's annotations), or as someone else made it. */
  const cordon = (name: string, annotations: Record<string, string> = NVSENTINEL_SESSION) =>
    api.patchNode(
      { name, body: { metadata: { annotations }, spec: { unschedulable: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );

  beforeAll(async () => {
    cluster = await startTwinCluster(['gpu-1', 'gpu-2', 'gpu-3'], {
      forbid: (verb, resource) => refused.has(`${verb} ${resource}`),
    });
    api = cluster.kubeConfig().makeApiClient(CoreV1Api);
    state = new ClusterState(cluster.kubeConfig(), 'nvsentinel');
    await state.start();
    const access = {
      config: cluster.kubeConfig(),
      source: 'kubeconfig' as const,
      server: cluster.api.url,
      context: 'sentinel-twin',
      namespace: 'nvsentinel',
    };
    context = testAppContext({ liveHub, cluster: { access, state } });
  });
  afterAll(async () => {
    await state?.stop();
    await cluster?.close();
  });

  it('uncordons the node, labelled with who and why, and writes nothing to the datastore', async () => {
    await cordon('gpu-1');
    // The context has no datastore: a release that wrote Cancelled itself would fail here.
    const result = await release('gpu-1', 'fan replaced by the DC team');
    expect(result).toMatchObject({
      ok: true,
      message: expect.stringContaining('gpu-1 released: uncordoned in the cluster'),
    });
    const node = await api.readNode({ name: 'gpu-1' });
    expect(node.spec?.unschedulable).toBe(false);
    expect(node.metadata?.labels).toMatchObject({
      'k8saas.nvidia.com/uncordon-by': 'sentinel-console-ana',
      'k8saas.nvidia.com/uncordon-reason': 'fan-replaced-by-the-DC-team',
    });
    expect(node.metadata?.labels?.['k8saas.nvidia.com/uncordon-timestamp']).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/,
    );
  });

  it('refuses without a cluster, saying why (writing Cancelled alone would leave the node cordoned)', async () => {
    const result = await release('gpu-2', 'fan replaced', testAppContext({ liveHub }));
    expect(result).toMatchObject({
      ok: false,
      status: 409,
      error: expect.stringContaining('no Kubernetes cluster configured'),
    });
  });

  it('refuses a node that is not cordoned, and one the cluster does not have', async () => {
    expect(await release('gpu-2')).toMatchObject({
      ok: false,
      status: 409,
      error: expect.stringContaining('gpu-2 is not cordoned in the cluster'),
    });
    expect(await release('gpu-404')).toMatchObject({
      ok: false,
      status: 404,
      error: 'node gpu-404 does not exist in the cluster (deleted meanwhile?)',
    });
  });

  it('names the missing RBAC when the API server forbids the update, and leaves the node cordoned', async () => {
    await cordon('gpu-3');
    refused.add('update nodes');
    try {
      expect(await release('gpu-3')).toMatchObject({
        ok: false,
        outcome: 'error',
        status: 500,
        error: expect.stringContaining('may not update node gpu-3 (RBAC'),
      });
    } finally {
      refused.clear();
    }
    expect((await api.readNode({ name: 'gpu-3' })).spec?.unschedulable).toBe(true);
  });

  it("refuses a cordon that is not NVSentinel's session's, and one that predates it, leaving both in place", async () => {
    await cordon('gpu-2', {});
    expect(await release('gpu-2')).toMatchObject({
      ok: false,
      status: 409,
      error: expect.stringContaining("not by NVSentinel's session"),
    });
    await cordon('gpu-2', { ...NVSENTINEL_SESSION, quarantineHealthEventCordonPreExisting: 'True' });
    expect(await release('gpu-2')).toMatchObject({
      ok: false,
      status: 409,
      error: expect.stringContaining('was cordoned before NVSentinel quarantined it'),
    });
    expect((await api.readNode({ name: 'gpu-2' })).spec?.unschedulable).toBe(true);
  });
});
