// One node's page: its projected state, its events in a time range (every field) and its
// maintenance events, as plain JSON for the browser.
import type { AppContext } from '@/lib/context/app-context';
import type { MaintenanceEvent } from '@/lib/store';

import { toEventRow } from './node-detail-row';
import {
  MAX_TIMELINE_EVENTS,
  NODE_RANGES,
  type MaintenanceRow,
  type NodeClusterView,
  type NodeDetail,
  type NodeRange,
} from './node-detail-view';

export { parseNodeRange } from './node-detail-view';

function toMaintenanceRow(event: MaintenanceEvent): MaintenanceRow {
  const time = (date: Date | null) => (date ? date.getTime() : null);
  return {
    eventId: event.eventId,
    csp: event.csp,
    maintenanceType: event.maintenanceType,
    status: event.status,
    cspStatus: event.cspStatus,
    scheduledStartTime: time(event.scheduledStartTime),
    scheduledEndTime: time(event.scheduledEndTime),
    actualEndTime: time(event.actualEndTime),
    lastUpdatedTimestamp: event.lastUpdatedTimestamp.getTime(),
  };
}

/** Null when the datastore has never heard of the node. */
export async function readNodeDetail(
  context: AppContext,
  name: string,
  range: NodeRange,
  now = Date.now(),
): Promise<NodeDetail | null> {
  const [store, hub] = await Promise.all([context.store(), context.liveHub()]);
  const from = now - NODE_RANGES[range];
  const [page, maintenance] = await Promise.all([
    store.healthEvents().findByNode(name, { from: new Date(from) }, { limit: MAX_TIMELINE_EVENTS }),
    store.maintenanceEvents().byNode(name),
  ]);
  const view = hub.projection.get(name) ?? null;
  if (!view && page.items.length === 0 && maintenance.length === 0) {
    if ((await store.healthEvents().count({ nodeName: name })) === 0) return null;
  }
  return {
    name,
    view,
    range,
    from,
    to: now,
    events: page.items.map(toEventRow),
    truncated: page.next !== undefined,
    maintenance: maintenance.map(toMaintenanceRow),
    cluster: clusterViewOf(context, name),
  };
}

/** The node as the watched cluster holds it (memory, no API call). */
function clusterViewOf(context: AppContext, name: string): NodeClusterView {
  const cluster = context.cluster();
  if (!cluster) return { configured: false, status: null, node: null };
  return { configured: true, status: cluster.state.status(), node: cluster.state.node(name) ?? null };
}
