// Builds the node page's "Why" chain (./node-why-view.ts) from what the node page read: the node's
// state, the event that opened its session and the session's later events of the tracked checks
// (datastore), and the node, the breaker and the custom resources (cluster). Pure.
//
// What releases a node is NVSentinel's rule, not ours: fault-quarantine tracks every
// (agent, componentClass, checkName, entity, error code) of the events it quarantined for in the
// quarantineHealthEvent annotation, and a healthy event removes the keys it matches: same agent,
// component class and check; an entity it lists (none listed: every entity of the check); an error
// code it lists (none listed: any) (fault-quarantine/pkg/healthEventsAnnotation/
// health_events_annotation_map.go:29-41, 200-240, 288-340, lalitadithya/NVSentinel @ 42672ae). When
// no key is left it uncordons (reconciler.go:1391-1431). One quirk decides what "released" means
// for an event naming several entities: the annotation is saved as whole events, and read back
// with every key of each (:369-409), so a key removed while another key of the same event is left
// comes back at the next read (reconciler.go:1553-1602). A tracked event therefore leaves only when
// one healthy event matches all of its keys at once: names all its entities, or none.
import type { CircuitBreakerState, ClusterStatus } from '@/lib/cluster/cluster-state';
import type { ClusterNode, TrackedEvent } from '@/lib/cluster/cluster-node';
import type { NodeResource } from '@/lib/cluster/nvsentinel-resource';
import { QUARANTINED_STATES, type NodeView } from '@/lib/node-state/node-view';
import { enumLabel } from '@/lib/store/model';

import type { NodeEventRow } from './node-detail-view';
import type { WhyChain, WhyLink } from './node-why-view';

export interface WhyInputs {
  view: NodeView | null;
  /** The event that opened the open session (by the session's recordId); null without a session. */
  opening: NodeEventRow | null;
  /**
   * The node's events of the tracked checks since the session opened, newest first (with the
   * unhealthy ones NVSentinel added to the session: nodeQuarantined AlreadyQuarantined).
   */
  sessionEvents: NodeEventRow[];
  /** The cluster half; null when the console has no cluster access. */
  cluster: {
    /** The watch: a missing node means "deleted" only once it has listed (live or stale). */
    status: ClusterStatus['state'];
    node: ClusterNode | null;
    breaker: CircuitBreakerState;
    resources: NodeResource[];
  } | null;
  /** fault-quarantine's backlog in the datastore, when known. */
  quarantineBacklog: number | null;
}

/** One key fault-quarantine tracks (health_events_annotation_map.go:29-41, without node and version). */
interface TrackedKey {
  agent: string;
  componentClass: string;
  checkName: string;
  entity: { type: string; value: string } | null;
  errorCode: string;
}

/** The keys of the tracked events: one per (entity, error code), as createEventKeys makes them (:80-131). */
export function trackedKeys(events: TrackedEvent[]): TrackedKey[] {
  const keys = new Map<string, TrackedKey>();
  for (const event of events) {
    const entities = event.entities.length > 0 ? event.entities : [null];
    const codes = event.errorCode.length > 0 ? event.errorCode : [''];
    for (const entity of entities)
      for (const errorCode of codes) {
        const key = {
          agent: event.agent,
          componentClass: event.componentClass,
          checkName: event.checkName,
          entity,
          errorCode,
        };
        keys.set(JSON.stringify(key), key);
      }
  }
  return [...keys.values()];
}

/** keyMatchesEvent (:202-220), or the check-level match of an event naming no entity (:244-258). */
export function matchesKey(key: TrackedKey, event: NodeEventRow): boolean {
  if (event.agent !== key.agent || event.componentClass !== key.componentClass || event.checkName !== key.checkName)
    return false;
  if (event.entities.length > 0) {
    const entity = key.entity;
    if (!entity || !event.entities.some((each) => each.entityType === entity.type && each.entityValue === entity.value))
      return false;
  }
  return event.errorCode.length === 0 || event.errorCode.includes(key.errorCode);
}

