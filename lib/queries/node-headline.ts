// Builds the node page's header in words (./node-headline-view.ts) from what the Why chain is
// built from, and the chain itself: the cause (the session's opening event), the pipeline's step
// and its outcome (the node's state and the opening event's drain and remediation status, the
// custom resource fault-remediation created), and what happens next, in one sentence. Pure.
//
// "Next" follows NVSentinel's order: node-drainer drains a quarantined node, fault-remediation acts
// on a drained node whose recommended action it supports (never after a failed drain, never for
// NONE or UNKNOWN: lib/node-state/node-projection.ts sessionState), and fault-quarantine releases
// the node once every event it tracks is reported healthy (lib/queries/node-why.ts, its rule).
// A tripped circuit breaker stops fault-quarantine altogether, and that comes first.
import type { TrackedEvent } from '@/lib/cluster/cluster-node';
import type { NodeResource } from '@/lib/cluster/nvsentinel-resource';
import type { NodeView } from '@/lib/node-state/node-view';
import { enumLabel, isRemediableAction } from '@/lib/store/model';

import type { NodeEventRow } from './node-detail-view';
import { compareEntities } from './node-gpus-view';
import type { FaultCause, HeadlineStep, ManualCause, NodeHeadline } from './node-headline-view';
import { matchesKey, trackedEventsOf, trackedKeys } from './node-release-rule';
import type { WhyInputs } from './node-why';
import type { WhyChain, WhyTone } from './node-why-view';

type Session = NonNullable<NodeView['session']>;

const actionOf = (session: Session, opening: NodeEventRow | null) =>
  opening?.customRecommendedAction || enumLabel(opening?.recommendedAction ?? session.recommendedAction);

function causeOf(session: Session, opening: NodeEventRow | null): FaultCause | ManualCause {
  if (session.manual) return { kind: 'manual', actor: session.actor, reason: session.reason, at: session.since };
  return {
    kind: 'fault',
    checkName: opening?.checkName ?? session.checkName,
    agent: opening?.agent ?? null,
    fatal: opening ? opening.isFatal : null,
    xids: opening?.errorCode ?? [],
    entities: [...(opening?.entities ?? [])].sort(compareEntities),
    action: actionOf(session, opening),
    message: opening?.message ?? session.reason,
    at: opening?.createdAt ?? session.since,
  };
}

/**
 * The newest custom resource fault-remediation created for the node in this session (a
 * ValidationRequest is not one; one older than the session belongs to an earlier one).
 */
const remediationResource = (resources: NodeResource[], session: Session) =>
  resources
    .filter((resource) => resource.kind !== 'ValidationRequest' && (resource.createdAt ?? Infinity) >= session.since)
    .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))[0] ?? null;

const PHASE_TONE: Record<string, WhyTone> = { Succeeded: 'ok', Failed: 'bad', Unknown: 'warn' };
const IN_PROGRESS = new Set(['Pending', 'InProgress']);

function stepOf(view: NodeView, opening: NodeEventRow | null, resources: NodeResource[]): HeadlineStep | null {
  const session = view.session;
  const step = (text: string, tone: WhyTone): HeadlineStep => ({ state: view.state, text, tone });
  if (!session) {
    if (view.quarantineRequested) return step('Quarantine requested: waiting for fault-quarantine', 'warn');
    if (view.state === 'released') return step('Released by hand: NVSentinel ended its session', 'info');
    return null;
  }
  const eviction = opening?.status.eviction ?? session.eviction;
  const message = opening?.status.evictionMessage ?? session.evictionMessage;
  const said = message ? `: ${message}` : '';
  const action = actionOf(session, opening);
  const resource = remediationResource(resources, session);
  const named = resource ? `Remediation ${action}: ${resource.kind} ${resource.name} ${resource.phase}` : null;
  switch (view.state) {
    case 'draining':
      return step(`Draining${said}`, 'info');
    case 'drain-failed':
      return step(`Drain failed: ${message || 'node-drainer gave no reason'}`, 'bad');
    case 'remediating':
      return step(named ?? `Drained; fault-remediation has not started ${action} yet`, 'info');
    case 'remediated':
      return step(
        named ?? `Remediated: fault-remediation ran ${action}`,
        resource ? (PHASE_TONE[resource.phase] ?? 'info') : 'ok',
      );
    case 'remediation-failed':
      return step(
        `Remediation failed: fault-remediation could not ${action} the node${resource?.message ? ` (${resource.message})` : ''}`,
        'bad',
      );
    default:
      if (eviction === '') return step('Quarantined: node-drainer has not taken it up yet', 'info');
      if (eviction === 'NotStarted') return step(`Quarantined: drain not started${said}`, 'info');
      if (eviction === 'Succeeded' || eviction === 'AlreadyDrained')
        return step(`Drained; no remediation for recommended action ${action}`, 'info');
      if (eviction === 'Cancelled') return step(`Drain cancelled${said}`, 'info');
      return step(`Quarantined; drain status ${enumLabel(eviction)}${said}`, 'warn');
  }
}

