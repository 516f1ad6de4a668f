// The nodes informer, sized for a production fleet. The official informer keeps every object it
// lists and watches in its cache; a real GPU node is tens of kilobytes (status.images alone lists
// every image the kubelet pulled, plus managedFields, capacity, addresses, nodeInfo, and a hundred
// feature-discovery labels), so 100,000 of them would hold gigabytes in each console replica. The
// console reads only the fields of ./cluster-node.ts (NodeObject) and the labels and annotations it
// names, so the informer here keeps just those: each object is trimmed before the cache sees it,
// from the list and from the watch alike. The list is read in pages
// (limit/continue), so start-up never holds the whole cluster's full objects at once either.
import { CoreV1Api, ListWatch, Watch, type KubeConfig, type V1Node, type V1NodeList } from '@kubernetes/client-node';

import { isAnnotationRead, isLabelRead, type NodeObject } from './cluster-node';

/** Nodes per list page: the API server's own advice for big lists is pages of hundreds. */
export const NODE_LIST_PAGE = 500;

const only = (entries: Record<string, string> | undefined, read: (key: string) => boolean) =>
  Object.fromEntries(Object.entries(entries ?? {}).filter(([key]) => read(key)));

/** What ./cluster-node.ts reads of a node, and what the informer needs (name, resourceVersion); nothing else. */
export function trimmedNode(node: V1Node | NodeObject): V1Node {
  const { metadata, spec, status } = node as NodeObject;
  return {
    metadata: {
      name: metadata?.name,
      resourceVersion: metadata?.resourceVersion,
      labels: only(metadata?.labels, isLabelRead),
      annotations: only(metadata?.annotations, isAnnotationRead),
    },
    spec: {
      ...(spec?.unschedulable !== undefined ? { unschedulable: spec.unschedulable } : {}),
      ...(spec?.taints ? { taints: spec.taints.map(({ key, value, effect }) => ({ key, value, effect })) } : {}),
    },
    status: {
      ...(status?.conditions
        ? {
            conditions: status.conditions.map(({ type, status: conditionStatus }) => ({
              type,
              status: conditionStatus,
            })),
          }
        : {}),
    },
  } as V1Node;
}

/** A watch whose node objects are trimmed before the informer caches them (an ERROR's Status is left as it is). */
class TrimmingWatch extends Watch {
  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    return super.watch(
      path,
      queryParams,
      (phase, object, watchObject) => callback(phase, phase === 'ERROR' ? object : trimmedNode(object), watchObject),
      done,
    );
  }
}

/**
 * Every node, read page by page and trimmed page by page. The list's resourceVersion is the first
 * page's: a real API server serves every continued page from that snapshot, and a watch from it
 * replays whatever changed while the later pages were read (on a server that serves each page at
 * its own version, the oldest is the safe one: a replay of a change already seen is an update).
 */
export async function listNodesInPages(api: CoreV1Api, pageSize = NODE_LIST_PAGE): Promise<V1NodeList> {
  const items: V1Node[] = [];
  let resourceVersion: string | undefined;
  let token: string | undefined;
  do {
    const page = await api.listNode({ limit: pageSize, ...(token ? { _continue: token } : {}) });
    resourceVersion ??= page.metadata?.resourceVersion;
    for (const node of page.items) items.push(trimmedNode(node));
    token = page.metadata?._continue || undefined;
  } while (token);
  return { apiVersion: 'v1', kind: 'NodeList', metadata: { resourceVersion }, items };
}

/** The nodes informer of ./cluster-state.ts: the official ListWatch, on trimmed nodes read in pages. */
export function makeNodeInformer(config: KubeConfig, pageSize = NODE_LIST_PAGE): ListWatch<V1Node> {
  const api = config.makeApiClient(CoreV1Api);
  return new ListWatch<V1Node>(
    '/api/v1/nodes',
    new TrimmingWatch(config),
    () => listNodesInPages(api, pageSize),
    false,
  );
}
