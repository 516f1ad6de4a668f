// The maintenance custom resources fault-remediation creates, as NVSentinel's chart configures it
// (lalitadithya/NVSentinel @ 42672ae, distros/kubernetes/nvsentinel/charts/fault-remediation/values.yaml:46-129):
// COMPONENT_RESET, RESTART_VM and RESTART_BM make a RebootNode (equivalence group "restart", done
// when NodeReady is True); REPLACE_VM a TerminateNode ("terminate", NodeTerminated). Every other
// action has no maintenance resource: it is unsupported. The list is the console's too
// (lib/nvsentinel/remediation-actions.ts): CHART_ACTIONS must map exactly its actions.
//  - created from the chart's template (values.yaml:100-129): name maintenance-<node>-<event id>,
//    label app.kubernetes.io/managed-by=nvsentinel, annotations trace-id, span-id and ttl 336h,
//    spec {nodeName, force: false}, an ownerReference to the Node (fault-remediation/pkg/remediation/
//    remediation.go:170-251, 387-402); AlreadyExists counts as created (302-312);
//  - its state as the status checker reads it: missing NotFound, no condition InProgress, the
//    action's condition True Succeeded, False Failed (fault-remediation/pkg/crstatus/checker.go:61-130).
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';

import type { ChartRemediationAction } from '../../nvsentinel/remediation-actions';

export interface MaintenanceAction {
  group: string;
  version: string;
  kind: 'RebootNode' | 'TerminateNode';
  plural: string;
  completeConditionType: string;
  equivalenceGroup: string;
}

const reboot: MaintenanceAction = {
  group: 'janitor.dgxc.nvidia.com',
  version: 'v1alpha1',
  kind: 'RebootNode',
  plural: 'rebootnodes',
  completeConditionType: 'NodeReady',
  equivalenceGroup: 'restart',
};

/** The chart's maintenance.actions, by recommended action. */
export const CHART_ACTIONS: Readonly<Record<string, MaintenanceAction>> = {
  COMPONENT_RESET: reboot,
  RESTART_VM: reboot,
  RESTART_BM: reboot,
  REPLACE_VM: {
    group: 'janitor.dgxc.nvidia.com',
    version: 'v1alpha1',
    kind: 'TerminateNode',
    plural: 'terminatenodes',
    completeConditionType: 'NodeTerminated',
    equivalenceGroup: 'terminate',
  },
} satisfies Record<ChartRemediationAction, MaintenanceAction>;

export type MaintenanceState = 'NotFound' | 'InProgress' | 'Succeeded' | 'Failed';

const codeOf = (error: unknown) => (error as { code?: number }).code;

/** The ttl fault-remediation's template writes on a maintenance resource (janitor deletes it then). */
export const MAINTENANCE_TTL = '336h';
/**
 * The demo's: `npm start` makes about 30 maintenance resources a minute, which the twin and every
 * console process hold; NVSentinel's 14 days would grow without bound in a demo left running.
 */
export const DEMO_MAINTENANCE_TTL = '15m';

export class MaintenanceResources {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  /** @param ttl the nvsentinel.nvidia.com/ttl annotation (a Go duration): the template's 336h, or the demo's. */
  constructor(
    config: KubeConfig,
    private readonly ttl = MAINTENANCE_TTL,
  ) {
    this.core = config.makeApiClient(CoreV1Api);
    this.custom = config.makeApiClient(CustomObjectsApi);
  }

  /** Creates the resource for `eventId` on `nodeName` and answers its name; throws when the API server refuses. */
  async create(action: MaintenanceAction, nodeName: string, eventId: string): Promise<string> {
    const name = `maintenance-${nodeName}-${eventId}`;
    const node = await this.core.readNode({ name: nodeName });
    const body = {
      apiVersion: `${action.group}/${action.version}`,
      kind: action.kind,
      metadata: {
        name,
        labels: { 'app.kubernetes.io/managed-by': 'nvsentinel' },
        // No tracing in the simulator: the template renders them empty.
        annotations: {
          'nvsentinel.nvidia.com/trace-id': '',
          'nvsentinel.nvidia.com/span-id': '',
          'nvsentinel.nvidia.com/ttl': this.ttl,
        },
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'Node',
            name: nodeName,
            uid: node.metadata?.uid ?? '',
            controller: false,
            blockOwnerDeletion: false,
          },
        ],
      },
      spec: { nodeName, force: false },
    };
    try {
      await this.custom.createClusterCustomObject({
        group: action.group,
        version: action.version,
        plural: action.plural,
        body,
      });
    } catch (error) {
      if (codeOf(error) !== 409) throw error;
    }
    return name;
  }

  /** GetCRState: NotFound also when the resource cannot be read (or the action has no resource). */
  async state(actionName: string, name: string): Promise<MaintenanceState> {
    const action = CHART_ACTIONS[actionName];
    if (!action) return 'NotFound';
    let object: { status?: { conditions?: { type?: string; status?: string }[] } };
    try {
      object = (await this.custom.getClusterCustomObject({
        group: action.group,
        version: action.version,
        plural: action.plural,
        name,
      })) as typeof object;
    } catch {
      return 'NotFound';
    }
    const complete = object.status?.conditions?.find((condition) => condition.type === action.completeConditionType);
    if (complete?.status === 'True') return 'Succeeded';
    if (complete?.status === 'False') return 'Failed';
    return 'InProgress';
  }
}
