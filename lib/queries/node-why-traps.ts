// The traps of the Why chain (./node-why.ts): what holds a node, or keeps it out of NVSentinel's
// hands, that no healthy event will change, each in words. Pure.
import { QUARANTINED_STATES } from '@/lib/node-state/node-view';

import type { WhyInputs } from './node-why-inputs';
import type { WhyLink } from './node-why-view';

/** The traps of `inputs`; `held`: the node is quarantined or cordoned (the breaker then holds it). */
export function trapLinks(inputs: WhyInputs, held: boolean): WhyLink[] {
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
