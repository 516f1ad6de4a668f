// One node's page: its projected state, what its timeline draws of a time range (the newest events,
// only the fields drawn), the first page of its event table (every field) and its maintenance
// events, as plain JSON for the browser.
import type { AppContext } from '@/lib/context/app-context';
import type { PipelineMessage } from '@/lib/live/live-messages';
import type { NodeView } from '@/lib/node-state/node-view';
import type { DataStore, MaintenanceEvent } from '@/lib/store';

import { consumerLagReading } from './pipeline';
import { toEventRow, toTimelinePoint } from './node-detail-row';
import { isFiltered, readEventsPage, readNodeEvent } from './node-detail-events';
import {
  EVENT_PAGE_SIZE,
  MAX_TIMELINE_POINTS,
  NODE_RANGES,
  type LinkedEvent,
  type MaintenanceRow,
  type NodeClusterView,
  type NodeDetail,
  type NodeEventRow,
  type NodeRange,
} from './node-detail-view';
import { entityGrid } from './node-gpus';
import { NO_FILTER, type NodeEventFilter } from './node-gpus-view';
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
 * Null when the datastore has never heard of the node. `filter`: what the first page of the event
 * table holds (an entity, fatal only). `event`: an event a link names (?event=), read by its id
 * when that page leaves it out.
 */
export async function readNodeDetail(
  context: AppContext,
  name: string,
  range: NodeRange,
  {
    event = null,
    filter = NO_FILTER,
    now = Date.now(),
  }: { event?: string | null; filter?: NodeEventFilter; now?: number } = {},
): Promise<NodeDetail | null> {
  const [store, hub] = await Promise.all([context.store(), context.liveHub()]);
  const from = now - NODE_RANGES[range];
  const window = { from: new Date(from), to: new Date(now) };
  // One read of the range's events gives the timeline and, unfiltered, the table's first page.
  const [timeline, filteredPage, maintenance] = await Promise.all([
    store.healthEvents().nodeTimeline(name, {
      ...window,
      points: MAX_TIMELINE_POINTS,
      pageSize: isFiltered(filter) ? 0 : EVENT_PAGE_SIZE,
    }),
    isFiltered(filter) ? readEventsPage(store, name, { from, to: now }, filter) : null,
    store.maintenanceEvents().byNode(name),
  ]);
  const view = hub.projection.get(name) ?? null;
  if (!view && timeline.total === 0 && maintenance.length === 0) {
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
  const points = timeline.events.map(toTimelinePoint);
  const page = filteredPage ?? {
    events: timeline.page.items.map(toEventRow),
    older: timeline.page.next ?? null,
  };
  return {
    name,
    view,
    range,
    from,
    to: now,
    timeline: { points, total: timeline.total },
    events: page.events,
    filter,
    older: page.older,
    maintenance: maintenance.map(toMaintenanceRow),
    cluster,
    why,
    headline: nodeHeadline(whyInputs, why, faultRemediationRun(lag)),
    gpus: entityGrid(points, { range, from, to: now, truncated: timeline.total > points.length }),
    linkedEvent: event === null ? null : await linkedEventOf(store, name, event, page.events),
  };
}

/** The event `recordId` of the node, read by id unless the table's first page holds it. */
async function linkedEventOf(
  store: DataStore,
  name: string,
  recordId: string,
  events: NodeEventRow[],
): Promise<LinkedEvent | null> {
  if (events.some((event) => event.recordId === recordId)) return null;
  return readNodeEvent(store, name, recordId);
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