/** The tracked events no healthy event has released yet, as the Why chain judges them. */
function pendingEvents({ opening, sessionEvents, cluster }: WhyInputs): TrackedEvent[] {
  if (!opening) return [];
  return trackedEventsOf(opening, sessionEvents, cluster?.node ?? null).filter((event) => {
    const keys = trackedKeys([event]);
    const newest = sessionEvents.find((row) => keys.some((key) => matchesKey(key, row)));
    return !(newest?.isHealthy && keys.every((key) => matchesKey(key, newest)));
  });
}

/** "GPU 3": the GPUs an event names, else its first entity, else its check on the node. */
function subjectOf(event: TrackedEvent): string {
  const entities = event.entities
    .map((entity) => ({ entityType: entity.type, entityValue: entity.value }))
    .sort(compareEntities);
  const gpus = entities.filter((entity) => entity.entityType === 'GPU');
  const named = gpus.length > 0 ? gpus : entities.slice(0, 1);
  if (named.length === 0) return `${event.checkName} on the node`;
  return named.map((entity) => `${entity.entityType} ${entity.entityValue}`).join(' and ');
}

const joined = (items: string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

/** How the session ends: "released when GPU 3 reports healthy". */
function releaseClause(inputs: WhyInputs, why: WhyChain, session: Session): string {
  const cordonStays = why.links.some((link) => link.id === 'trap:cordon-pre-existing')
    ? '; the cordon from before NVSentinel stays until someone lifts it'
    : '';
  if (!inputs.opening) return `released when ${session.checkName} reports healthy${cordonStays}`;
  const pending = pendingEvents(inputs);
  if (pending.some((event) => event.forced)) return 'released only by hand (Release here, or kubectl uncordon)';
  if (pending.length === 0) {
    const behind = inputs.quarantineBacklog
      ? ` (${inputs.quarantineBacklog.toLocaleString('en-US')} events behind)`
      : '';
    return `released once fault-quarantine processes the healthy report${behind}${cordonStays}`;
  }
  const subjects = [...new Set(pending.map(subjectOf))];
  return `released when ${joined(subjects)} ${subjects.length > 1 ? 'report' : 'reports'} healthy${cordonStays}`;
}

function nextOf(inputs: WhyInputs, why: WhyChain): string | null {
  const { view, opening, cluster } = inputs;
  const trap = (id: string) => why.links.find((link) => link.id === `trap:${id}`);
  const breaker = trap('breaker-tripped');
  if (breaker?.tone === 'bad')
    return 'Next: nothing until an admin resets the circuit breaker (Pipeline page): fault-quarantine processes no event meanwhile';
  const session = view?.session;
  if (!view || !session) {
    if (view?.quarantineRequested) return 'Next: fault-quarantine cordons the node';
    if (trap('untainted-by-hand') || trap('cordoned-outside') || trap('cordon-pre-existing'))
      return 'Next: nothing until someone uncordons it by hand: no session of NVSentinel holds this cordon';
    if (breaker) return 'Next: a new fault will not quarantine it until an admin resets the circuit breaker';
    if (trap('opted-out')) return 'Next: new faults do not quarantine it while it is opted out of NVSentinel';
    return null;
  }
  const release = releaseClause(inputs, why, session);
  const action = actionOf(session, opening);
  const remediable = isRemediableAction(session.recommendedAction);
  const eviction = opening?.status.eviction ?? session.eviction;
  switch (view.state) {
    case 'quarantined':
      return eviction === '' || eviction === 'NotStarted' ? 'Next: node-drainer drains the node' : `Next: ${release}`;
    case 'draining':
      return remediable
        ? `Next: once drained, fault-remediation will ${action} the node`
        : `Next: once drained, ${release}`;
    case 'drain-failed':
      return `Next: ${release}; fault-remediation does not act after a failed drain`;
    case 'remediating':
    case 'remediated': {
      const resource = remediationResource(cluster?.resources ?? [], session);
      if (resource && IN_PROGRESS.has(resource.phase))
        return `Next: ${resource.kind} ${resource.name} completes, then ${release}`;
      return view.state === 'remediating' ? `Next: fault-remediation will ${action} the node` : `Next: ${release}`;
    }
    default:
      return `Next: ${release}`;
  }
}

export function nodeHeadline(inputs: WhyInputs, why: WhyChain): NodeHeadline {
  const { view, opening, cluster } = inputs;
  if (!view) return { cause: null, step: null, next: null };
  return {
    cause: view.session ? causeOf(view.session, opening) : null,
    step: stepOf(view, opening, cluster?.resources ?? []),
    next: nextOf(inputs, why),
  };
}
