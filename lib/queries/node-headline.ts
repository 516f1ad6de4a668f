// Builds the node page's header in words (./node-headline-view.ts) from what the Why chain is
// built from, and the chain itself: the cause (the session's opening event), the pipeline's step
// and its outcome (the node's state and the opening event's drain and remediation status, the
// custom resource fault-remediation created), and what happens next, in one sentence. Pure.
//
// "Next" follows NVSentinel's order: node-drainer drains a quarantined node, fault-remediation acts
// on a drained node whose recommended action its chart maps to a maintenance resource (never after
// a failed drain; any other action but NONE it marks failed: lib/nvsentinel/remediation-actions.ts),
// and fault-quarantine releases the node once every event it tracks is reported healthy
// (lib/queries/node-why.ts, its rule). fault-remediation is promised only where it runs: the umbrella
// chart ships it disabled (charts/nvsentinel/values.yaml:223-224), and the caller says whether the
// console's consumer-lag reading sees it (./node-detail.ts). A tripped circuit breaker stops
// fault-quarantine only (node-drainer and fault-remediation never read it): a drain or a remediation
// under way goes on, and the release waits for an admin to reset the breaker.
import type { TrackedEvent } from '@/lib/cluster/cluster-node';
import type { NodeResource } from '@/lib/cluster/nvsentinel-resource';
import type { NodeView } from '@/lib/node-state/node-view';
import { isChartRemediationAction } from '@/lib/nvsentinel/remediation-actions';
import { enumLabel } from '@/lib/store/model';

import type { NodeEventRow } from './node-detail-view';
import { compareEntities } from './node-gpus-view';
import type { FaultCause, HeadlineStep, ManualCause, NodeHeadline } from './node-headline-view';
import { matchesKey, trackedEventsOf, trackedKeys } from './node-release-rule';
import type { WhyInputs } from './node-why';
import type { WhyChain, WhyTone } from './node-why-view';

type Session = NonNullable<NodeView['session']>;

/**
 * NVSentinel's fault-remediation as the console's consumer-lag reading sees its resume token (client
 * name "fault-remediation", fault-remediation/pkg/initializer/init.go:179-183): running; stopped (no
 * heartbeat while changes wait); absent (no such consumer: it does not run here); unknown (no
 * reading yet).
 */
export type FaultRemediationRun = 'running' | 'stopped' | 'absent' | 'unknown';

const actionOf = (session: Session, opening: NodeEventRow | null) =>
  opening?.customRecommendedAction || enumLabel(opening?.recommendedAction ?? session.recommendedAction);

/** The name fault-remediation looks the action up by: CUSTOM's custom name (health_event_extentions.go:46-55). */
function effectiveAction(session: Session, opening: NodeEventRow | null): string {
  const action = String(opening?.recommendedAction ?? session.recommendedAction);
  return action === 'CUSTOM' && opening ? opening.customRecommendedAction : action;
}

/** fault-remediation will mark the session's remediation failed: an action, but none its chart maps. */
const unsupported = (session: Session, opening: NodeEventRow | null) => {
  const action = effectiveAction(session, opening);
  return action !== 'NONE' && !isChartRemediationAction(action);
};

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

