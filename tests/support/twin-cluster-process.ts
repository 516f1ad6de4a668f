// A twin cluster to point the real-cluster suite at by hand, as one would a real one:
//   node --import tsx tests/support/twin-cluster-process.ts [--console-rbac] [--withhold "update nodes"]
// starts the twin API server with the test fleet (tests/support/cluster-test-fleet.ts), writes its
// kubeconfig and prints `KUBECONFIG=<file>`; then, in another shell,
//   KUBECONFIG=<file> SENTINEL_CLUSTER_TEST_WRITES=true npx vitest run tests/integration/cluster
// --console-rbac: the twin allows only what deploy/kubernetes/rbac.yaml grants (as a cluster does
// for the console's service account); --withhold "<verb> <resource>" (repeatable) takes one more away,
// to see the suite name what is missing. Runs until SIGINT or SIGTERM, then removes the kubeconfig.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { startTestFleet } from './cluster-test-fleet';
import { consoleGrants, forbidAllButConsoleGrants } from './console-rbac';

const args = process.argv.slice(2);
const withheld = args.flatMap((arg, index) => (arg === '--withhold' && args[index + 1] ? [args[index + 1]] : []));
const consoleRbac = args.includes('--console-rbac');
const unknown = args.filter(
  (arg, index) => !['--console-rbac', '--withhold'].includes(arg) && args[index - 1] !== '--withhold',
);
if (unknown.length > 0) {
  console.error(`unknown arguments: ${unknown.join(' ')} (known: --console-rbac, --withhold "<verb> <resource>")`);
  process.exit(2);
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'sentinel-twin-'));
const kubeconfigFile = path.join(dir, 'kubeconfig');
const cluster = await startTestFleet({
  kubeconfigFile,
  forbid: consoleRbac || withheld.length > 0 ? forbidAllButConsoleGrants(consoleGrants(), withheld) : undefined,
});
console.log(
  `twin API server ${cluster.api.url}${consoleRbac ? ", allowing only the console's RBAC" : ''}${withheld.length ? `, less ${withheld.join(', ')}` : ''}`,
);
console.log(`KUBECONFIG=${kubeconfigFile}`);

const stop = async () => {
  await cluster.close();
  await rm(dir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
