// Where the console finds the cluster, if anywhere: CLUSTER_ACCESS=off turns it off; KUBECONFIG
// names a kubeconfig; inside a pod the service account is used; otherwise ~/.kube/config when it
// exists. Without any of them the console works as before, from the datastore alone, and says
// that cluster state is not connected.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { KubeConfig } from '@kubernetes/client-node';

import type { Environment } from '@/lib/store';

export type ClusterAccessSource = 'kubeconfig' | 'in-cluster' | 'home';

export interface ClusterAccess {
  config: KubeConfig;
  source: ClusterAccessSource;
  /** The API server's URL and the context, for the page that says where cluster state comes from. */
  server: string;
  context: string;
  /** NVSentinel's namespace (the circuit-breaker ConfigMap, the fault-quarantine Deployment). */
  namespace: string;
}

export class ClusterAccessError extends Error {}

export function clusterAccessFromEnv(env: Environment = process.env, home = os.homedir()): ClusterAccess | null {
  const mode = (env.CLUSTER_ACCESS ?? 'auto').trim().toLowerCase();
  if (mode === 'off') return null;
  if (mode !== 'auto') throw new ClusterAccessError(`CLUSTER_ACCESS must be auto or off (got "${env.CLUSTER_ACCESS}")`);
  const namespace = env.NVSENTINEL_NAMESPACE?.trim() || 'nvsentinel';
  const config = new KubeConfig();
  let source: ClusterAccessSource;
  const kubeconfig = env.KUBECONFIG?.split(path.delimiter).find(Boolean);
  if (kubeconfig) {
    if (!existsSync(kubeconfig)) throw new ClusterAccessError(`KUBECONFIG names ${kubeconfig}, which does not exist`);
    try {
      config.loadFromFile(kubeconfig);
    } catch (error) {
      throw new ClusterAccessError(`KUBECONFIG ${kubeconfig} could not be read: ${(error as Error).message}`);
    }
    source = 'kubeconfig';
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) {
    config.loadFromCluster();
    source = 'in-cluster';
  } else if (existsSync(path.join(home, '.kube', 'config'))) {
    config.loadFromFile(path.join(home, '.kube', 'config'));
    source = 'home';
  } else return null;
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new ClusterAccessError(`the ${source} configuration names no current cluster`);
  return { config, source, server: cluster.server, context: config.getCurrentContext(), namespace };
}
