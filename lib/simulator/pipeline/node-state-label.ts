// The node label dgxc.nvidia.com/nvsentinel-state, written as node-drainer and fault-remediation
// write it: through NVSentinel's state manager (lalitadithya/NVSentinel @ 42672ae,
// commons/pkg/statemanager/statemanager.go), never by a patch:
//  - set (UpdateNVSentinelStateNodeLabel, removeStateLabel=false, statemanager.go:247-326): GET the
//    node, nothing to write when the label already has the value (286-291), else write it with an
//    update (PUT with the read resourceVersion, 302-305), again on 409 only (retry.OnError with
//    DefaultRetry and IsConflict, 251). An unexpected transition (validateStateTransition, 389-448)
//    is still written; the caller is told, as the Go function returns its error after the write;
//  - remove (removeStateLabel=true, 259-281): whatever the value, no validation;
//  - removeIf (RemoveNVSentinelStateNodeLabelIfMatch, 331-384): only while the value is one the
//    caller owns, checked in the same read-and-update, so a newer state of another writer stays.
// fault-quarantine writes `quarantined` inside its own node update (./cluster-quarantine.ts).
import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';

import { getChangeUpdate } from '../../nvsentinel/get-change-update';
import { STATE_LABEL } from '../../nvsentinel/kubernetes-keys';

/** The values node-drainer and fault-remediation write (statemanager.go:188-201). */
export type NodeStateValue =
  | 'quarantined'
  | 'draining'
  | 'drain-succeeded'
  | 'drain-failed'
  | 'remediating'
  | 'remediation-succeeded'
  | 'remediation-failed';

/** The expected transitions (statemanager.go:408-424); anything else is written, and reported. */
const EXPECTED: Record<NodeStateValue, readonly NodeStateValue[]> = {
  quarantined: ['draining', 'drain-succeeded'],
  draining: ['drain-succeeded', 'drain-failed'],
  'drain-succeeded': ['remediating'],
  'drain-failed': [],
  remediating: ['remediation-succeeded', 'remediation-failed'],
  'remediation-succeeded': ['remediation-failed', 'remediating'],
  'remediation-failed': ['remediation-succeeded', 'remediating'],
};

/** validateStateTransition's verdict: null when expected, else its message (statemanager.go:396-447). */
export function unexpectedTransition(from: string | undefined, to: NodeStateValue): string | null {
  if (from === undefined)
    return to === 'quarantined'
      ? null
      : `unexpected state transition: none -> ${to} (expected first state: quarantined)`;
  const allowed = EXPECTED[from as NodeStateValue] as readonly NodeStateValue[] | undefined;
  if (!allowed) return `unexpected state transition: unknown current state ${from} -> ${to}`;
  return allowed.includes(to)
    ? null
    : `unexpected state transition: ${from} -> ${to} (expected one of: [${allowed.join(' ')}])`;
}

export interface StateLabelWrite {
  /** The node was written (false: the label already had that value, or there was nothing to remove). */
  modified: boolean;
  /** The transition the state manager calls unexpected (it wrote it all the same); null when expected. */
  unexpected: string | null;
}

export class NodeStateLabel {
  private readonly api: CoreV1Api;

  constructor(config: KubeConfig) {
    this.api = config.makeApiClient(CoreV1Api);
  }

  /**
   * GET, change, PUT; again on 409. client-go's DefaultRetry is 5 steps of 10 ms; the shared loop
   * doubles its wait instead, which no reader of the node can tell apart.
   */
  private async write(nodeName: string, change: (labels: Record<string, string>) => boolean): Promise<boolean> {
    let modified = false;
    await getChangeUpdate<V1Node>({
      read: () => this.api.readNode({ name: nodeName }),
      change: (node) => {
        modified = change(((node.metadata ??= {}).labels ??= {}));
        return modified;
      },
      write: (node) => this.api.replaceNode({ name: nodeName, body: node }),
      attempts: 5,
      firstWaitMs: 10,
    });
    return modified;
  }

  async set(nodeName: string, value: NodeStateValue): Promise<StateLabelWrite> {
    let unexpected: string | null = null;
    const modified = await this.write(nodeName, (labels) => {
      const current = Object.hasOwn(labels, STATE_LABEL) ? labels[STATE_LABEL] : undefined;
      if (current === value) return false;
      unexpected = unexpectedTransition(current, value);
      labels[STATE_LABEL] = value;
      return true;
    });
    return { modified, unexpected };
  }

  async remove(nodeName: string): Promise<boolean> {
    return this.write(nodeName, (labels) => {
      if (!Object.hasOwn(labels, STATE_LABEL)) return false;
      delete labels[STATE_LABEL];
      return true;
    });
  }

  async removeIf(nodeName: string, owned: readonly NodeStateValue[]): Promise<boolean> {
    return this.write(nodeName, (labels) => {
      if (!Object.hasOwn(labels, STATE_LABEL) || !owned.includes(labels[STATE_LABEL] as NodeStateValue)) return false;
      delete labels[STATE_LABEL];
      return true;
    });
  }
}
