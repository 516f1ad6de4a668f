// The twin's deployment controller: what kube-controller-manager's would write in a Deployment's
// status, so `kubectl rollout status` and `kubectl rollout restart` finish against the twin as on a
// cluster. A new generation (a change of spec, e.g. the restartedAt annotation `kubectl rollout
// restart` puts on the pod template) is rolled out in two steps, each a status write the watchers see:
//  1. at once: observedGeneration catches up, the new ReplicaSet is progressing and has no updated
//     replica yet (`kubectl rollout status` says "0 out of 1 new replicas have been updated...");
//  2. after `rolloutMs`: every replica updated, ready and available, Available and Progressing True
//     (NewReplicaSetAvailable): "successfully rolled out".
// kubectl reads exactly these fields (k8s.io/kubectl v0.32.13, pkg/polymorphichelpers/rollout_status.go:59-92);
// reasons and messages are the deployment controller's (k8s.io/kubernetes
// pkg/controller/deployment/util/deployment_util.go: MinimumReplicasAvailable, ReplicaSetUpdated,
// NewReplicaSetAvailable). A template change also bumps deployment.kubernetes.io/revision. Pods and
// ReplicaSets themselves are not simulated; a paused Deployment is left alone, as the controller does.
import { createHash } from 'node:crypto';

import type { KubeObject } from './kube-object';
import type { ObjectStore } from './object-store';
import type { ResourceKind } from './object-store';

const DEPLOYMENTS: ResourceKind = { plural: 'deployments', kind: 'Deployment', group: 'apps' };
const REVISION = 'deployment.kubernetes.io/revision';

interface DeploymentSpec {
  replicas?: number;
  paused?: boolean;
  template?: unknown;
}

interface DeploymentStatus {
  observedGeneration?: number;
  updatedReplicas?: number;
  replicas?: number;
}

const isoNow = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The pod-template-hash a ReplicaSet is named by: ten characters of the template's hash, in the controller's alphabet. */
function templateHash(template: unknown): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [
    ...createHash('sha256')
      .update(JSON.stringify(template ?? {}))
      .digest(),
  ]
    .slice(0, 10)
    .map((byte) => alphabet[byte % alphabet.length])
    .join('');
}

function condition(type: string, reason: string, message: string) {
  const now = isoNow();
  return { type, status: 'True', lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

export class DeploymentController {
  private stop?: () => void;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly store: ObjectStore,
    private readonly rolloutMs = 300,
  ) {}

  /** Rolls out what is already there, then every change as it comes. */
  start(): void {
    for (const deployment of this.store.list(DEPLOYMENTS.plural)) this.reconcile(deployment, undefined);
    this.stop = this.store.subscribe((change) => {
      if (change.resource !== DEPLOYMENTS.plural || change.type === 'DELETED') return;
      // After every listener has had this change: a write from inside the loop would reach the
      // watches subscribed after this one before the change that caused it.
      queueMicrotask(() => {
        if (!this.closed) this.reconcile(change.object, change.previous);
      });
    });
  }

  close(): void {
    this.closed = true;
    this.stop?.();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private reconcile(deployment: KubeObject, previous: KubeObject | undefined): void {
    const spec = (deployment.spec ?? {}) as DeploymentSpec;
    const status = (deployment.status ?? {}) as DeploymentStatus;
    const generation = deployment.metadata.generation ?? 1;
    if (spec.paused || status.observedGeneration === generation) return;
    const replicas = spec.replicas ?? 1;
    const replicaSet = `${deployment.metadata.name}-${templateHash(spec.template)}`;
    const templateChanged =
      !previous ||
      JSON.stringify((previous.spec as DeploymentSpec | undefined)?.template) !== JSON.stringify(spec.template);
    const revision = Number(deployment.metadata.annotations?.[REVISION] ?? 0) + (templateChanged ? 1 : 0);
    this.write(deployment, revision, {
      observedGeneration: generation,
      replicas,
      updatedReplicas: templateChanged ? 0 : replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [
        condition('Available', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
        condition('Progressing', 'ReplicaSetUpdated', `ReplicaSet "${replicaSet}" is progressing.`),
      ],
    });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const current = this.current(deployment);
      // A newer generation meanwhile has its own rollout.
      if (!current || (current.metadata.generation ?? 1) !== generation) return;
      this.write(current, revision, {
        observedGeneration: generation,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        conditions: [
          condition('Available', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
          condition('Progressing', 'NewReplicaSetAvailable', `ReplicaSet "${replicaSet}" has successfully progressed.`),
        ],
      });
    }, this.rolloutMs);
    this.timers.add(timer);
  }

  private current(deployment: KubeObject): KubeObject | undefined {
    try {
      return this.store.get(DEPLOYMENTS, deployment.metadata.name, deployment.metadata.namespace);
    } catch {
      return undefined;
    }
  }

  private write(deployment: KubeObject, revision: number, status: Record<string, unknown>): void {
    const current = this.current(deployment);
    if (!current) return;
    this.store.replace(DEPLOYMENTS, {
      ...current,
      metadata: {
        ...current.metadata,
        annotations: { ...current.metadata.annotations, [REVISION]: String(Math.max(revision, 1)) },
      },
      status,
    });
  }
}
