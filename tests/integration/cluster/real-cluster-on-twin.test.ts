// The real-cluster suite (tests/support/real-cluster-suite.ts) run against the twin API server, in
// every `npm test`, writes included: so the suite itself is known to work before anyone points it at
// a real cluster, and its writes are seen to leave the labelled node as they found it.
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';

import { NVSENTINEL_NAMESPACE } from '@/lib/nvsentinel/kubernetes-keys';
import type { TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';

import { startTestFleet } from '../../support/cluster-test-fleet';
import { snapshotOf } from '../../support/cluster-test-node';
import { defineRealClusterSuite } from '../../support/real-cluster-suite';

let twin: Promise<TwinCluster> | undefined;
const cluster = () => (twin ??= startTestFleet());
let found: ReturnType<typeof snapshotOf> | undefined;
let foundVersion = 0;

afterAll(async () => {
  await (await twin)?.close();
});

describe('before the suite', () => {
  it('the twin holds a node labelled for writes', async () => {
    const api = (await cluster()).kubeConfig().makeApiClient(CoreV1Api);
    const node = await api.readNode({ name: 'gpu-test-writable' });
    found = snapshotOf(node);
    foundVersion = Number(node.metadata?.resourceVersion);
    expect(found.unschedulable).toBe(false);
  });
});

defineRealClusterSuite({
  connect: async () => {
    const started = await cluster();
    return { config: started.kubeConfig(), namespace: NVSENTINEL_NAMESPACE, where: `the twin at ${started.api.url}` };
  },
  writes: true,
});

describe('after the suite', () => {
  it('the labelled node is as the writes found it: schedulable, none of their labels or annotations', async () => {
    const api = (await cluster()).kubeConfig().makeApiClient(CoreV1Api);
    const node = await api.readNode({ name: 'gpu-test-writable' });
    expect(snapshotOf(node)).toEqual(found);
    // The writes did happen: the node was written since.
    expect(Number(node.metadata?.resourceVersion)).toBeGreaterThan(foundVersion);
  });
});
