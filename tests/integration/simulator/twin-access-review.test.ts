// The twin answers SelfSubjectAccessReview as a real API server does (201, the review back with
// status.allowed; 422 for a spec without attributes; 405 for anything but POST), from its RBAC mode:
// with the console's RBAC (deploy/kubernetes/rbac.yaml) it allows exactly those verbs, and the
// real-cluster suite's check names a verb taken away. kubectl auth can-i reads the same answers.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { ApiException, AuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';

import { NVSENTINEL_NAMESPACE } from '@/lib/nvsentinel/kubernetes-keys';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';

import { consoleVerbsRefused } from '../../support/cluster-checks';
import { consoleGrants, forbidAllButConsoleGrants, grantName, type ConsoleGrant } from '../../support/console-rbac';

const run = promisify(execFile);
const started: TwinCluster[] = [];
const dirs: string[] = [];

async function twin(withheld?: string[], kubeconfigFile?: string): Promise<TwinCluster> {
  const cluster = await startTwinCluster(['gpu-1'], {
    kubeconfigFile,
    forbid: withheld ? forbidAllButConsoleGrants(consoleGrants(), withheld) : undefined,
  });
  started.push(cluster);
  return cluster;
}

afterAll(async () => {
  for (const cluster of started) await cluster.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("the twin's SelfSubjectAccessReview", () => {
  /** The console's grants in words, a Role's in `namespace`: what the suite's check asks about. */
  const asked = (namespace: string, only: (grant: ConsoleGrant) => boolean = () => true) =>
    consoleGrants()
      .filter(only)
      .map((grant) => grantName({ ...grant, namespace: grant.namespace === undefined ? undefined : namespace }));

  it('allows every verb without an RBAC mode (the twin token is its cluster-admin)', async () => {
    const cluster = await twin();
    const answer = await consoleVerbsRefused(cluster.kubeConfig(), NVSENTINEL_NAMESPACE);
    expect(answer.asked).toEqual(asked(NVSENTINEL_NAMESPACE));
    expect(answer.asked).toEqual(expect.arrayContaining(['watch nodes', 'update nodes']));
    expect(answer.refused).toEqual([]);
  });

  it("with the console's RBAC allows its verbs, and names the one taken away", async () => {
    expect((await consoleVerbsRefused((await twin([])).kubeConfig(), NVSENTINEL_NAMESPACE)).refused).toEqual([]);
    const without = await twin(['watch configmaps']);
    const refused = (await consoleVerbsRefused(without.kubeConfig(), NVSENTINEL_NAMESPACE)).refused;
    expect(refused).toEqual(
      asked(NVSENTINEL_NAMESPACE, (grant) => `${grant.verb} ${grant.resource}` === 'watch configmaps'),
    );
    expect(refused).toHaveLength(1);
    // A Role's grant holds in its namespace only: NVSentinel elsewhere is outside it.
    expect((await consoleVerbsRefused(without.kubeConfig(), 'gpu-operator')).refused).toEqual(
      asked('gpu-operator', (grant) => grant.namespace !== undefined),
    );
    const review = await without
      .kubeConfig()
      .makeApiClient(AuthorizationV1Api)
      .createSelfSubjectAccessReview({
        body: { spec: { resourceAttributes: { verb: 'delete', resource: 'nodes', name: 'gpu-1' } } },
      });
    expect(review.status).toEqual({ allowed: false });
    expect(review.spec.resourceAttributes).toMatchObject({ verb: 'delete', resource: 'nodes', name: 'gpu-1' });
  });

  it('refuses a review without attributes (422) and anything but POST (405)', async () => {
    const cluster = await twin();
    const api = cluster.kubeConfig().makeApiClient(AuthorizationV1Api);
    const refusal = await api.createSelfSubjectAccessReview({ body: { spec: {} } }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ApiException);
    expect((refusal as ApiException<string>).code).toBe(422);
    expect(String((refusal as ApiException<string>).body)).toContain(
      'exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
    const status = await new Promise<number | undefined>((resolve, reject) => {
      https
        .get(
          `${cluster.api.url}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`,
          {
            ca: cluster.api.certificateAuthority,
            headers: { Authorization: `Bearer ${cluster.kubeConfig().getCurrentUser()?.token}` },
          },
          (response) => {
            response.resume();
            resolve(response.statusCode);
          },
        )
        .on('error', reject);
    });
    expect(status).toBe(405);
  });

  it('answers kubectl auth can-i', async () => {
    const installed = await run('kubectl', ['version', '--client']).then(
      () => true,
      () => false,
    );
    if (!installed) {
      console.warn('SKIPPED: kubectl auth can-i against the twin (kubectl not installed)');
      return;
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twin-review-'));
    dirs.push(dir);
    const kubeconfig = path.join(dir, 'kubeconfig');
    await twin(['update nodes'], kubeconfig);
    const canI = (...args: string[]) =>
      run('kubectl', ['auth', 'can-i', ...args], { env: { ...process.env, KUBECONFIG: kubeconfig } }).then(
        ({ stdout }) => stdout.trim(),
        (error: { stdout?: string }) => String(error.stdout ?? '').trim(),
      );
    expect(await canI('watch', 'nodes')).toBe('yes');
    expect(await canI('update', 'nodes')).toBe('no');
    expect(await canI('list', 'configmaps', '-n', 'default')).toBe('no');
    expect(await canI('delete', 'nodes/gpu-1')).toBe('no');
  }, 60_000);
});