function trackedOf(row: NodeEventRow): TrackedEvent {
  return {
    agent: row.agent,
    checkName: row.checkName,
    componentClass: row.componentClass,
    errorCode: row.errorCode,
    entities: row.entities.map((entity) => ({ type: entity.entityType, value: entity.entityValue })),
    message: row.message,
    isFatal: row.isFatal,
    forced: row.quarantineOverrides?.force === true,
  };
}

/**
 * What the session tracks: the cluster's quarantineHealthEvent annotation when NVSentinel holds the
 * node; else, read from the datastore, the opening event and the unhealthy events NVSentinel
 * added to the session (AlreadyQuarantined).
 */
export function trackedEventsOf(
  opening: NodeEventRow,
  sessionEvents: NodeEventRow[],
  node: ClusterNode | null,
): TrackedEvent[] {
  if (node?.nvsentinelSession) return node.trackedEvents;
  const added = sessionEvents.filter(
    (event) => !event.isHealthy && event.status.nodeQuarantined === 'AlreadyQuarantined',
  );
  return [opening, ...added.reverse()].map(trackedOf);
}

const xids = (codes: string[]) => (codes.length > 0 ? ` (${codes.map((code) => `XID ${code}`).join(', ')})` : '');
const on = (entities: { type: string; value: string }[]) =>
  entities.length > 0 ? ` on ${entities.map((entity) => `${entity.type} ${entity.value}`).join(', ')}` : '';

function causeLink(opening: NodeEventRow, view: NodeView): WhyLink {
  const session = view.session!;
  if (session.manual)
    return {
      id: 'cause',
      kind: 'cause',
      tone: 'info',
      title: `Quarantined by ${session.actor ?? 'an operator'} by hand: “${session.reason}”`,
      detail: `A forced health event from ${opening.agent} (quarantineOverrides.force), which NVSentinel cordons without its rules.`,
      at: opening.createdAt,
    };
  const entities = opening.entities.map((entity) => ({ type: entity.entityType, value: entity.entityValue }));
  const action = opening.customRecommendedAction || enumLabel(opening.recommendedAction);
  return {
    id: 'cause',
    kind: 'cause',
    tone: 'info',
    title: `${opening.isFatal ? 'Fatal ' : ''}${opening.checkName}${xids(opening.errorCode)}${on(entities)} from ${opening.agent} opened the quarantine`,
    detail: `Recommended action ${action}${opening.message ? `. “${opening.message}”` : ''}`,
    at: opening.createdAt,
  };
}

const eventName = (event: TrackedEvent) => `${event.checkName}${xids(event.errorCode)}${on(event.entities)}`;

/**
 * Per tracked event: released (one healthy event matched all its keys at once), partly reported
 * healthy (healthy events matched some keys: NVSentinel keeps the event), or still unhealthy.
 */
