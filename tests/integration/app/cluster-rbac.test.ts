// deploy/kubernetes/rbac.yaml grants exactly what the console uses: against an API server that
// allows those verbs and nothing else, the cluster state goes live (NVSentinel's custom resources
// followed), Release uncordons and the
// breaker's reset closes the ConfigMap and restarts fault-quarantine; take one verb away and the
// feature that needs it is refused (so no verb in the file is spare), the reset's refusal naming the
// verb. A rule's resourceNames are kept: a request for another object is refused. (The twin does
// not tell its hook a list's field selector; a list or watch with no name counts as allowed by a
// named rule, as the real server allows the informer's, which selects metadata.name.)
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { AppsV1Api, CoreV1Api, loadAllYaml, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { resetBreakerMutation } from '@/lib/actions/breaker-mutations';
import type { MutationOutcome } from '@/lib/actions/mutation';
import { releaseNodeMutation } from '@/lib/actions/node-mutations';
import { ClusterState } from '@/lib/cluster/cluster-state';
import type { LiveHub } from '@/lib/live/live-hub';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';

import { testAppContext } from '../../support/app-context';

interface Rule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}
interface RbacObject {
  kind: string;
  metadata: { namespace?: string };
  rules?: Rule[];
}

describe('the RBAC the console ships', () => {
  let granted: { verb: string; resource: string; namespace?: string; names?: string[] }[];
  let withheld: string | null = null;
  let cluster: TwinCluster;
  let admin: CoreV1Api;

  const allowed = (verb: string, resource: string, name?: string, namespace?: string) =>
    `${verb} ${resource}` !== withheld &&
    granted.some(
      (grant) =>
        grant.verb === verb &&
        grant.resource === resource &&
        (grant.namespace === undefined || grant.namespace === namespace) &&
        (grant.names === undefined ||
          (name === undefined ? verb === 'list' || verb === 'watch' : grant.names.includes(name))),
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
              names: rule.resourceNames,
            })),
          ),
        ),
      );
    cluster = await startTwinCluster(['gpu-1'], {
      forbid: (verb, resource, name, namespace) => !allowed(verb, resource, name, namespace),
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

  /** The breaker tripped again, as fault-quarantine writes it (tripping is NVSentinel's job, not the console's). */
  const trip = async () => {
    granted.push({ verb: 'patch', resource: 'configmaps' });
    try {
      await admin.patchNamespacedConfigMap(
        { name: 'circuit-breaker', namespace: 'nvsentinel', body: { data: { status: 'TRIPPED' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } finally {
      granted.pop();
    }
  };

  /** What the console's cluster features manage with the verbs granted now: the watched state, a Release, a reset. */
  const features = async (): Promise<{
    live: boolean;
    released: boolean;
    reset: MutationOutcome;
    resourceKinds: string[];
  }> => {
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
        pipeline: () => null,
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
      const reset = await resetBreakerMutation.run(
        { mode: 'resume', reason: 'rbac test' },
        { id: 'a', name: 'root', displayName: 'Root', role: 'admin' },
        testAppContext({ liveHub, cluster: { access, state } }),
      );
      return {
        live: state.status().state === 'live',
        released: released.ok,
        reset,
        resourceKinds: state.resourceKinds(),
      };
    } finally {
      await state.stop();
    }
  };

  it('is enough: the state goes live, Release uncordons, and the reset closes the breaker and restarts fault-quarantine', async () => {
    admin = cluster.kubeConfig().makeApiClient(CoreV1Api);
    await cordon();
    await trip();
    expect(await features()).toMatchObject({
      live: true,
      released: true,
      reset: { ok: true },
      // The twin has NVSentinel's CRDs: every kind is followed with list and watch alone.
      resourceKinds: ['RebootNode', 'TerminateNode', 'GPUReset', 'ExternalRemediationRequest', 'ValidationRequest'],
    });
    expect((await admin.readNode({ name: 'gpu-1' })).spec?.unschedulable).toBe(false);
    expect(
      (await admin.readNamespacedConfigMap({ name: 'circuit-breaker', namespace: 'nvsentinel' })).data,
    ).toMatchObject({ status: 'CLOSED', cursor: 'RESUME' });
    // The file's own grant (get deployments fault-quarantine) reads it.
    const deployment = await cluster
      .kubeConfig()
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: 'fault-quarantine', namespace: 'nvsentinel' });
    expect(deployment.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toMatch(
      /^\d{4}-\d\d-\d\dT/,
    );
  });

  it('keeps the names: another ConfigMap or Deployment in the namespace is refused', async () => {
    const apps = cluster.kubeConfig().makeApiClient(AppsV1Api);
    await expect(admin.readNamespacedConfigMap({ name: 'other', namespace: 'nvsentinel' })).rejects.toMatchObject({
      code: 403,
    });
    await expect(
      apps.readNamespacedDeployment({ name: 'node-drainer', namespace: 'nvsentinel' }),
    ).rejects.toMatchObject({
      code: 403,
    });
  });

  it('has no spare verb: without any one of them a feature is refused', async () => {
    const verbs = granted.map((grant) => `${grant.verb} ${grant.resource}`);
    expect([...verbs].sort()).toEqual([
      'get configmaps',
      'get deployments',
      'get nodes',
      'list configmaps',
      'list externalremediationrequests',
      'list gpuresets',
      'list nodes',
      'list rebootnodes',
      'list terminatenodes',
      'list validationrequests',
      'patch deployments',
      'update configmaps',
      'update nodes',
      'watch configmaps',
      'watch externalremediationrequests',
      'watch gpuresets',
      'watch nodes',
      'watch rebootnodes',
      'watch terminatenodes',
      'watch validationrequests',
    ]);
    try {
      for (const verb of verbs) {
        withheld = null;
        await cordon();
        await trip();
        withheld = verb;
        const found = await features();
        expect(found.live && found.released && found.reset.ok, `without ${verb} nothing was refused`).toBe(false);
        // The reset's own verbs: refused in words naming the verb RBAC lacks.
        if (/configmaps|deployments/.test(verb) && !/list|watch/.test(verb))
          expect(found.reset, `the reset without ${verb}`).toMatchObject({
            ok: false,
            error: expect.stringContaining(`may not ${verb} `),
          });
      }
    } finally {
      withheld = null;
    }
  }, 120_000);
});
