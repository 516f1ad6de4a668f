// One node's page: its projected state, its events in a time range (every field) and its
// maintenance events, as plain JSON for the browser.
import type { AppContext } from '@/lib/context/app-context';
import type { PipelineMessage } from '@/lib/live/live-messages';
import type { NodeView } from '@/lib/node-state/node-view';
import { ValidationError, type DataStore, type MaintenanceEvent } from '@/lib/store';

import { consumerLagReading } from './pipeline';
import { toEventRow } from './node-detail-row';
import {
  MAX_TIMELINE_EVENTS,
  NODE_RANGES,
  type LinkedEvent,
  type MaintenanceRow,
  type NodeClusterView,
  type NodeDetail,
  type NodeEventRow,
  type NodeRange,
} from './node-detail-view';
import { entityGrid } from './node-gpus';
import { nodeHeadline, type FaultRemediationRun } from './node-headline';
import { whyChain, type WhyInputs } from './node-why';

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

/**
 * Null when the datastore has never heard of the node. `event`: an event a link names (?event=),
 * read by its id when the range's read left it out.
 */
export async function readNodeDetail(
  context: AppContext,
  name: string,
  range: NodeRange,
  { event = null, now = Date.now() }: { event?: string | null; now?: number } = {},
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
  const cluster = clusterViewOf(context, name);
  const session = await sessionEventsOf(store, view, cluster);
  const clusterState = context.cluster()?.state;
  const lag = consumerLagReading(hub);
  const whyInputs: WhyInputs = {
    view,
    ...session,
    cluster:
      clusterState && cluster.configured
        ? {
            status: clusterState.status().state,
            node: cluster.node,
            breaker: clusterState.breaker(),
            resources: clusterState.resourcesOf(name),
          }
        : null,
    quarantineBacklog:
      lag?.consumers.find((consumer) => consumer.consumer === 'fault-quarantine')?.documentsBehind ?? null,
  };
  const why = whyChain(whyInputs);
  const events = page.items.map(toEventRow);
  const truncated = page.next !== undefined;
  return {
    name,
    view,
    range,
    from,
    to: now,
    events,
    truncated,
    maintenance: maintenance.map(toMaintenanceRow),
    cluster,
    why,
    headline: nodeHeadline(whyInputs, why, faultRemediationRun(lag)),
    gpus: entityGrid(events, { range, from, to: now, truncated }),
    linkedEvent: event === null ? null : await linkedEventOf(store, name, event, events),
  };
}

/** The event `recordId` of the node, read by id unless the range's events hold it. */
async function linkedEventOf(
  store: DataStore,
  name: string,
  recordId: string,
  events: NodeEventRow[],
): Promise<LinkedEvent | null> {
  if (events.some((event) => event.recordId === recordId)) return null;
  try {
    const found = await store.healthEvents().get(recordId);
    const event = found && found.healthEvent.nodeName === name ? toEventRow(found) : null;
    return { recordId, event, refused: null };
  } catch (error) {
    if (error instanceof ValidationError) return { recordId, event: null, refused: error.problem };
    throw error;
  }
}

/**
 * Whether NVSentinel's fault-remediation runs here: a consumer of that name (its resume token's
 * client name, fault-remediation/pkg/initializer/init.go:179-183) in the consumer-lag reading, and
 * not stopped. The umbrella chart ships it disabled (charts/nvsentinel/values.yaml:223-224).
 */
function faultRemediationRun(lag: PipelineMessage | null): FaultRemediationRun {
  if (!lag) return 'unknown';
  const consumer = lag.consumers.find((each) => each.consumer === 'fault-remediation');
  if (!consumer) return 'absent';
  return consumer.status === 'stopped' ? 'stopped' : 'running';
}

/** Session events read per tracked check: a node page shows at most a few checks' events since its session opened. */
const SESSION_EVENTS_PER_CHECK = 500;

/**
 * The event that opened the node's open session, and the events of the checks the session tracks
 * (the cluster's quarantineHealthEvent annotation, else the opening event's check) since it opened,
 * newest first: what the Why chain matches healthy events against.
 */
async function sessionEventsOf(
  store: DataStore,
  view: NodeView | null,
  cluster: NodeClusterView,
): Promise<{ opening: NodeEventRow | null; sessionEvents: NodeEventRow[] }> {
  if (!view?.session) return { opening: null, sessionEvents: [] };
  const opening = await store.healthEvents().get(view.session.recordId);
  if (!opening) return { opening: null, sessionEvents: [] };
  const since = new Date(view.session.since);
  // Unhealthy events NVSentinel added to the open session: what it tracks when the cluster cannot say.
  const added = await store
    .healthEvents()
    .find(
      { nodeName: view.name, from: since, nodeQuarantined: 'AlreadyQuarantined', isHealthy: false },
      { limit: 100 },
    );
  const tracked = cluster.node?.nvsentinelSession ? cluster.node.trackedEvents : [];
  const checks = new Set([
    opening.healthEvent.checkName,
    ...tracked.map((event) => event.checkName),
    ...added.items.map((event) => event.healthEvent.checkName),
  ]);
  const pages = await Promise.all(
    [...checks].map((checkName) =>
      store.healthEvents().find({ nodeName: view.name, checkName, from: since }, { limit: SESSION_EVENTS_PER_CHECK }),
    ),
  );
  const sessionEvents = pages
    .flatMap((page) => page.items.map(toEventRow))
    .sort((a, b) => b.createdAt - a.createdAt || (a.recordId < b.recordId ? 1 : -1));
  return { opening: toEventRow(opening), sessionEvents };
}

/** The node as the watched cluster holds it (memory, no API call). */
function clusterViewOf(context: AppContext, name: string): NodeClusterView {
  const cluster = context.cluster();
  if (!cluster) return { configured: false, status: null, node: null };
  return { configured: true, status: cluster.state.status(), node: cluster.state.node(name) ?? null };
}
