// The node as the cluster holds it: cordoned or not and by whom, the state label, NVSentinel's
// session on it (the tracked checks and GPUs) and the taints. What these mean for the node (the
// traps that keep it cordoned or out of NVSentinel's hands) is the Why panel's (./why-panel.tsx).
// Without cluster access it says so. The maintenance opt-out (out of NVSentinel's hands until when,
// and its buttons) is its own component, ./opt-out-control.tsx, mounted at the end.
import type { NodeClusterView } from '@/lib/queries/node-detail-view';

import { Panel } from '@/components/ui/panel';
import { LocalTime, RelativeTime } from '@/components/ui/relative-time';

import { OptOutControl } from './opt-out-control';

export function ClusterPanel({ cluster }: { cluster: NodeClusterView }) {
  if (!cluster.configured) {
    return (
      <Panel title="Cluster">
        <p
          className="text-sm text-zinc-600 dark:text-zinc-400"
          data-testid="cluster-state"
          data-cluster="not-configured"
        >
          Cluster state not connected: this console has no Kubernetes access (KUBECONFIG or in-cluster), so it cannot
          say whether the node is cordoned, and cannot release it.
        </p>
      </Panel>
    );
  }
  const { node, status } = cluster;
  return (
    <Panel
      title="Cluster"
      actions={
        status?.state === 'stale' ? (
          <span className="text-xs text-amber-700 dark:text-amber-400" data-testid="cluster-stale">
            stale since <RelativeTime at={status.staleSince} />: {status.lastError}
          </span>
        ) : status?.state === 'connecting' ? (
          <span className="text-xs text-zinc-500 dark:text-zinc-400">connecting to the API server…</span>
        ) : null
      }
    >
      {!node ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="cluster-state" data-cluster="unknown">
          No node of this name in the cluster.
        </p>
      ) : (
        <div
          className="space-y-2 text-sm"
          data-testid="cluster-state"
          data-cluster={node.cordoned ? 'cordoned' : 'schedulable'}
        >
          <p>
            <span className="font-medium">{node.cordoned ? 'Cordoned' : 'Schedulable'}</span>
            {node.cordoned && node.cordon?.by ? (
              <>
                {' '}
                by <span className="font-mono">{node.cordon.by}</span>
                {node.cordon.reason ? (
                  <>
                    {' '}
                    for <span className="font-mono">{node.cordon.reason}</span>
                  </>
                ) : null}
                {node.cordon.at ? (
                  <>
                    , <LocalTime at={node.cordon.at} />
                  </>
                ) : null}
              </>
            ) : null}
            {node.stateLabel ? (
              <span className="text-zinc-500 dark:text-zinc-400"> · state label {node.stateLabel}</span>
            ) : null}
          </p>
          {node.trackedEvents.length > 0 ? (
            <ul className="list-disc pl-5 text-zinc-700 dark:text-zinc-300" data-testid="cluster-tracked">
              {node.trackedEvents.map((event, index) => (
                <li key={index}>
                  {event.checkName}
                  {event.errorCode.length > 0 ? ` (${event.errorCode.join(', ')})` : ''}
                  {event.entities.length > 0
                    ? ` on ${event.entities.map((entity) => `${entity.type} ${entity.value}`).join(', ')}`
                    : ''}
                  {event.message ? ` — ${event.message}` : ''}
                </li>
              ))}
            </ul>
          ) : null}
          {node.taints.length > 0 ? (
            <p className="text-zinc-600 dark:text-zinc-400">
              Taints:{' '}
              {node.taints
                .map((taint) => `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`)
                .join(', ')}
            </p>
          ) : null}
          <OptOutControl nodeName={node.name} optOut={node.optOut} />
        </div>
      )}
    </Panel>
  );
}
