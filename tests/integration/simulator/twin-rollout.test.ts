// The twin's Deployments roll out: a new generation (a spec change, as `kubectl rollout restart`
// makes one) is observed and its replicas updated, ready and available, with the deployment
// controller's conditions, so `kubectl rollout status` (k8s.io/kubectl pkg/polymorphichelpers/rollout_status.go:59-92)
// and `kubectl rollout restart` finish against it, and the breaker runbook's reset can be followed to the letter.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { AppsV1Api, PatchStrategy, setHeaderOptions, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { NVSENTINEL_NAMESPACE } from '@/lib/nvsentinel/kubernetes-keys';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';

import { until } from '../../support/until';

const run = promisify(execFile);

describe('Deployments on the twin roll out', () => {
  let cluster: TwinCluster;
  let apps: AppsV1Api;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'twin-rollout-'));
    kubeconfig = path.join(dir, 'kubeconfig');
    cluster = await startTwinCluster(['gpu-1'], { kubeconfigFile: kubeconfig });
    apps = cluster.kubeConfig().makeApiClient(AppsV1Api);
  });
  afterAll(async () => {
    await cluster?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const read = () => apps.readNamespacedDeployment({ name: 'fault-quarantine', namespace: NVSENTINEL_NAMESPACE });
  const rolledOut = (deployment: V1Deployment) =>
    deployment.status?.observedGeneration === deployment.metadata?.generation &&
    deployment.status?.updatedReplicas === 1 &&
    deployment.status?.availableReplicas === 1;

  it('starts rolled out, and a spec change is a new generation, observed and rolled out with the controller conditions', async () => {
    await until('the first rollout', async () => rolledOut(await read()));
    const first = await read();
    expect(first.metadata?.generation).toBe(1);
    expect(first.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');

    await apps.patchNamespacedDeployment(
      {
        name: 'fault-quarantine',
        namespace: NVSENTINEL_NAMESPACE,
        body: {
          spec: {
            template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-06T10:00:00Z' } } },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const observed = await until('the new generation observed', async () => {
      const deployment = await read();
      return deployment.status?.observedGeneration === 2 ? deployment : null;
    });
    expect(observed.metadata?.generation).toBe(2);
    const done = await until('the new generation rolled out', async () => {
      const deployment = await read();
      return rolledOut(deployment) ? deployment : null;
    });
    expect(done.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(done.status).toMatchObject({ replicas: 1, readyReplicas: 1 });
    expect(done.status?.conditions?.map((condition) => [condition.type, condition.status, condition.reason])).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ]);
  });

  it('a status written by a client does not count: status is a subresource', async () => {
    await apps.patchNamespacedDeployment(
      { name: 'fault-quarantine', namespace: NVSENTINEL_NAMESPACE, body: { status: { observedGeneration: 99 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect((await read()).status?.observedGeneration).not.toBe(99);
  });

  it('kubectl rollout restart and kubectl rollout status finish against it', async (context) => {
    const installed = await run('kubectl', ['version', '--client']).then(
      () => true,
      () => false,
    );
    if (!installed) {
      console.warn('SKIPPED: kubectl against the twin (kubectl not installed)');
      context.skip();
    }
    const kubectl = async (...args: string[]) =>
      (await run('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 60_000 })).stdout;
    const generation = (await read()).metadata!.generation!;
    expect(await kubectl('rollout', 'restart', 'deployment/fault-quarantine', '-n', NVSENTINEL_NAMESPACE)).toContain(
      'deployment.apps/fault-quarantine restarted',
    );
    expect((await read()).metadata?.generation).toBe(generation + 1);
    expect(
      await kubectl('rollout', 'status', 'deployment/fault-quarantine', '-n', NVSENTINEL_NAMESPACE, '--timeout=45s'),
    ).toContain('deployment "fault-quarantine" successfully rolled out');
    expect(rolledOut(await read())).toBe(true);
  });
});
