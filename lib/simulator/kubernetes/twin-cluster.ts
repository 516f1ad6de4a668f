// The simulated cluster as Kubernetes sees it: the twin API server holding a GPU node for every
// simulated node (nvidia.com/gpu.present=true, Ready), NVSentinel's namespace with the
// circuit-breaker ConfigMap (CLOSED, RESUME, as fault-quarantine creates it) and the
// fault-quarantine Deployment (what a breaker reset restarts), rolled out by a deployment
// controller (./deployment-controller.ts), and NVSentinel's CRDs (none when asked: a cluster may
// have none). The simulated fault-quarantine
// cordons through it; the console and kubectl read it like any cluster.
import { randomBytes } from 'node:crypto';

import { KubeConfig } from '@kubernetes/client-node';

import { CIRCUIT_BREAKER_CONFIGMAP, NVSENTINEL_NAMESPACE } from '../../nvsentinel/kubernetes-keys';

import { startTwinApiServer, type ApiServerOptions, type TwinApiServer } from './api-server';
import { CRDS } from './custom-resources';
import { DeploymentController } from './deployment-controller';
import type { KubeObject } from './kube-object';
import { NVSENTINEL_CRDS } from './nvsentinel-crds';
import { twinKubeconfig, writeTwinKubeconfig } from './kubeconfig';

export interface TwinCluster {
  api: TwinApiServer;
  /** A client config for this process (the same cluster, user and token as the kubeconfig file). */
  kubeConfig(): KubeConfig;
  close(): Promise<void>;
}

export async function startTwinCluster(
  nodeNames: readonly string[],
  options: {
    kubeconfigFile?: string;
    /** Verbs to refuse with 403 (tests of missing RBAC). */
    forbid?: ApiServerOptions['forbid'];
    /** Requests to keep in flight (tests of races). */
    hold?: ApiServerOptions['hold'];
    /** The CRDs installed at start: NVSentinel's unless told otherwise; [] for a cluster without them. */
    customResourceDefinitions?: readonly KubeObject[];
  } = {},
): Promise<TwinCluster> {
  const token = randomBytes(24).toString('base64url');
  const api = await startTwinApiServer({ token, forbid: options.forbid, hold: options.hold });
  const created = new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  for (const name of nodeNames) {
    api.store.create(api.resource('nodes'), {
      metadata: {
        name,
        creationTimestamp: created,
        labels: { 'kubernetes.io/hostname': name, 'nvidia.com/gpu.present': 'true', 'node-role.kubernetes.io/gpu': '' },
      },
      spec: {},
      status: {
        conditions: [
          { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
        ],
        nodeInfo: { kubeletVersion: 'v1.32.4' },
      },
    });
  }
  api.store.create(api.resource('namespaces'), { metadata: { name: NVSENTINEL_NAMESPACE } });
  api.store.create(api.resource('configmaps'), {
    metadata: { name: CIRCUIT_BREAKER_CONFIGMAP, namespace: NVSENTINEL_NAMESPACE },
    data: { status: 'CLOSED', cursor: 'RESUME' },
  });
  api.store.create(api.resource('deployments'), {
    metadata: {
      name: 'fault-quarantine',
      namespace: NVSENTINEL_NAMESPACE,
      labels: { 'app.kubernetes.io/name': 'fault-quarantine' },
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'fault-quarantine' } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'fault-quarantine' }, annotations: {} },
        spec: { containers: [{ name: 'fault-quarantine', image: 'nvsentinel/fault-quarantine' }] },
      },
    },
  });
  // janitor's and lifecycle-manager's CRDs, as NVSentinel's charts install them (./nvsentinel-crds.ts).
  for (const crd of options.customResourceDefinitions ?? NVSENTINEL_CRDS) api.store.create(CRDS, structuredClone(crd));
  // Deployments roll out (status, observedGeneration), so kubectl rollout status/restart finish.
  const deployments = new DeploymentController(api.store);
  deployments.start();
  if (options.kubeconfigFile)
    await writeTwinKubeconfig(options.kubeconfigFile, api.url, api.certificateAuthority, token);
  return {
    api,
    kubeConfig: () => {
      const config = new KubeConfig();
      config.loadFromString(twinKubeconfig(api.url, api.certificateAuthority, token));
      return config;
    },
    close: () => {
      deployments.close();
      return api.close();
    },
  };
}
