// The maintenance opt-out needs no verb beyond what deploy/kubernetes/rbac.yaml already grants on
// nodes (get and update: GET, change, PUT with the read resourceVersion): against an API server
// that allows exactly the file's node verbs, the opt-out, the early put-back and the expiry's
// put-back all go through; without update, each is refused naming the RBAC.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { CoreV1Api, loadAllYaml } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { optOutNode, putBackNode } from '@/lib/cluster/node-opt-out';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';

const LABEL = 'k8saas.nvidia.com/ManagedByNVSentinel';

interface RbacObject {
  kind: string;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
}

describe('the RBAC the opt-out needs', () => {
  let nodeVerbs: Set<string>;
  let withheld: string | null = null;
  let cluster: TwinCluster;

  beforeAll(async () => {
    const objects = loadAllYaml(
      await readFile(path.join(process.cwd(), 'deploy', 'kubernetes', 'rbac.yaml'), 'utf8'),
    ) as RbacObject[];
    nodeVerbs = new Set(
      objects
        .filter((object) => object.kind === 'ClusterRole')
        .flatMap((object) => object.rules ?? [])
        .filter((rule) => rule.apiGroups.includes('') && rule.resources.includes('nodes'))
        .flatMap((rule) => rule.verbs),
    );
    cluster = await startTwinCluster(['gpu-1'], {
      forbid: (verb, resource) => resource !== 'nodes' || verb === withheld || !nodeVerbs.has(verb),
    });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('takes out and puts back with the node verbs the file grants, and names the RBAC without update', async () => {
    const config = cluster.kubeConfig();
    const request = { by: 'ana', reason: 'driver upgrade', until: new Date(Date.now() + 3_600_000) };
    expect(await optOutNode(config, 'gpu-1', request)).toMatchObject({ done: true });
    expect(await putBackNode(config, 'gpu-1')).toMatchObject({ done: true });
    withheld = 'update';
    try {
      await expect(optOutNode(config, 'gpu-1', request)).rejects.toThrow(
        "the console's Kubernetes account may not update node gpu-1 (RBAC: nodes get and update; see deploy/kubernetes/rbac.yaml)",
      );
    } finally {
      withheld = null;
    }
    expect(
      (await config.makeApiClient(CoreV1Api).readNode({ name: 'gpu-1' })).metadata?.labels?.[LABEL],
    ).toBeUndefined();
  });
});