function stepOf(
  view: NodeView,
  opening: NodeEventRow | null,
  resources: NodeResource[],
  remediation: FaultRemediationRun,
): HeadlineStep | null {
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
      if (named) return step(named, 'info');
      if (remediation === 'absent') return step(`Drained; no fault-remediation runs here to ${action} it`, 'warn');
      if (remediation === 'stopped')
        return step(`Drained; fault-remediation is stopped and has not started ${action}`, 'warn');
      return step(`Drained; fault-remediation has not started ${action} yet`, 'info');
    case 'remediated':
      return step(
        named ?? `Remediated: fault-remediation ran ${action}`,
        resource ? (PHASE_TONE[resource.phase] ?? 'info') : 'ok',
      );
    case 'remediation-failed':
      if (unsupported(session, opening) && !resource)
        return step(`Remediation failed: fault-remediation has no maintenance action for ${action}`, 'bad');
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

const NOT_BEFORE_BREAKER = ', not before an admin resets the circuit breaker (Pipeline page)';
const RELEASE_WAITS_FOR_BREAKER = '; its release waits for an admin to reset the circuit breaker (Pipeline page)';

/**
 * How the session ends: "released when GPU 3 reports healthy"; byHand when only an uncordon ends
 * it. `held`: a tripped breaker holds the node (fault-quarantine releases nothing until reset).
 */
function releaseClause(inputs: WhyInputs, why: WhyChain, session: Session, held: boolean) {
  const cordonStays = why.links.some((link) => link.id === 'trap:cordon-pre-existing')
    ? '; the cordon from before NVSentinel stays until someone lifts it'
    : '';
  const breaker = held ? NOT_BEFORE_BREAKER : '';
  const byRecovery = (text: string) => ({ text: `${text}${breaker}${cordonStays}`, byHand: false });
  if (!inputs.opening) return byRecovery(`released when ${session.checkName} reports healthy`);
  const pending = pendingEvents(inputs);
  if (pending.some((event) => event.forced))
    return { text: 'released only by hand (Release here, or kubectl uncordon)', byHand: true };
  if (pending.length === 0) {
    const behind = inputs.quarantineBacklog
      ? ` (${inputs.quarantineBacklog.toLocaleString('en-US')} events behind)`
      : '';
    return byRecovery(`released once fault-quarantine processes the healthy report${behind}`);
  }
  const subjects = [...new Set(pending.map(subjectOf))];
  return byRecovery(`released when ${joined(subjects)} ${subjects.length > 1 ? 'report' : 'reports'} healthy`);
}

/** What fault-remediation does with a drained node whose action its chart maps, where it runs or not. */
function remediationNext(action: string, release: string, remediation: FaultRemediationRun): string {
  switch (remediation) {
    case 'absent':
      return `it stays drained until ${release}: no fault-remediation runs here to ${action} it`;
    case 'stopped':
      return `fault-remediation will ${action} the node when it runs again: it is stopped (Pipeline page)`;
    case 'running':
      return `fault-remediation will ${action} the node`;
    default:
      return `fault-remediation will ${action} the node if it runs here`;
  }
}

function nextOf(inputs: WhyInputs, why: WhyChain, remediation: FaultRemediationRun): string | null {
  const { view, opening, cluster } = inputs;
  const trap = (id: string) => why.links.find((link) => link.id === `trap:${id}`);
  const breaker = trap('breaker-tripped');
  const held = breaker?.tone === 'bad';
  const session = view?.session;
  if (!view || !session) {
    if (held)
      return 'Next: nothing until an admin resets the circuit breaker (Pipeline page): fault-quarantine processes no event meanwhile';
    if (view?.quarantineRequested) return 'Next: fault-quarantine cordons the node';
    if (trap('untainted-by-hand') || trap('cordoned-outside') || trap('cordon-pre-existing'))
      return 'Next: nothing until someone uncordons it by hand: no session of NVSentinel holds this cordon';
    if (breaker) return 'Next: a new fault will not quarantine it until an admin resets the circuit breaker';
    if (trap('opted-out')) return 'Next: new faults do not quarantine it while it is opted out of NVSentinel';
    return null;
  }
  const { text: release, byHand } = releaseClause(inputs, why, session, held);
  // A step before the release: the breaker, which only fault-quarantine reads, does not stop it.
  const before = (text: string) => `Next: ${text}${held && !byHand ? RELEASE_WAITS_FOR_BREAKER : ''}`;
  const action = actionOf(session, opening);
  const remediable = isChartRemediationAction(effectiveAction(session, opening));
  // fault-remediation, where it runs, marks an action it has no resource for failed (reconciler.go:1105-1109).
  const markedFailed =
    remediation === 'running' && unsupported(session, opening)
      ? `; fault-remediation has no maintenance action for ${action} and marks its remediation failed`
      : '';
  const eviction = opening?.status.eviction ?? session.eviction;
  switch (view.state) {
    case 'quarantined':
      if (eviction === '' || eviction === 'NotStarted') return before('node-drainer drains the node');
      return `Next: ${release}${eviction === 'Succeeded' || eviction === 'AlreadyDrained' ? markedFailed : ''}`;
    case 'draining':
      if (!remediable) return `Next: once drained, ${release}${markedFailed}`;
      return remediation === 'absent'
        ? `Next: once drained, ${remediationNext(action, release, remediation)}`
        : before(`once drained, ${remediationNext(action, release, remediation)}`);
    case 'drain-failed':
      return `Next: ${release}; fault-remediation does not act after a failed drain`;
    case 'remediating':
    case 'remediated': {
      const resource = remediationResource(cluster?.resources ?? [], session);
      if (resource && IN_PROGRESS.has(resource.phase))
        return `Next: ${resource.kind} ${resource.name} completes, then ${release}`;
      if (view.state === 'remediated') return `Next: ${release}`;
      return remediation === 'absent'
        ? `Next: ${remediationNext(action, release, remediation)}`
        : before(remediationNext(action, release, remediation));
    }
    default:
      return `Next: ${release}`;
  }
}

/** The header of the node page; `remediation`: whether fault-remediation runs here, as the consumer-lag reading sees it. */
export function nodeHeadline(inputs: WhyInputs, why: WhyChain, remediation: FaultRemediationRun): NodeHeadline {
  const { view, opening, cluster } = inputs;
  if (!view) return { cause: null, step: null, next: null };
  return {
    cause: view.session ? causeOf(view.session, opening) : null,
    step: stepOf(view, opening, cluster?.resources ?? [], remediation),
    next: nextOf(inputs, why, remediation),
  };
}
