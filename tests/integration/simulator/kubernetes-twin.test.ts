// The twin's Kubernetes API server speaks the real protocol: the official client lists, watches
// (resuming from a resourceVersion, bookmarks, 410 Expired making its informer list again),
// patches in all three formats and is refused with real Status objects (409 on a stale
// resourceVersion, 403, 404); and kubectl works against it: get nodes, cordon, uncordon, label.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type V1Node,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTwinApiServer, type TwinApiServer } from '@/lib/simulator/kubernetes/api-server';
import { writeTwinKubeconfig } from '@/lib/simulator/kubernetes/kubeconfig';

import { until } from '../../support/until';

const run = promisify(execFile);
const TOKEN = 'twin-test-token';

const node = (name: string, labels: Record<string, string> = {}) => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
  spec: {},
  status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.32.1' } },
});

describe('the twin Kubernetes API server', () => {
  let twin: TwinApiServer;
  let dir: string;
  let kubeconfig: string;
  let api: CoreV1Api;
  let config: KubeConfig;
  const forbidden = new Set<string>();

  beforeAll(async () => {
    twin = await startTwinApiServer({
      token: TOKEN,
      bookmarkMs: 200,
      historyLimit: 50,
      forbid: (verb, resource) => forbidden.has(`${verb} ${resource}`),
    });
    for (const name of ['gpu-a', 'gpu-b', 'gpu-c'])
      twin.store.create(twin.resource('nodes'), node(name, { pool: name === 'gpu-c' ? 'spare' : 'main' }));
    dir = await mkdtemp(path.join(os.tmpdir(), 'twin-'));
    kubeconfig = path.join(dir, 'kubeconfig');
    await writeTwinKubeconfig(kubeconfig, twin.url, twin.certificateAuthority, TOKEN);
    config = new KubeConfig();
    config.loadFromFile(kubeconfig);
    api = config.makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    await twin?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists nodes through the official client, with label selectors and pages', async () => {
    const all = await api.listNode();
    expect(all.items.map((item) => item.metadata?.name)).toEqual(['gpu-a', 'gpu-b', 'gpu-c']);
    expect(Number(all.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect((await api.listNode({ labelSelector: 'pool=spare' })).items.map((item) => item.metadata?.name)).toEqual([
      'gpu-c',
    ]);
    const first = await api.listNode({ limit: 2 });
    expect(first.items).toHaveLength(2);
    const rest = await api.listNode({ limit: 2, _continue: first.metadata?._continue });
    expect(rest.items.map((item) => item.metadata?.name)).toEqual(['gpu-c']);
  });

  it('applies merge, strategic-merge and JSON patches, and refuses a stale resourceVersion with 409', async () => {
    const merged = await api.patchNode(
      { name: 'gpu-a', body: { metadata: { labels: { 'k8saas.nvidia.com/cordon-by': 'NVSentinel' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.labels).toMatchObject({ 'k8saas.nvidia.com/cordon-by': 'NVSentinel', pool: 'main' });
    const strategic = await api.patchNode(
      { name: 'gpu-a', body: { spec: { unschedulable: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(strategic.spec?.unschedulable).toBe(true);
    const patched = await api.patchNode(
      { name: 'gpu-a', body: [{ op: 'remove', path: '/metadata/labels/k8saas.nvidia.com~1cordon-by' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(patched.metadata?.labels).not.toHaveProperty('k8saas.nvidia.com/cordon-by');

    // Get, modify, update: the writer whose read is older loses with 409, as NVSentinel's retry expects.
    const read = await api.readNode({ name: 'gpu-b' });
    await api.patchNode(
      { name: 'gpu-b', body: { metadata: { annotations: { note: 'first' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const stale = { ...read, spec: { ...read.spec, unschedulable: true } } as V1Node;
    const refusal = await api.replaceNode({ name: 'gpu-b', body: stale }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ApiException);
    expect((refusal as ApiException<unknown>).code).toBe(409);
    expect(JSON.parse((refusal as ApiException<string>).body)).toMatchObject({ kind: 'Status', reason: 'Conflict' });
    const fresh = await api.readNode({ name: 'gpu-b' });
    const replaced = await api.replaceNode({
      name: 'gpu-b',
      body: { ...fresh, spec: { ...fresh.spec, unschedulable: true } } as V1Node,
    });
    expect(replaced.spec?.unschedulable).toBe(true);
  });

  it('answers 404 for a node that is not there and 403 for a verb the caller may not use', async () => {
    const missing = (await api.readNode({ name: 'gpu-zz' }).catch((error: unknown) => error)) as ApiException<string>;
    expect(missing.code).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ reason: 'NotFound', message: 'nodes "gpu-zz" not found' });
    forbidden.add('patch nodes');
    try {
      const refused = (await api
        .patchNode(
          { name: 'gpu-c', body: { spec: { unschedulable: true } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        )
        .catch((error: unknown) => error)) as ApiException<string>;
      expect(refused.code).toBe(403);
      expect(JSON.parse(refused.body).message).toContain('cannot patch resource "nodes"');
    } finally {
      forbidden.delete('patch nodes');
    }
  });

  it('watches from a resourceVersion with bookmarks, and ends an expired one with a 410 ERROR event', async () => {
    const from = (await api.listNode()).metadata!.resourceVersion!;
    const seen: { type: string; name?: string; resourceVersion?: string }[] = [];
    const watch = new Watch(config);
    const controller = await watch.watch(
      '/api/v1/nodes',
      { resourceVersion: from, allowWatchBookmarks: true },
      (type, object) =>
        seen.push({ type, name: object.metadata?.name, resourceVersion: object.metadata?.resourceVersion }),
      () => {},
    );
    await api.patchNode(
      { name: 'gpu-c', body: { metadata: { labels: { watched: 'yes' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await until(
      'the change and a bookmark',
      async () =>
        seen.some((event) => event.type === 'MODIFIED' && event.name === 'gpu-c') &&
        seen.some((event) => event.type === 'BOOKMARK'),
    );
    controller.abort();

    // Push the history past its 50 kept changes: a watch from before them has expired.
    for (let index = 0; index < 60; index += 1) {
      await api.patchNode(
        { name: 'gpu-c', body: { metadata: { annotations: { turn: String(index) } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    }
    const errors: unknown[] = [];
    const expired = await watch.watch(
      '/api/v1/nodes',
      { resourceVersion: from },
      (type, object) => type === 'ERROR' && errors.push(object),
      () => {},
    );
    await until('the 410 ERROR event', async () => errors.length > 0);
    expired.abort();
    expect(errors[0]).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('keeps an informer in step, and it lists again by itself after its watch expired', async () => {
    let lists = 0;
    const informer = makeInformer(config, '/api/v1/nodes', () => {
      lists += 1;
      return api.listNode();
    });
    const errors: unknown[] = [];
    informer.on('error', (error) => errors.push(error));
    await informer.start();
    try {
      await until('the informer holds every node', async () => informer.list().length === 3);
      await api.patchNode(
        { name: 'gpu-a', body: { spec: { unschedulable: false } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await until('the informer sees the uncordon', async () => informer.get('gpu-a')?.spec?.unschedulable === false);

      // In one turn of the event loop (no bookmark can come between): a node arrives, 60 other
      // changes push the kept history past the informer's resourceVersion, and its watch ends.
      // It watches again from that resourceVersion, gets 410, lists again, and so finds the node.
      const listsBefore = lists;
      twin.store.create(twin.resource('nodes'), node('gpu-d'));
      for (let index = 0; index < 60; index += 1)
        twin.store.create(twin.resource('configmaps'), {
          metadata: { name: `filler-${index}`, namespace: 'default' },
          data: {},
        });
      twin.endWatches();
      await until(
        'the informer lists again and sees the new node',
        async () => lists > listsBefore && informer.get('gpu-d') !== undefined,
      );
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });

  it('serves kubectl: get nodes, cordon, label, uncordon', async (context) => {
    const kubectl = await run('kubectl', ['version', '--client'], {
      env: { ...process.env, KUBECONFIG: kubeconfig },
    }).then(
      () => true,
      () => false,
    );
    if (!kubectl) {
      console.warn('SKIPPED: kubectl against the twin (kubectl not installed: apt install kubernetes-client)');
      context.skip();
    }
    const kubectlRun = async (...args: string[]) =>
      (await run('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig } })).stdout;
    expect(await kubectlRun('get', 'nodes')).toMatch(/NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n/);
    expect(await kubectlRun('cordon', 'gpu-c')).toContain('node/gpu-c cordoned');
    expect((await api.readNode({ name: 'gpu-c' })).spec?.unschedulable).toBe(true);
    expect(await kubectlRun('get', 'nodes')).toMatch(/gpu-c\s+Ready,SchedulingDisabled/);
    await kubectlRun('label', 'node', 'gpu-c', 'dgxc.nvidia.com/nvsentinel-state=quarantined');
    expect((await api.readNode({ name: 'gpu-c' })).metadata?.labels).toMatchObject({
      'dgxc.nvidia.com/nvsentinel-state': 'quarantined',
    });
    expect(await kubectlRun('uncordon', 'gpu-c')).toContain('node/gpu-c uncordoned');
    expect((await api.readNode({ name: 'gpu-c' })).spec?.unschedulable).toBeFalsy();
  });
});

describe('the twin API server outlives the watches it ends', () => {
  it('keeps serving after watches ended by endWatches and by timeoutSeconds, while objects keep changing', async () => {
    const twin = await startTwinApiServer({ token: TOKEN, bookmarkMs: 50 });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twin-end-'));
    try {
      twin.store.create(twin.resource('nodes'), node('gpu-x'));
      const file = path.join(dir, 'kubeconfig');
      await writeTwinKubeconfig(file, twin.url, twin.certificateAuthority, TOKEN);
      const config = new KubeConfig();
      config.loadFromFile(file);
      const api = config.makeApiClient(CoreV1Api);
      const watch = new Watch(config);
      const ended: string[] = [];
      await watch.watch(
        '/api/v1/nodes',
        { allowWatchBookmarks: true },
        () => {},
        () => ended.push('ended'),
      );
      await watch.watch(
        '/api/v1/nodes',
        { timeoutSeconds: 1, allowWatchBookmarks: true },
        () => {},
        () => ended.push('timed out'),
      );
      twin.endWatches();
      // Changes and bookmark ticks right after the ends: none may write to an ended watch.
      for (let index = 0; index < 20; index += 1) {
        await api.patchNode(
          { name: 'gpu-x', body: { metadata: { labels: { turn: String(index) } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      }
      await until('both watches ended', async () => ended.length === 2);
      expect((await api.readNode({ name: 'gpu-x' })).metadata?.labels?.turn).toBe('19');
    } finally {
      await twin.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('tells a watch with a selector when an object enters it (ADDED) and leaves it (DELETED)', async () => {
    const twin = await startTwinApiServer({ token: TOKEN });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twin-selector-'));
    try {
      twin.store.create(twin.resource('nodes'), node('gpu-y', { pool: 'main' }));
      const file = path.join(dir, 'kubeconfig');
      await writeTwinKubeconfig(file, twin.url, twin.certificateAuthority, TOKEN);
      const config = new KubeConfig();
      config.loadFromFile(file);
      const api = config.makeApiClient(CoreV1Api);
      const from = (await api.listNode({ labelSelector: 'pool=spare' })).metadata!.resourceVersion!;
      const seen: string[] = [];
      const controller = await new Watch(config).watch(
        '/api/v1/nodes',
        { labelSelector: 'pool=spare', resourceVersion: from },
        (type, object) => seen.push(`${type} ${object.metadata?.name}`),
        () => {},
      );
      const pool = (value: string) =>
        api.patchNode(
          { name: 'gpu-y', body: { metadata: { labels: { pool: value } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      await pool('spare');
      await pool('main');
      await until('in and out', async () => seen.length === 2);
      controller.abort();
      expect(seen).toEqual(['ADDED gpu-y', 'DELETED gpu-y']);
    } finally {
      await twin.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