function trackedLinks(tracked: TrackedEvent[], events: NodeEventRow[]): WhyLink[] {
  const seen = new Set<string>();
  const links: WhyLink[] = [];
  for (const event of tracked) {
    const keys = trackedKeys([event]);
    const id = `${event.checkName}:${event.entities.map((entity) => `${entity.type}:${entity.value}`).join(',') || 'node'}${event.errorCode.length > 0 ? `:${event.errorCode.join(',')}` : ''}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const newest = events.find((row) => keys.some((key) => matchesKey(key, row)));
    if (newest?.isHealthy && keys.every((key) => matchesKey(key, newest))) {
      links.push({
        id: `recovered:${id}`,
        kind: 'recovered',
        tone: 'ok',
        title: `${eventName(event)} reported healthy`,
        detail: `by ${newest.agent}`,
        at: newest.createdAt,
      });
      continue;
    }
    if (event.forced) {
      links.push({
        id: `waiting:${id}`,
        kind: 'waiting',
        tone: 'warn',
        title: 'Held by a quarantine by hand: only a release by hand ends it',
        detail:
          'No monitor reports this forced event healthy. Release the node here (an uncordon), or kubectl uncordon it.',
        at: null,
      });
      continue;
    }
    const several = event.entities.length > 1;
    const entities = event.entities.map((entity) => `${entity.type} ${entity.value}`).join(', ');
    const release = `Released when ${event.agent} reports ${event.checkName} healthy ${several ? `naming all of ${entities} in one event, or no entity` : event.entities.length === 1 ? `for ${entities} (or for the whole check, naming no entity)` : 'for the node'}${event.errorCode.length > 0 ? ', with no error code or the same one' : ''}.`;
    if (newest?.isHealthy)
      links.push({
        id: `waiting:${id}`,
        kind: 'waiting',
        tone: 'warn',
        title: `Partly reported healthy, still tracked: ${eventName(event)}`,
        detail: `${newest.agent} reported ${newest.entities.map((entity) => `${entity.entityType} ${entity.entityValue}`).join(', ')} healthy, but fault-quarantine keeps an event until one healthy event clears all of it (it saves whole events). ${release}`,
        at: newest.createdAt,
      });
    else
      links.push({
        id: `waiting:${id}`,
        kind: 'waiting',
        tone: 'warn',
        title: `Still unhealthy: ${eventName(event)}`,
        detail: `${release}${newest ? ' Its last report was unhealthy.' : ''}`,
        at: newest?.createdAt ?? null,
      });
  }
  return links;
}

function drainLink(opening: NodeEventRow): WhyLink | null {
  const { eviction, evictionMessage, drainFinishedAt } = opening.status;
  const message = evictionMessage ? `: ${evictionMessage}` : '';
  switch (eviction) {
    case '':
      return {
        id: 'drain',
        kind: 'drain',
        tone: 'info',
        title: 'node-drainer has not taken up the event yet',
        detail: null,
        at: null,
      };
    case 'NotStarted':
      return { id: 'drain', kind: 'drain', tone: 'info', title: `Drain not started${message}`, detail: null, at: null };
    case 'InProgress':
      return { id: 'drain', kind: 'drain', tone: 'info', title: `Draining${message}`, detail: null, at: null };
    case 'Succeeded':
    case 'AlreadyDrained':
      return {
        id: 'drain',
        kind: 'drain',
        tone: 'ok',
        title: eviction === 'Succeeded' ? 'Drained' : 'Already drained',
        detail: evictionMessage || null,
        at: drainFinishedAt,
      };
    case 'Failed':
      return {
        id: 'drain',
        kind: 'drain',
        tone: 'bad',
        title: `Drain failed${message}`,
        detail: 'fault-remediation does not act on a node whose drain failed.',
        at: drainFinishedAt,
      };
    case 'Cancelled':
      return {
        id: 'drain',
        kind: 'drain',
        tone: 'info',
        title: 'Drain cancelled',
        detail: evictionMessage || null,
        at: drainFinishedAt,
      };
    default:
      return {
        id: 'drain',
        kind: 'drain',
        tone: 'warn',
        title: `Drain status ${enumLabel(eviction)}${message}`,
        detail: null,
        at: drainFinishedAt,
      };
  }
}

const PHASE_TONE: Record<string, WhyLink['tone']> = { Succeeded: 'ok', Failed: 'bad', Unknown: 'warn' };

function remediationLinks(opening: NodeEventRow, resources: NodeResource[]): WhyLink[] {
  const links: WhyLink[] = resources
    .filter((resource) => resource.kind !== 'ValidationRequest')
    .map((resource) => ({
      id: `remediation:${resource.kind}:${resource.name}`,
      kind: 'remediation',
      tone: PHASE_TONE[resource.phase] ?? 'info',
      title: `${resource.kind} ${resource.name}: ${resource.phase}`,
      detail: resource.message,
      at: resource.completedAt ?? resource.createdAt,
    }));
  const { remediated, remediatedAt } = opening.status;
  if (remediated === true)
    links.push({
      id: 'remediation',
      kind: 'remediation',
      tone: 'ok',
      title: 'fault-remediation remediated the node',
      detail: null,
      at: remediatedAt,
    });
  else if (remediated === false)
    links.push({
      id: 'remediation',
      kind: 'remediation',
      tone: 'bad',
      title: 'fault-remediation could not remediate the node',
      detail: `Recommended action ${opening.customRecommendedAction || enumLabel(opening.recommendedAction)}`,
      at: remediatedAt,
    });
  else if (opening.recommendedAction === 'NONE' && !opening.customRecommendedAction)
    links.push({
      id: 'remediation',
      kind: 'remediation',
      tone: 'info',
      title: 'No remediation: the recommended action is NONE',
      detail: null,
      at: null,
    });
  return links;
}

function cordonLink(node: ClusterNode): WhyLink | null {
  if (!node.cordoned) return null;
  const by = node.cordon?.by ? ` by ${node.cordon.by}` : '';
  const reason = node.cordon?.reason ? ` for ${node.cordon.reason}` : '';
  const taints = node.taints.map((taint) => `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`);
  return {
    id: 'cordon',
    kind: 'cordon',
    tone: 'info',
    title: `Cordoned${by}${reason}`,
    detail: taints.length > 0 ? `Taints: ${taints.join(', ')}` : null,
    at: node.cordon?.at ?? null,
  };
}

function trapLinks(inputs: WhyInputs, held: boolean): WhyLink[] {
  const { view, cluster } = inputs;
  const traps: WhyLink[] = [];
  const trap = (id: string, tone: WhyLink['tone'], title: string, detail: string | null, at: number | null = null) =>
    traps.push({ id: `trap:${id}`, kind: 'trap', tone, title, detail, at });
  const quarantined = Boolean(view && QUARANTINED_STATES.has(view.state));
  if (view?.state === 'released')
    trap(
      'released-by-hand',
      'info',
      'Released by hand: NVSentinel ended its session (Cancelled)',
      'An uncordon by hand is NVSentinel’s manual release; drain and remediation stop.',
      view.releasedAt,
    );
  if (!cluster) return traps;
  const { node, breaker, resources } = cluster;
  if (breaker.status === 'TRIPPED')
    trap(
      'breaker-tripped',
      held ? 'bad' : 'warn',
      'Circuit breaker TRIPPED: fault-quarantine processes no event, healthy ones included',
      held
        ? 'This node stays cordoned, even once it reports healthy, until an admin resets the breaker (Pipeline page).'
        : 'A new fault on this node will not quarantine it until an admin resets the breaker (Pipeline page).',
      breaker.trippedAt,
    );
  if (!node) {
    if (cluster.status === 'connecting')
      trap(
        'cluster-not-listed',
        'info',
        'The cluster has not been listed yet',
        'Whether the node is cordoned is not known until the first list answers.',
      );
    else
      trap(
        'not-in-cluster',
        quarantined ? 'bad' : 'warn',
        'No node of this name in the cluster',
        quarantined
          ? 'Deleted or renamed? NVSentinel’s session in the datastore cannot end by a healthy event from a node that is gone.'
          : 'Deleted or renamed? The datastore still has its events.',
      );
    return traps;
  }
  if (node.cordoned && !node.nvsentinelSession)
    trap(
      'cordoned-outside',
      'warn',
      'Cordoned outside NVSentinel',
      'No session of NVSentinel holds this cordon (kubectl cordon, another controller), so NVSentinel will not lift it.',
      node.cordon?.at ?? null,
    );
  if (node.cordonPreExisting)
    trap(
      'cordon-pre-existing',
      'warn',
      'The cordon was there before NVSentinel quarantined the node',
      'NVSentinel will not uncordon it when the node recovers; someone must uncordon it by hand.',
    );
  if (node.uncordonedManually && view?.state !== 'released')
    trap(
      'uncordoned-by-hand',
      'info',
      'Uncordoned by hand while NVSentinel held it',
      'NVSentinel ended its session (Cancelled).',
      node.uncordon?.at ?? null,
    );
  if (node.untaintedManually)
    trap(
      'untainted-by-hand',
      'bad',
      'NVSentinel’s taint was removed by hand',
      'NVSentinel let the node go but left it cordoned; nothing will uncordon it but a person.',
    );
  if (!node.managed)
    trap(
      'opted-out',
      'warn',
      'Opted out of NVSentinel (ManagedByNVSentinel=false)',
      'New faults do not quarantine it; forced quarantines still do.',
    );
  // A session whose rules did not cordon (taint or label only) is schedulable by design (reconciler.go:1012-1014).
  if (
    quarantined &&
    !node.cordoned &&
    !node.cordonPreExisting &&
    !(node.nvsentinelSession && !node.cordonedByNvsentinel)
  )
    trap(
      'schedulable',
      'bad',
      'Quarantined in the datastore but schedulable in the cluster',
      'Pods may be scheduled onto a node NVSentinel is draining or remediating.',
    );
  if (node.stateLabel && !node.nvsentinelSession)
    trap(
      'stale-state-label',
      'warn',
      `Stale state label ${node.stateLabel}`,
      'No session of NVSentinel is open on the node, so the label no longer says anything (NVSentinel does not always remove it).',
    );
  for (const validation of resources.filter((resource) => resource.kind === 'ValidationRequest'))
    if (validation.phase === 'Pending' || validation.phase === 'InProgress')
      trap(
        `validation:${validation.name}`,
        'warn',
        `Validation ${validation.name} is ${validation.phase}`,
        // lifecycle-manager/internal/controller/validationrequest_controller.go:51 (a TODO at 42672ae).
        'In NVSentinel’s sources nothing acts on a ValidationRequest yet: it does not uncordon the node by itself.',
        validation.createdAt,
      );
  return traps;
}

const newestFirst = (a: WhyLink, b: WhyLink) => (b.at ?? Number.MAX_SAFE_INTEGER) - (a.at ?? Number.MAX_SAFE_INTEGER);

export function whyChain(inputs: WhyInputs): WhyChain {
  const { view, opening, sessionEvents, cluster } = inputs;
  const node = cluster?.node ?? null;
  const held = Boolean((view && QUARANTINED_STATES.has(view.state)) || node?.cordoned);
  const traps = trapLinks(inputs, held);
  const steps: WhyLink[] = [];
  let waiting: WhyLink[] = [];
  if (view?.session && opening) {
    const links = trackedLinks(trackedEventsOf(opening, sessionEvents, node), sessionEvents);
    waiting = links.filter((link) => link.kind === 'waiting');
    steps.push(...links.filter((link) => link.kind === 'recovered'));
    if (waiting.length === 0 && links.length > 0 && cluster?.breaker.status !== 'TRIPPED')
      waiting.push({
        id: 'waiting:fault-quarantine',
        kind: 'waiting',
        tone: 'warn',
        title: 'Every tracked check has reported healthy, yet the session is open',
        detail: `fault-quarantine has not processed the healthy event yet${inputs.quarantineBacklog ? ` (it is ${inputs.quarantineBacklog.toLocaleString('en-US')} events behind)` : ''}.`,
        at: null,
      });
    steps.push(...remediationLinks(opening, cluster?.resources ?? []));
    const drain = drainLink(opening);
    if (drain) steps.push(drain);
    steps.push(causeLink(opening, view));
  }
  const cordon = node ? cordonLink(node) : null;
  if (cordon) steps.push(cordon);
  steps.sort(newestFirst);
  const links = [...traps.sort(newestFirst), ...waiting, ...steps];
  return { summary: summaryOf(inputs, links), links };
}

function summaryOf({ view, cluster }: WhyInputs, links: WhyLink[]): string {
  const first =
    links.find((link) => link.tone === 'bad') ?? links.find((link) => link.kind === 'trap' || link.kind === 'waiting');
  if (first) return first.title;
  if (view?.session) return 'Quarantined; the pipeline is working on it';
  if (!cluster) return 'No quarantine session in the datastore (cluster state not connected)';
  return cluster.node?.cordoned ? 'Cordoned' : 'Nothing holds this node';
}
