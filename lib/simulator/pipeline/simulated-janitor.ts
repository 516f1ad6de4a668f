// The simulated janitor: works on the RebootNodes and TerminateNodes on the twin as NVSentinel's
// janitor does (lalitadithya/NVSentinel @ 42672ae, janitor/pkg/controller/rebootnode_controller.go,
// terminatenode_controller.go), its cloud provider and the node's reboot simulated:
//  - a new resource gets its initial conditions (both Unknown, "Initializing"), its startTime and,
//    the signal sent at once, SignalSent True (its message the provider's request id), in one status
//    update (reconcileHelper 170-234, SetInitialConditions rebootnode_types.go:109-148,
//    sendRebootSignalAndSetCondition 470-491);
//  - `remediationMs` later, the node back: NodeReady True "Succeeded" (TerminateNode: NodeTerminated)
//    and its completionTime (completeNodeReadyCheck 368-385); at the remediation failure rate the
//    node never comes back: NodeReady False "Timeout" (360-365, terminatenode_controller.go:262-270);
//  - every status write is GET the resource, change its status, update /status with the read
//    resourceVersion (updateRebootNodeStatusIfChanged 236-283), again on 409.
//  - its TTL reconciler deletes a resource once its nvsentinel.nvidia.com/ttl has passed since it was
//    created (or at its nvsentinel.nvidia.com/expiry), unless nvsentinel.nvidia.com/preserve is "true"
//    (janitor/pkg/ttl/ttl.go; registered per kind in janitor/main.go:521-570); swept every few seconds.
// Not simulated: the node going NotReady while it reboots, and a terminated node being deleted.
// Without janitor's CRDs on the cluster there is nothing to watch: it looks again every few seconds.
import { CustomObjectsApi, makeInformer, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

import { getChangeUpdate } from '../../nvsentinel/get-change-update';
import type { SeededRandom } from '../seeded-random';
import type { PipelineSettings } from './pipeline-settings';

interface Kind {
  plural: 'rebootnodes' | 'terminatenodes';
  complete: string;
  words: { notDetermined: string; done: string; timeout: string };
}

const GROUP = 'janitor.dgxc.nvidia.com';
const VERSION = 'v1alpha1';

const KINDS: Kind[] = [
  {
    plural: 'rebootnodes',
    complete: 'NodeReady',
    words: {
      notDetermined: 'Node ready state not yet determined',
      done: 'Node reached ready state post-reboot',
      timeout: 'Node failed to return to ready state after timeout duration',
    },
  },
  {
    plural: 'terminatenodes',
    complete: 'NodeTerminated',
    words: {
      notDetermined: 'Node terminated state not yet determined',
      done: 'CSP instance deleted and Kubernetes node removed.',
      timeout: 'Node failed to transition to not ready state after timeout duration',
    },
  },
];

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: string;
}

interface MaintenanceObject extends KubernetesObject {
  status?: { startTime?: string; completionTime?: string; conditions?: Condition[] };
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const SWEEP_MS = 5_000;
const GO_DURATION_UNITS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 0.000_001,
};

/** A Go duration as janitor's TTL annotation holds it ("336h", "1h30m"); null when unreadable. */
export function goDurationMs(text: string): number | null {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) return null;
  return parts.reduce((sum, part) => sum + Number(part[1]) * GO_DURATION_UNITS[part[2]], 0);
}

/** When the TTL reconciler deletes `object` (ms); null: never (preserved, no ttl, being deleted). */
function expiryOf(object: MaintenanceObject): number | null {
  const annotations = object.metadata?.annotations ?? {};
  if (object.metadata?.deletionTimestamp || annotations['nvsentinel.nvidia.com/preserve'] === 'true') return null;
  const written = Date.parse(annotations['nvsentinel.nvidia.com/expiry'] ?? '');
  if (!Number.isNaN(written)) return written;
  const ttl = goDurationMs(annotations['nvsentinel.nvidia.com/ttl'] ?? '');
  // readTTL: zero or less is no ttl (janitor/pkg/ttl/ttl.go:150-169).
  if (ttl !== null && ttl <= 0) return null;
  const created = Date.parse(String(object.metadata?.creationTimestamp ?? ''));
  return ttl === null || Number.isNaN(created) ? null : created + ttl;
}
const condition = (type: string, status: string, reason: string, message: string): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: now(),
});

export class SimulatedJanitor {
  private readonly api: CustomObjectsApi;
  private readonly informers: {
    kind: Kind;
    informer: { stop(): Promise<void>; list(): readonly MaintenanceObject[] };
  }[] = [];
  private readonly working = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private requests = 0;

