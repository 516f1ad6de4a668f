// Builds the node page's "Why" chain (./node-why-view.ts) from what the node page read: the node's
// state, the event that opened its session and the session's later events of the tracked checks
// (datastore), and the node, the breaker and the custom resources (cluster). Pure. What releases a
// node is NVSentinel's rule (./node-release-rule.ts); the traps are ./node-why-traps.ts.
import type { ClusterNode, TrackedEvent } from '@/lib/cluster/cluster-node';
import type { NodeResource } from '@/lib/cluster/nvsentinel-resource';
import { QUARANTINED_STATES, type NodeView } from '@/lib/node-state/node-view';
import { enumLabel } from '@/lib/store/model';

import type { NodeEventRow } from './node-detail-view';
import { matchesKey, trackedEventsOf, trackedKeys } from './node-release-rule';
import type { WhyChain, WhyLink } from './node-why-view';
import type { WhyInputs } from './node-why-inputs';
import { trapLinks } from './node-why-traps';

export type { WhyInputs };

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
