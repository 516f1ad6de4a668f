// The console against a real Kubernetes cluster, whatever API server it is given (issue 17,
// "tests against a real cluster"): tests/integration/cluster/real-cluster.test.ts runs it on
// KUBECONFIG's cluster, tests/integration/simulator/real-cluster-suite-on-twin.test.ts on the twin.
//  - Read-only (always): the console's ClusterState turns live and holds every node the API server
//    lists, cordoned as it says; the circuit-breaker ConfigMap is read with its status; every node
//    parses (lib/cluster/cluster-node.ts) in agreement with its raw object; the identity has every
//    verb deploy/kubernetes/rbac.yaml grants the console (SelfSubjectAccessReview).
//  - Writes (only with `writes`, and only on a node labelled sentinel-console.test/writable=true):
//    a cordon by hand is seen as "cordoned outside NVSentinel"; NVSentinel's cordon is lifted by the
//    console's Release (lib/cluster/node-uncordon.ts) with its labels. What they changed is put back
//    afterwards, also when a test failed.
import type { CoreV1Api, KubeConfig, V1Node } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { clusterNodeOf } from '@/lib/cluster/cluster-node';
import { ClusterState } from '@/lib/cluster/cluster-state';
import { disagreementOf, DISAGREEMENT_LABELS } from '@/lib/cluster/disagreement';
import { uncordonNode } from '@/lib/cluster/node-uncordon';
import { CIRCUIT_BREAKER_CONFIGMAP, LABEL_PREFIX } from '@/lib/nvsentinel/kubernetes-keys';
import { parseLabelTimestamp } from '@/lib/nvsentinel/label-values';

import {
  consoleVerbsRefused,
  coreApi,
  identityOf,
  listAllNodes,
  parseDifferences,
  stateDifferences,
} from './cluster-checks';
import {
  blankSnapshot,
  cordonAsNvsentinel,
  cordonByHand,
  differencesFrom,
  realSessionOn,
  restoreNode,
  snapshotOf,
  WRITABLE_LABEL,
  type NodeSnapshot,
} from './cluster-test-node';
import { until } from './until';

export interface ClusterTarget {
  config: KubeConfig;
  /** NVSentinel's namespace (NVSENTINEL_NAMESPACE): the circuit-breaker ConfigMap's. */
  namespace: string;
  /** Where, for the log: the API server's URL and context. */
  where: string;
}

export interface RealClusterSuite {
  /** Connects (the twin starts here); called once per describe block. */
  connect: () => Promise<ClusterTarget>;
  /** Writes on labelled test nodes: the suite's opt-in (SENTINEL_CLUSTER_TEST_WRITES=true on a real cluster). */
  writes: boolean;
  /** Why the writes are off, for the loud SKIPPED line. */
  writesOffBecause?: string;
}

/** How long a state is waited for: under the test's own timeout, so the failure says what the state was. */
const SETTLE_MS = 45_000;
const TEST_MS = 90_000;

/** Polls until `ready`, failing with `explain()` (what the state says) rather than a bare timeout. */
async function settle(what: string, ready: () => Promise<boolean> | boolean, explain: () => string): Promise<void> {
  await until(what, async () => ready(), SETTLE_MS, 200).catch((error: Error) => {
    throw new Error(`${error.message}: ${explain()}`);
  });
}

/** The console's cluster state on `target`, waited for until live. */
async function liveState(state: ClusterState, target: ClusterTarget): Promise<ClusterState> {
  await settle(
    `the console's cluster state to turn live against ${target.where}`,
    () => state.status().state === 'live',
    () => JSON.stringify(state.status()),
  );
  return state;
}

/** The state, live, or at once the reason it is not (the first test waited for it already). */
function live(state: ClusterState): ClusterState {
  if (state.status().state !== 'live')
    throw new Error(`the console's cluster state is not live: ${JSON.stringify(state.status())}`);
  return state;
}

