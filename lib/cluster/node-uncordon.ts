// Release as NVSentinel defines it: uncordon the node. fault-quarantine's node informer sees the
// uncordon of its session, cleans up its annotations and marks the session's events Cancelled
// itself (node_informer.go:342-373; event_watcher.go:426-586); the console writes nothing to the
// datastore. The operator and reason are recorded in the uncordon-* labels, as NVSentinel's own
// releases record theirs (reconciler.go:1757-1761), and in the console's audit log.
// Written as NVSentinel writes nodes (lib/nvsentinel/get-change-update.ts).
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

import { getChangeUpdate } from '@/lib/nvsentinel/get-change-update';
import { LABEL_PREFIX, QUARANTINE_ANNOTATIONS } from '@/lib/nvsentinel/kubernetes-keys';
import { labelTimestamp, nvsentinelLabelValue } from '@/lib/nvsentinel/label-values';

/** A refusal of the API server, in words an operator can act on. */
export class ClusterRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A valid label value: NVSentinel's sanitising, and no '_' or '.' left at either end (the API server refuses those). */
function labelValue(text: string): string {
  return nvsentinelLabelValue(text).replace(/^[_.-]+|[_.-]+$/g, '');
}

function refusal(error: unknown, nodeName: string): Error {
  if (!(error instanceof ApiException))
    return new ClusterRefusal(503, `the Kubernetes API server could not be reached: ${(error as Error).message}`);
  const code = error.code as number;
  if (code === 403)
    return new ClusterRefusal(
      403,
      `the console's Kubernetes account may not update node ${nodeName} (RBAC: nodes get and update; see deploy/kubernetes)`,
    );
  if (code === 404)
    return new ClusterRefusal(404, `node ${nodeName} does not exist in the cluster (deleted meanwhile?)`);
  if (code === 409)
    return new ClusterRefusal(409, `node ${nodeName} kept changing while the console tried to uncordon it; try again`);
  return new ClusterRefusal(
    code >= 500 ? 503 : code,
    `the Kubernetes API server refused the uncordon of ${nodeName} (${code})`,
  );
}

/** What an uncordon did: done, or why nothing was written. */
export type UncordonResult = 'uncordoned' | 'not-cordoned' | 'not-nvsentinel' | 'pre-existing';

/**
 * Uncordons `nodeName`, labelling who and why, when the cordon is NVSentinel's session's own
 * (quarantineHealthEventIsCordoned=True): only then does fault-quarantine read the uncordon as a
 * release. A cordon that is someone else's, or that predates the session (CordonPreExisting: NVSentinel
 * itself would keep it), is left alone and said so. Throws ClusterRefusal for what the API server refuses.
 */
export async function uncordonNode(
  config: KubeConfig,
  nodeName: string,
  by: { who: string; reason: string },
  attempts = 5,
): Promise<UncordonResult> {
  const api = config.makeApiClient(CoreV1Api);
  let result: UncordonResult = 'uncordoned';
  try {
    await getChangeUpdate({
      read: () => api.readNode({ name: nodeName }),
      change: (node) => {
        const annotations = node.metadata?.annotations ?? {};
        if (!node.spec?.unschedulable) result = 'not-cordoned';
        else if (annotations[QUARANTINE_ANNOTATIONS.isCordoned] !== 'True') result = 'not-nvsentinel';
        else if (annotations[QUARANTINE_ANNOTATIONS.cordonPreExisting] === 'True') result = 'pre-existing';
        else {
          result = 'uncordoned';
          node.spec.unschedulable = false;
          const labels = ((node.metadata ??= {}).labels ??= {});
          labels[`${LABEL_PREFIX}uncordon-by`] = labelValue(by.who);
          labels[`${LABEL_PREFIX}uncordon-reason`] = labelValue(by.reason);
          labels[`${LABEL_PREFIX}uncordon-timestamp`] = labelTimestamp(new Date());
        }
        return result === 'uncordoned';
      },
      write: (node) => api.replaceNode({ name: nodeName, body: node }),
      attempts,
    });
  } catch (error) {
    throw refusal(error, nodeName);
  }
  return result;
}
