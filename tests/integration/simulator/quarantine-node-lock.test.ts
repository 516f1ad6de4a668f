// fault-quarantine holds a per-node lock for every node write (fault-quarantine/pkg/informer/k8s_client.go:59,
// 158-162 @ 42672ae). The race it settles: an operator uncordons a quarantined node while a quarantine
// write for a new event on it is in flight. With the lock, the write that started first retries its 409
// inside the lock and joins the event to the session (the node stays schedulable), and only then does the
// manual-uncordon clean-up run: the node ends uncordoned, cleaned up, marked uncordoned manually, which is
// where NVSentinel ends. Without it the clean-up slipped in between, and the retried write found no
// session and cordoned the node again as a fresh quarantine the operator had just lifted.
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { QUARANTINE_ANNOTATIONS as ANNOTATION, STATE_LABEL } from '@/lib/nvsentinel/kubernetes-keys';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';
import { ClusterQuarantine } from '@/lib/simulator/pipeline/cluster-quarantine';
import { NodeLocks } from '@/lib/simulator/pipeline/node-locks';

import { storedEvent } from '../../support/stored-health-event';
import { until } from '../../support/until';

const NODE = 'gpu-race';

describe("the simulated fault-quarantine's per-node lock", () => {
  let cluster: TwinCluster;
  let api: CoreV1Api;
  let quarantine: ClusterQuarantine;
  const locks = new NodeLocks();
  /** Set: the next update of the node is held in flight until `held` is called. */
  let holdNextUpdate = false;
  let held: (() => void) | undefined;
  const uncordonedByHand: string[] = [];

  beforeAll(async () => {
    cluster = await startTwinCluster([NODE], {
      hold: (verb, resource, name) => {
        if (!holdNextUpdate || verb !== 'update' || resource !== 'nodes' || name !== NODE) return undefined;
        holdNextUpdate = false;
        return new Promise<void>((resolve) => (held = resolve));
      },
    });
    api = cluster.kubeConfig().makeApiClient(CoreV1Api);
    quarantine = new ClusterQuarantine(cluster.kubeConfig(), locks);
    await quarantine.watchManualUncordons(async (node) => {
      uncordonedByHand.push(node);
    });
  });
  afterAll(async () => {
    held?.();
    await quarantine?.stop();
    await cluster?.close();
  });

  it('cleans up an uncordon made while a quarantine write was in flight only after that write', async () => {
    expect(await quarantine.quarantine(storedEvent(NODE))).toBe('Quarantined');
    expect((await api.readNode({ name: NODE })).spec?.unschedulable).toBe(true);

    // A second fault on the node: its write reaches the API server and is held there.
    holdNextUpdate = true;
    const second = quarantine.quarantine(
      storedEvent(NODE, { entitiesImpacted: [{ entityType: 'GPU', entityValue: '5' }] }),
    );
    await until('the quarantine write held in flight', async () => held !== undefined);
    // Meanwhile the operator uncordons (what `kubectl uncordon` sends): the held write is now stale.
    await api.patchNode(
      { name: NODE, body: { spec: { unschedulable: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    // fault-quarantine's informer has seen the uncordon: its clean-up waits for the lock (or, without
    // the lock, has already written).
    await until(
      'the clean-up of the manual uncordon has started',
      async () =>
        locks.queued(NODE) >= 2 ||
        (await api.readNode({ name: NODE })).metadata?.annotations?.[ANNOTATION.uncordonedManually] === 'True',
    );
    held!();

    // The write that started first retried its 409 and joined the session, on the node as the operator left it.
    expect(await second).toBe('AlreadyQuarantined');
    await until('the clean-up ran after it', async () => uncordonedByHand.length > 0);
    const node = await api.readNode({ name: NODE });
    expect(node.spec?.unschedulable).toBeFalsy();
    expect(node.metadata?.annotations?.[ANNOTATION.uncordonedManually]).toBe('True');
    expect(node.metadata?.annotations ?? {}).not.toHaveProperty(ANNOTATION.healthEvents);
    expect(node.metadata?.annotations ?? {}).not.toHaveProperty(ANNOTATION.isCordoned);
    expect(node.metadata?.labels ?? {}).not.toHaveProperty(STATE_LABEL);
    expect(uncordonedByHand).toEqual([NODE]);
  });
});