export function defineRealClusterSuite(suite: RealClusterSuite): void {
  describe('the console against the cluster, read-only', () => {
    let target: ClusterTarget;
    let api: CoreV1Api;
    let state: ClusterState | undefined;

    beforeAll(async () => {
      target = await suite.connect();
      api = coreApi(target.config);
      console.log(`real-cluster suite: ${target.where}, NVSentinel namespace ${target.namespace}`);
      state = new ClusterState(target.config, target.namespace);
      await state.start();
    });
    afterAll(async () => {
      await state?.stop();
    });

    it("connects the console's cluster state, which turns live", { timeout: TEST_MS }, async () => {
      await liveState(state!, target);
      expect(state!.status()).toMatchObject({ state: 'live', staleSince: null, lastError: null });
    });

    it(
      'holds every node the API server lists, cordoned exactly when it is unschedulable',
      { timeout: TEST_MS },
      async () => {
        const watched = live(state!);
        let listed: V1Node[] = [];
        let differences: string[] = [];
        // Nodes may change between the list and the watch's delivery: poll until both tell one story.
        await settle(
          'the watched nodes to match a fresh list',
          async () => {
            listed = await listAllNodes(api);
            differences = stateDifferences(listed, watched);
            return differences.length === 0;
          },
          () => differences.slice(0, 20).join('; '),
        );
        expect(listed.length, 'the API server lists no node: nothing to compare').toBeGreaterThan(0);
        expect(watched.status().nodes).toBe(listed.length);
        const cordoned = listed.filter((node) => node.spec?.unschedulable).length;
        console.log(`real-cluster suite: ${listed.length} nodes, ${cordoned} cordoned, all in the console's state`);
      },
    );

    it(
      "reads NVSentinel's circuit-breaker ConfigMap with its status, when the namespace has one",
      { timeout: TEST_MS },
      async () => {
        const watched = live(state!);
        // By list and field selector: the console's RBAC has list/watch on ConfigMaps, not get.
        const maps = await api.listNamespacedConfigMap({
          namespace: target.namespace,
          fieldSelector: `metadata.name=${CIRCUIT_BREAKER_CONFIGMAP}`,
        });
        const map = maps.items[0];
        if (!map) {
          console.warn(
            `NOTE: no ConfigMap ${CIRCUIT_BREAKER_CONFIGMAP} in namespace ${target.namespace} (set NVSENTINEL_NAMESPACE to NVSentinel's): the console shows the breaker as unknown`,
          );
          expect(watched.breaker().status).toBeNull();
          return;
        }
        const expected = { status: map.data?.status ?? null, cursor: map.data?.cursor ?? null };
        await settle(
          'the breaker to read as the ConfigMap says',
          () => watched.breaker().status === expected.status && watched.breaker().cursor === expected.cursor,
          () => `the ConfigMap says ${JSON.stringify(expected)}, the console ${JSON.stringify(watched.breaker())}`,
        );
        // The values fault-quarantine writes (fault-quarantine/pkg/breaker/types.go:24-29, 50-57).
        expect(['CLOSED', 'TRIPPED']).toContain(expected.status);
        expect(['RESUME', 'CREATE']).toContain(expected.cursor);
      },
    );

    it("parses every node as NVSentinel's writes read, in agreement with the raw object and the watched state", async () => {
      const listed = await listAllNodes(api);
      expect(listed.flatMap(parseDifferences)).toEqual([]);
      // The informer's view of a node is the same parse, where both saw the same version.
      const watched = live(state!);
      let compared = 0;
      for (const raw of listed) {
        const held = watched.node(raw.metadata?.name ?? '');
        if (held?.resourceVersion !== raw.metadata?.resourceVersion) continue;
        expect(held, `node ${raw.metadata?.name} in the watched state`).toEqual(clusterNodeOf(raw));
        compared += 1;
      }
      const sessions = listed.filter((node) => realSessionOn(node)).length;
      console.log(
        `real-cluster suite: every node parsed; ${sessions} with an NVSentinel session; ${compared} compared with the watched state at the same version`,
      );
    });

    it('has every verb deploy/kubernetes/rbac.yaml grants the console (SelfSubjectAccessReview)', async () => {
      const who = (await identityOf(target.config)) ?? 'this identity (the server did not say who)';
      const { asked, refused } = await consoleVerbsRefused(target.config, target.namespace);
      console.log(`real-cluster suite: ${who} may ${asked.filter((verb) => !refused.includes(verb)).join(', ')}`);
      expect(
        refused,
        `${who} lacks ${refused.join(', ')}: the console running as it could not do what needs them; apply deploy/kubernetes/rbac.yaml to the account the console runs as`,
      ).toEqual([]);
    });
  });

  describe('the console against the cluster, writes on labelled test nodes', () => {
    if (!suite.writes) {
      console.warn(
        `SKIPPED: real-cluster writes (${suite.writesOffBecause ?? 'not asked for'}): read-only checks only`,
      );
      it.skip('writes only with SENTINEL_CLUSTER_TEST_WRITES=true, on nodes labelled sentinel-console.test/writable=true', () => {});
      return;
    }
    let target: ClusterTarget;
    let api: CoreV1Api;
    let state: ClusterState | undefined;
    let snapshot: NodeSnapshot | undefined;

    beforeAll(async () => {
      target = await suite.connect();
      api = coreApi(target.config);
      const labelled = (await api.listNode({ labelSelector: `${WRITABLE_LABEL}=true` })).items;
      const node = labelled.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))[0];
      if (!node)
        throw new Error(
          `writes were asked for, but no node carries ${WRITABLE_LABEL}=true: label one the suite may cordon and uncordon (kubectl label node <name> ${WRITABLE_LABEL}=true)`,
        );
      if (realSessionOn(node))
        throw new Error(
          `node ${node.metadata?.name} carries an NVSentinel session of its own: the suite will not release a real quarantine; label another node`,
        );
      snapshot = snapshotOf(node);
      console.log(`real-cluster suite: writes on node ${snapshot.name}, put back afterwards`);
      state = new ClusterState(target.config, target.namespace);
      await state.start();
      await liveState(state, target);
    });
    afterAll(async () => {
      try {
        if (snapshot) {
          const restored = await restoreNode(api, snapshot);
          expect(differencesFrom(snapshot, restored), `node ${snapshot.name} not as found`).toEqual([]);
        }
      } finally {
        await state?.stop();
      }
    });

    /** The node schedulable and without a session first: what a node NVSentinel has nothing against looks like. */
    const clean = (name: string) => restoreNode(api, blankSnapshot(name));

    it(
      'shows a cordon by hand as "cordoned outside NVSentinel" on a node the datastore calls healthy',
      { timeout: TEST_MS },
      async () => {
        const name = snapshot!.name;
        await clean(name);
        await cordonByHand(api, name);
        await settle(
          `node ${name} to show cordoned in the cluster state`,
          () => state!.node(name)?.cordoned === true,
          () => JSON.stringify(state!.node(name)),
        );
        const disagreement = disagreementOf('healthy', state!.node(name));
        expect(disagreement && DISAGREEMENT_LABELS[disagreement]).toBe('cordoned outside NVSentinel');
      },
    );

    it(
      "lifts NVSentinel's cordon by the console's Release, labelled with who and why",
      { timeout: TEST_MS },
      async () => {
        const name = snapshot!.name;
        await clean(name);
        await cordonAsNvsentinel(api, name);
        await settle(
          `node ${name} to show NVSentinel's cordon in the cluster state`,
          () => state!.node(name)?.cordonedByNvsentinel === true && state!.node(name)?.cordoned === true,
          () => JSON.stringify(state!.node(name)),
        );
        const before = Date.now();
        const result = await uncordonNode(target.config, name, {
          who: 'sentinel-console-cluster-test',
          reason: 'real-cluster suite: Release',
        });
        expect(result).toBe('uncordoned');
        const labels = (await api.readNode({ name })).metadata?.labels ?? {};
        expect(labels[`${LABEL_PREFIX}uncordon-by`]).toBe('sentinel-console-cluster-test');
        expect(labels[`${LABEL_PREFIX}uncordon-reason`]).toBe('real-cluster-suite--Release');
        const at = parseLabelTimestamp(labels[`${LABEL_PREFIX}uncordon-timestamp`]);
        expect(at).not.toBeNull();
        expect(Math.abs(at! - before)).toBeLessThan(120_000);
        await settle(
          `node ${name} to show the release in the cluster state`,
          () =>
            state!.node(name)?.cordoned === false &&
            state!.node(name)?.uncordon?.by === 'sentinel-console-cluster-test',
          () => JSON.stringify(state!.node(name)),
        );
      },
    );
  });
}
