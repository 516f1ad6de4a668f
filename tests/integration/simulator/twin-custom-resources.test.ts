// The twin serves NVSentinel's CRDs (apiextensions.k8s.io/v1) and the custom resources they define,
// cluster-scoped, like any resource: discovery per group/version (so the client and kubectl find
// them), list, get, watch, create (409 AlreadyExists), update, the status subresource, patch and
// delete, resourceVersion from the same counter as every object; with no CRD none of it is served,
// and a CRD created later is served from then on (a real cluster may have none).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { NVSENTINEL_CRDS } from '@/lib/simulator/kubernetes/nvsentinel-crds';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';

import { until } from '../../support/until';

const run = promisify(execFile);
const janitor = { group: 'janitor.dgxc.nvidia.com', version: 'v1alpha1' };

interface Reboot {
  metadata: { name: string; resourceVersion: string; generation?: number; uid?: string };
  spec: { nodeName: string; force: boolean };
  status?: { conditions?: { type: string; status: string }[]; startTime?: string };
}

const rebootNode = (name: string, nodeName = 'gpu-1') => ({
  apiVersion: 'janitor.dgxc.nvidia.com/v1alpha1',
  kind: 'RebootNode',
  metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'nvsentinel' } },
  spec: { nodeName, force: false },
});

