// fault-remediation's node annotation latestFaultRemediationState, written as its annotation manager
// writes it (lalitadithya/NVSentinel @ 42672ae, fault-remediation/pkg/annotation/annotation.go):
// GET the node, change the annotation, update (PUT with the read resourceVersion), again on 409
// (conflictBackoff: 10 steps, 20 ms doubling, annotation.go:38-43). The value is
// {"equivalenceGroups":{"<group>":{"maintenanceCR","createdAt","actionName"}}}
// (annotation_interface.go:24-50; createdAt is Go's time.Time in JSON, RFC 3339).
import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';

import { getChangeUpdate } from '../../nvsentinel/get-change-update';
import { REMEDIATION_ANNOTATION } from '../../nvsentinel/kubernetes-keys';

export interface EquivalenceGroupState {
  maintenanceCR: string;
  createdAt: string;
  actionName: string;
}

type Groups = Record<string, EquivalenceGroupState>;

/** The annotation's groups; none when absent or unreadable (GetRemediationState, annotation.go:58-94). */
function groupsOf(node: V1Node): Groups {
  const value = node.metadata?.annotations?.[REMEDIATION_ANNOTATION];
  if (!value) return {};
  try {
    return (JSON.parse(value) as { equivalenceGroups?: Groups | null }).equivalenceGroups ?? {};
  } catch {
    return {};
  }
}

export class RemediationAnnotation {
  private readonly api: CoreV1Api;

  constructor(config: KubeConfig) {
    this.api = config.makeApiClient(CoreV1Api);
  }

  private update(nodeName: string, change: (groups: Groups, node: V1Node) => boolean): Promise<V1Node> {
    return getChangeUpdate<V1Node>({
      read: () => this.api.readNode({ name: nodeName }),
      change: (node) => change(groupsOf(node), node),
      write: (node) => this.api.replaceNode({ name: nodeName, body: node }),
    });
  }

  async read(nodeName: string): Promise<Groups> {
    return groupsOf(await this.api.readNode({ name: nodeName }));
  }

  /** UpdateRemediationState (annotation.go:97-143): the group now names `crName`, created now. */
  async record(nodeName: string, group: string, crName: string, actionName: string): Promise<void> {
    await this.update(nodeName, (groups, node) => {
      groups[group] = { maintenanceCR: crName, createdAt: new Date().toISOString(), actionName };
      ((node.metadata ??= {}).annotations ??= {})[REMEDIATION_ANNOTATION] = JSON.stringify({
        equivalenceGroups: groups,
      });
      return true;
    });
  }

  /** RemoveGroupsFromState (annotation.go:180-233): the groups go, and the annotation with the last of them. */
  async removeGroups(nodeName: string, remove: readonly string[]): Promise<void> {
    await this.update(nodeName, (groups, node) => {
      for (const group of remove) delete groups[group];
      const annotations = ((node.metadata ??= {}).annotations ??= {});
      if (Object.keys(groups).length === 0) delete annotations[REMEDIATION_ANNOTATION];
      else annotations[REMEDIATION_ANNOTATION] = JSON.stringify({ equivalenceGroups: groups });
      return true;
    });
  }

  /** ClearRemediationState (annotation.go:146-176): the annotation goes (no write when it is not there). */
  async clear(nodeName: string): Promise<void> {
    await this.update(nodeName, (_groups, node) => {
      const annotations = node.metadata?.annotations;
      if (!annotations || !Object.hasOwn(annotations, REMEDIATION_ANNOTATION)) return false;
      delete annotations[REMEDIATION_ANNOTATION];
      return true;
    });
  }
}