  constructor(
    private readonly config: KubeConfig,
    private readonly settings: () => PipelineSettings,
    private readonly random: SeededRandom,
  ) {
    this.api = config.makeApiClient(CustomObjectsApi);
  }

  async start(): Promise<void> {
    for (const kind of KINDS) this.watch(kind);
    this.sweepLater();
  }

  /** The TTL reconciler: deletes what has expired, every few seconds. */
  private sweepLater(): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      void this.sweep().finally(() => this.sweepLater());
    }, SWEEP_MS);
    timer.unref();
    this.timers.add(timer);
  }

  private async sweep(): Promise<void> {
    for (const { kind, informer } of this.informers)
      for (const object of informer.list()) {
        const expiry = expiryOf(object);
        if (expiry === null || expiry > Date.now()) continue;
        await this.api
          .deleteClusterCustomObject({
            group: GROUP,
            version: VERSION,
            plural: kind.plural,
            name: object.metadata!.name!,
          })
          .catch(() => {}); // gone meanwhile, or the API server away: the next sweep sees
      }
  }

  private watch(kind: Kind): void {
    const informer = makeInformer<MaintenanceObject>(
      this.config,
      `/apis/${GROUP}/${VERSION}/${kind.plural}`,
      () =>
        this.api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: kind.plural }) as Promise<{
          items: MaintenanceObject[];
          metadata?: { resourceVersion?: string };
        }>,
    );
    const take = (object: MaintenanceObject) => void this.reconcile(kind, object).catch(() => {});
    informer.on('add', take);
    informer.on('update', take);
    // Its CRD missing (404) or the watch ended: list and watch again a little later.
    const again = () => {
      if (this.stopped) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!this.stopped) void informer.start().catch(again);
      }, 2_000);
      this.timers.add(timer);
    };
    informer.on('error', again);
    this.informers.push({ kind, informer });
    void informer.start().catch(again);
  }

  private async reconcile(kind: Kind, object: MaintenanceObject): Promise<void> {
    const name = object.metadata?.name;
    if (!name || object.status?.completionTime || this.working.has(name)) return;
    this.working.add(name);
    try {
      const signalSent = object.status?.conditions?.some(
        (each) => each.type === 'SignalSent' && each.status === 'True',
      );
      if (!signalSent) {
        this.requests += 1;
        const requestId = `sim-${kind.plural}-${this.requests}`;
        await this.writeStatus(kind, name, (status) => {
          status.startTime ??= now();
          status.conditions = [
            condition('SignalSent', 'True', 'Succeeded', requestId),
            condition(kind.complete, 'Unknown', 'Initializing', kind.words.notDetermined),
          ];
        });
      }
      this.completeLater(kind, name);
    } catch {
      // Requeued by the next change the informer sees.
      this.working.delete(name);
    }
  }

  /** The reboot takes `remediationMs`; then the node is back, or, at the failure rate, never is. */
  private completeLater(kind: Kind, name: string): void {
    const { remediationMs, remediationFailureRate } = this.settings();
    const failed = this.random.chance(remediationFailureRate);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      void this.writeStatus(kind, name, (status) => {
        status.completionTime ??= now();
        status.conditions = [
          ...(status.conditions ?? []).filter((each) => each.type !== kind.complete),
          failed
            ? condition(kind.complete, 'False', 'Timeout', kind.words.timeout)
            : condition(kind.complete, 'True', 'Succeeded', kind.words.done),
        ];
      })
        .catch(() => {})
        .finally(() => this.working.delete(name));
    }, remediationMs);
    this.timers.add(timer);
  }

  /** GET, change the status, update /status with the read resourceVersion; again on 409. Gone: nothing to do. */
  private async writeStatus(
    kind: Kind,
    name: string,
    change: (status: NonNullable<MaintenanceObject['status']>) => void,
  ) {
    const target = { group: GROUP, version: VERSION, plural: kind.plural, name };
    await getChangeUpdate<MaintenanceObject>({
      read: () => this.api.getClusterCustomObject(target) as Promise<MaintenanceObject>,
      change: (object) => {
        change((object.status ??= {}));
        return true;
      },
      write: (object) =>
        this.api.replaceClusterCustomObjectStatus({ ...target, body: object }) as Promise<MaintenanceObject>,
    }).catch((error: { code?: number }) => {
      if (error.code !== 404) throw error;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.informers.map(({ informer }) => informer.stop().catch(() => {})));
  }
}