describe("the twin with NVSentinel's CRDs", () => {
  let cluster: TwinCluster;
  let custom: CustomObjectsApi;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'twin-crs-'));
    kubeconfig = path.join(dir, 'kubeconfig');
    cluster = await startTwinCluster(['gpu-1'], { kubeconfigFile: kubeconfig });
    custom = cluster.kubeConfig().makeApiClient(CustomObjectsApi);
  });
  afterAll(async () => {
    await cluster?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists its five CRDs, established, and each group/version in discovery with a status subresource', async () => {
    const crds = await cluster.kubeConfig().makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
    expect(crds.items.map((crd) => crd.metadata?.name).sort()).toEqual([
      'externalremediationrequests.nvsentinel.dgxc.nvidia.com',
      'gpuresets.janitor.dgxc.nvidia.com',
      'rebootnodes.janitor.dgxc.nvidia.com',
      'terminatenodes.janitor.dgxc.nvidia.com',
      'validationrequests.nvsentinel.nvidia.com',
    ]);
    await until('established', async () =>
      (await cluster.kubeConfig().makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition()).items.every((crd) =>
        crd.status?.conditions?.some((condition) => condition.type === 'Established' && condition.status === 'True'),
      ),
    );
    const resources = await custom.getAPIResources(janitor);
    expect(
      resources.resources.map((resource) => `${resource.name} ${resource.kind} ${resource.namespaced}`).sort(),
    ).toEqual([
      'gpuresets GPUReset false',
      'gpuresets/status GPUReset false',
      'rebootnodes RebootNode false',
      'rebootnodes/status RebootNode false',
      'terminatenodes TerminateNode false',
      'terminatenodes/status TerminateNode false',
    ]);
    expect(
      (await custom.getAPIResources({ group: 'nvsentinel.dgxc.nvidia.com', version: 'v1' })).resources[0],
    ).toMatchObject({ name: 'externalremediationrequests', shortNames: ['extrr'] });
    expect(
      (await custom.getAPIResources({ group: 'nvsentinel.nvidia.com', version: 'v1alpha1' })).resources[0].name,
    ).toBe('validationrequests');
  });

  it('creates, reads, lists, updates (status only through /status), patches and deletes a RebootNode', async () => {
    const target = { ...janitor, plural: 'rebootnodes' };
    // A status sent on create is dropped, as for any resource with a status subresource.
    const created = (await custom.createClusterCustomObject({
      ...target,
      body: { ...rebootNode('maintenance-gpu-1-a'), status: { conditions: [{ type: 'NodeReady', status: 'True' }] } },
    })) as Reboot;
    expect(created.metadata.generation).toBe(1);
    expect(created.status).toBeUndefined();
    const again = (await custom
      .createClusterCustomObject({ ...target, body: rebootNode('maintenance-gpu-1-a') })
      .catch((error: unknown) => error)) as ApiException<string>;
    expect(again.code).toBe(409);
    expect(JSON.parse(again.body)).toMatchObject({ reason: 'AlreadyExists' });

    const read = (await custom.getClusterCustomObject({ ...target, name: 'maintenance-gpu-1-a' })) as Reboot;
    expect(read.spec).toEqual({ nodeName: 'gpu-1', force: false });
    const status = (await custom.replaceClusterCustomObjectStatus({
      ...target,
      name: 'maintenance-gpu-1-a',
      body: { ...read, spec: { nodeName: 'elsewhere', force: true }, status: { startTime: '2026-12-06T10:00:00Z' } },
    })) as Reboot;
    expect(status.status?.startTime).toBe('2026-12-06T10:00:00Z');
    expect(status.spec.nodeName).toBe('gpu-1');
    expect(Number(status.metadata.resourceVersion)).toBeGreaterThan(Number(read.metadata.resourceVersion));
    // A stale resourceVersion is a conflict, as for nodes.
    const stale = (await custom
      .replaceClusterCustomObjectStatus({ ...target, name: 'maintenance-gpu-1-a', body: read })
      .catch((error: unknown) => error)) as ApiException<string>;
    expect(stale.code).toBe(409);
    const patched = (await custom.patchClusterCustomObject(
      { ...target, name: 'maintenance-gpu-1-a', body: { spec: { force: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Reboot;
    expect(patched.spec.force).toBe(true);
    expect(patched.metadata.generation).toBe(2);
    expect(patched.status?.startTime).toBe('2026-12-06T10:00:00Z');

    const list = (await custom.listClusterCustomObject(target)) as { items: Reboot[]; metadata: object };
    expect(list.items.map((item) => item.metadata.name)).toEqual(['maintenance-gpu-1-a']);
    await custom.deleteClusterCustomObject({ ...target, name: 'maintenance-gpu-1-a' });
    const gone = (await custom
      .getClusterCustomObject({ ...target, name: 'maintenance-gpu-1-a' })
      .catch((error: unknown) => error)) as ApiException<string>;
    expect(gone.code).toBe(404);
    expect(JSON.parse(gone.body).message).toBe('rebootnodes.janitor.dgxc.nvidia.com "maintenance-gpu-1-a" not found');
  });

  it('streams a watch of custom resources from a resourceVersion', async () => {
    const target = { ...janitor, plural: 'gpuresets' };
    const from = ((await custom.listClusterCustomObject(target)) as { metadata: { resourceVersion: string } }).metadata
      .resourceVersion;
    const seen: string[] = [];
    const controller = await new Watch(cluster.kubeConfig()).watch(
      '/apis/janitor.dgxc.nvidia.com/v1alpha1/gpuresets',
      { resourceVersion: from },
      (type, object: { metadata: { name: string } }) => seen.push(`${type} ${object.metadata.name}`),
      () => {},
    );
    await custom.createClusterCustomObject({
      ...target,
      body: {
        apiVersion: 'janitor.dgxc.nvidia.com/v1alpha1',
        kind: 'GPUReset',
        metadata: { name: 'reset-1' },
        spec: { nodeName: 'gpu-1' },
      },
    });
    await custom.patchClusterCustomObjectStatus(
      { ...target, name: 'reset-1', body: { status: { phase: 'InProgress' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await custom.deleteClusterCustomObject({ ...target, name: 'reset-1' });
    await until('three events', async () => seen.length === 3);
    controller.abort();
    expect(seen).toEqual(['ADDED reset-1', 'MODIFIED reset-1', 'DELETED reset-1']);
  });

  it('keeps an object with a finalizer until the last one goes', async () => {
    const target = { group: 'nvsentinel.dgxc.nvidia.com', version: 'v1', plural: 'externalremediationrequests' };
    await custom.createClusterCustomObject({
      ...target,
      body: {
        apiVersion: 'nvsentinel.dgxc.nvidia.com/v1',
        kind: 'ExternalRemediationRequest',
        metadata: { name: 'extrr-1', finalizers: ['nvsentinel.dgxc.nvidia.com/external-remediation-cleanup'] },
        spec: { healthEvent: { nodeName: 'gpu-1', checkName: 'GpuXidError' } },
      },
    });
    await custom.deleteClusterCustomObject({ ...target, name: 'extrr-1' });
    const held = (await custom.getClusterCustomObject({ ...target, name: 'extrr-1' })) as {
      metadata: { deletionTimestamp?: string };
    };
    expect(held.metadata.deletionTimestamp).toBeDefined();
    await custom.patchClusterCustomObject(
      { ...target, name: 'extrr-1', body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const gone = (await custom
      .getClusterCustomObject({ ...target, name: 'extrr-1' })
      .catch((error: unknown) => error)) as ApiException<string>;
    expect(gone.code).toBe(404);
  });

  it('answers kubectl: the CRD columns for rebootnodes, the short name extrr', async (context) => {
    const installed = await run('kubectl', ['version', '--client']).then(
      () => true,
      () => false,
    );
    if (!installed) {
      console.warn('SKIPPED: kubectl against the twin (kubectl not installed)');
      context.skip();
    }
    const kubectl = async (...args: string[]) =>
      (await run('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig } })).stdout;
    await custom.createClusterCustomObject({
      ...janitor,
      plural: 'rebootnodes',
      body: rebootNode('maintenance-gpu-1-k'),
    });
    await custom.patchClusterCustomObjectStatus(
      {
        ...janitor,
        plural: 'rebootnodes',
        name: 'maintenance-gpu-1-k',
        body: { status: { conditions: [{ type: 'NodeReady', status: 'True', reason: 'Succeeded', message: 'ok' }] } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const table = await kubectl('get', 'rebootnodes');
    expect(table).toMatch(/^NAME\s+NODE\s+FORCE\s+NODEREADY\s+AGE\n/);
    expect(table).toMatch(/maintenance-gpu-1-k\s+gpu-1\s+false\s+True\s+\d+s/);
    // The short name resolves (an unknown one fails: "the server doesn't have a resource type").
    const { stderr } = await run('kubectl', ['get', 'extrr'], { env: { ...process.env, KUBECONFIG: kubeconfig } });
    expect(stderr).toContain('No resources found');
    expect(await kubectl('get', 'crd', '-o', 'name')).toContain(
      'customresourcedefinition.apiextensions.k8s.io/rebootnodes.janitor.dgxc.nvidia.com',
    );
  });
});

describe('a twin without CRDs', () => {
  let cluster: TwinCluster;

  beforeAll(async () => {
    cluster = await startTwinCluster(['gpu-1'], { customResourceDefinitions: [] });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('serves no custom resource, and serves one from the moment its CRD is created, until it is deleted', async () => {
    const custom = cluster.kubeConfig().makeApiClient(CustomObjectsApi);
    const refused = (await custom.getAPIResources(janitor).catch((error: unknown) => error)) as ApiException<string>;
    expect(refused.code).toBe(404);
    const notServed = (await custom
      .createClusterCustomObject({ ...janitor, plural: 'rebootnodes', body: rebootNode('maintenance-gpu-1-x') })
      .catch((error: unknown) => error)) as ApiException<string>;
    expect(notServed.code).toBe(404);
    // The nodes are served all the same.
    expect((await cluster.kubeConfig().makeApiClient(CoreV1Api).listNode()).items).toHaveLength(1);

    const extensions = cluster.kubeConfig().makeApiClient(ApiextensionsV1Api);
    const reboot = NVSENTINEL_CRDS.find((crd) => crd.metadata.name === 'rebootnodes.janitor.dgxc.nvidia.com')!;
    await extensions.createCustomResourceDefinition({ body: reboot as unknown as V1CustomResourceDefinition });
    expect((await custom.getAPIResources(janitor)).resources.map((resource) => resource.name)).toEqual([
      'rebootnodes',
      'rebootnodes/status',
    ]);
    await custom.createClusterCustomObject({
      ...janitor,
      plural: 'rebootnodes',
      body: rebootNode('maintenance-gpu-1-x'),
    });
    await extensions.deleteCustomResourceDefinition({ name: 'rebootnodes.janitor.dgxc.nvidia.com' });
    await until('its objects gone with it', async () => cluster.api.store.list('rebootnodes').length === 0);
    expect(
      ((await custom.getAPIResources(janitor).catch((error: unknown) => error)) as ApiException<string>).code,
    ).toBe(404);
  });
});
