// The console against the cluster KUBECONFIG names (issue 17: "tests against a real cluster run when
// KUBECONFIG is set"), found the way the console finds it (lib/cluster/cluster-access.ts), with
// NVSENTINEL_NAMESPACE (default nvsentinel). Read-only unless SENTINEL_CLUSTER_TEST_WRITES=true, and
// then it writes only on nodes labelled sentinel-console.test/writable=true, putting back what it
// changed. Without KUBECONFIG (or with SENTINEL_CLUSTER_TEST=off, for a machine whose KUBECONFIG is
// there for something else) it says loudly that it skipped. The checks: tests/support/real-cluster-suite.ts.
import { describe, it } from 'vitest';

import { clusterAccessFromEnv } from '@/lib/cluster/cluster-access';

import { defineRealClusterSuite, type ClusterTarget } from '../../support/real-cluster-suite';

const kubeconfig = process.env.KUBECONFIG;
const off = process.env.SENTINEL_CLUSTER_TEST?.trim().toLowerCase() === 'off';

if (!kubeconfig || off) {
  console.warn(
    `SKIPPED: the console against a real cluster (${off ? 'SENTINEL_CLUSTER_TEST=off' : 'KUBECONFIG not set'})`,
  );
  describe('the console against a real cluster', () => {
    it.skip('needs KUBECONFIG (a cluster the suite may read; writes only when asked)', () => {});
  });
} else {
  let target: ClusterTarget | undefined;
  const writes = process.env.SENTINEL_CLUSTER_TEST_WRITES === 'true';
  defineRealClusterSuite({
    connect: async () => {
      if (target) return target;
      const access = clusterAccessFromEnv({
        KUBECONFIG: kubeconfig,
        NVSENTINEL_NAMESPACE: process.env.NVSENTINEL_NAMESPACE,
      });
      if (!access) throw new Error(`KUBECONFIG ${kubeconfig} gave no cluster`);
      target = {
        config: access.config,
        namespace: access.namespace,
        where: `${access.server} (context ${access.context})`,
      };
      return target;
    },
    writes,
    writesOffBecause: 'SENTINEL_CLUSTER_TEST_WRITES is not true',
  });
}
