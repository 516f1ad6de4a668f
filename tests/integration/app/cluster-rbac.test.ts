// deploy/kubernetes/rbac.yaml grants exactly what the console uses: against an API server that
// allows those verbs and nothing else, the cluster state goes live and Release uncordons; take one
// verb away and the feature that needs it is refused (so no verb in the file is spare).
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { CoreV1Api, loadAllYaml, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { releaseNodeMutation } from '@/lib/actions/node-mutations';
import { ClusterState } from '@/lib/cluster/cluster-state';
import type { LiveHub } from '@/lib/live/live-hub';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';

import { testAppContext } from '../../support/app-context';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
interface RbacObject {
  kind: string;
  metadata: { namespace?: string };
  rules?: Rule[];
}

describe('the RBAC the console ships', () => {
  let granted: { verb: string; resource: string; namespace?: string }[];
  let withheld: string | null = null;
  let cluster: TwinCluster;
  let admin: CoreV1Api;

  const allowed = (verb: string, resource: string, namespace?: string) =>
    `${verb} ${resource}` !== withheld &&
    granted.some(
      (grant) =>
        grant.verb === verb &&
        grant.resource === resource &&
        (grant.namespace === undefined || grant.namespace === namespace),
    );

  beforeAll(async () => {
    const objects = loadAllYaml(
      await readFile(path.join(process.cwd(), 'deploy', 'kubernetes', 'rbac.yaml'), 'utf8'),
    ) as RbacObject[];
    granted = objects
      .filter((object) => object.kind === 'ClusterRole' || object.kind === 'Role')
      .flatMap((object) =>
        (object.rules ?? []).flatMap((rule) =>
          rule.resources.flatMap((resource) =>
            rule.verbs.map((verb) => ({
              verb,
              resource,
              namespace: object.kind === 'Role' ? object.metadata.namespace : undefined,
            })),
          ),
        ),
      );
    cluster = await startTwinCluster(['gpu-1'], {
      forbid: (verb, resource, _name, namespace) => !allowed(verb, resource, namespace),
    });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  /** The node cordoned again, as the cluster's admin (cordoning is NVSentinel's job, not the console's). */
  const cordon = async () => {
    granted.push({ verb: 'patch', resource: 'nodes' });
    try {
      await admin.patchNode(
        {
          name: 'gpu-1',
          body: {
            metadata: { annotations: { quarantineHealthEvent: '[{}]', quarantineHealthEventIsCordoned: 'True' } },
            spec: { unschedulable: true },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    } finally {
      granted.pop();
    }
  };

  /** What the console's cluster features manage with the verbs granted now: the watched state, and a Release. */
  const features = async (): Promise<{ live: boolean; released: boolean }> => {
    const state = new ClusterState(cluster.kubeConfig(), 'nvsentinel');
    try {
      await state.start();
      const liveHub = {
        projection: {
          get: (name: string) => ({
            name,
            state: 'quarantined',
            session: { since: Date.now() },
            quarantineRequested: false,
          }),
        },
      } as unknown as LiveHub;
      const access = {
        config: cluster.kubeConfig(),
        source: 'kubeconfig' as const,
        server: cluster.api.url,
        context: 'sentinel-twin',
        namespace: 'nvsentinel',
      };
      const released = await releaseNodeMutation.run(
        { nodeName: 'gpu-1', reason: 'rbac test' },
        { id: 'u', name: 'ana', displayName: 'Ana', role: 'operator' },
        testAppContext({ liveHub, cluster: { access, state } }),
      );
      return { live: state.status().state === 'live', released: released.ok };
    } finally {
      await state.stop();
    }
  };

  it('is enough: the state goes live and Release uncordons', async () => {
    admin = cluster.kubeConfig().makeApiClient(CoreV1Api);
    await cordon();
    expect(await features()).toEqual({ live: true, released: true });
    expect((await admin.readNode({ name: 'gpu-1' })).spec?.unschedulable).toBe(false);
  });

  it('has no spare verb: without any one of them a feature is refused', async () => {
    const verbs = granted.map((grant) => `${grant.verb} ${grant.resource}`);
    expect([...verbs].sort()).toEqual([
      'get nodes',
      'list configmaps',
      'list nodes',
      'update nodes',
      'watch configmaps',
      'watch nodes',
    ]);
    try {
      for (const verb of verbs) {
        withheld = null;
        await cordon();
        withheld = verb;
        const found = await features();
        expect(found.live && found.released, `without ${verb} nothing was refused`).toBe(false);
      }
    } finally {
      withheld = null;
    }
  }, 120_000);
});
