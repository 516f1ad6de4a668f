// Incidents from fault-quarantine's decisions: the unit every reliability figure counts.
//
// The breakfix MTBI design proposed in NVIDIA/NVSentinel pull request #1413 (not part of NVSentinel
// as deployed) makes an incident a node's `Quarantined` transition and times it by the quarantining
// event's generatedTimestamp (the fault, as the monitor saw it). The pipeline's own timestamps on the events
// of the session then give each stage (the Go writers: store-client/pkg/client/convenience.go sets
// quarantinefinishtimestamp with Quarantined/AlreadyQuarantined, node-drainer's reconciler
// drainfinishtimestamp with Succeeded/AlreadyDrained, fault-remediation's lastremediationtimestamp
// with faultremediated true). A release has no timestamp of its own: UnQuarantined is decided on
// the healthy event that closes the session, so its storage time is the release; Cancelled (a
// release by hand) overwrites the session's decisions and records no time at all.
//
// The proposal pairs each incident with the node's previous one through an annotation it persists on
// the node; the console pairs the incidents it reads instead: those of the range, and before them
// the node's last one before the range (HealthEventStore.quarantineDecisionsBefore), so a session
// still open when the range begins is known as begun before it.
import type { QuarantineHistoryEvent } from '@/lib/store';
import { timestampToDate } from '@/lib/store';

export type StageOutcome = 'done' | 'failed' | 'none';
export type ReleaseOutcome = 'auto' | 'hand' | 'held';

export interface Incident {
  nodeName: string;
  checkName: string;
  agent: string;
  /** The quarantining event. */
  recordId: string;
  /** The fault (ms): the quarantining event's generatedTimestamp, its storage time when it has none. */
  faultAt: number;
  quarantinedAt: number | null;
  drain: StageOutcome;
  drainedAt: number | null;
  remediation: StageOutcome;
  remediatedAt: number | null;
  release: ReleaseOutcome;
  /** Only for an automatic release: the storage time of the healthy event fault-quarantine released the node on. */
  releasedAt: number | null;
  /**
   * Its quarantining event was stored before the range: not an incident of the range (no stage is
   * timed or counted for it), only the one before the node's first for the time between incidents.
   */
  begunBefore: boolean;
}

const ms = (timestamp: QuarantineHistoryEvent['generatedTimestamp']) =>
  timestamp ? timestampToDate(timestamp).getTime() : null;

const DRAINED = new Set(['Succeeded', 'AlreadyDrained']);

/** The earliest of a stage's finish times among the session's events, else whether one failed. */
function stageOf(
  events: QuarantineHistoryEvent[],
  finished: (event: QuarantineHistoryEvent) => number | null,
  failed: (event: QuarantineHistoryEvent) => boolean,
): { outcome: StageOutcome; at: number | null } {
  const times = events.map(finished).filter((at): at is number => at !== null);
  if (times.length) return { outcome: 'done', at: Math.min(...times) };
  return { outcome: events.some(failed) ? 'failed' : 'none', at: null };
}

function incidentOf(
  events: QuarantineHistoryEvent[],
  release: ReleaseOutcome,
  releasedAt: number | null,
  begunBefore: boolean,
): Incident {
  const opener = events[0];
  const drain = stageOf(
    events,
    (event) => (DRAINED.has(event.status.userPodsEvictionStatus.status) ? ms(event.status.drainFinishTimestamp) : null),
    (event) => event.status.userPodsEvictionStatus.status === 'Failed',
  );
  const remediation = stageOf(
    events,
    (event) => (event.status.faultRemediated === true ? ms(event.status.lastRemediationTimestamp) : null),
    (event) => event.status.faultRemediated === false,
  );
  return {
    nodeName: opener.nodeName,
    checkName: opener.checkName,
    agent: opener.agent,
    recordId: opener.recordId,
    faultAt: ms(opener.generatedTimestamp) ?? opener.createdAt.getTime(),
    quarantinedAt: ms(opener.status.quarantineFinishTimestamp),
    drain: drain.outcome,
    drainedAt: drain.at,
    remediation: remediation.outcome,
    remediatedAt: remediation.at,
    release,
    releasedAt,
    begunBefore,
  };
}

const storedOrder = (a: QuarantineHistoryEvent, b: QuarantineHistoryEvent) =>
  a.createdAt.getTime() - b.createdAt.getTime() || (a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0);

/**
 * The incidents of a range, per node in stored order, from the range's decided events (`history`)
 * after what was decided on those nodes before it (`before`: quarantineDecisionsBefore's, all
 * stored before the range):
 *  - Quarantined opens an incident (one still open without a release decision stays `held`);
 *  - AlreadyQuarantined joins the open incident (its drain or remediation may be the session's);
 *    with none open it is left out (no session of it was read);
 *  - Cancelled joins the open incident, or opens one (its Quarantined was overwritten by the
 *    release), and makes it released by hand; two sessions both released by hand with nothing
 *    decided between them read as one, since no trace says which Cancelled event opened the second;
 *  - UnQuarantined closes the open incident, released automatically at its storage time (unless
 *    it was released by hand already); with none open it is left out.
 * An incident opened by an event of `before` is `begunBefore`: a session open when the range began
 * takes its AlreadyQuarantined events of the range (Cancelled ones once released by hand, since the
 * release overwrites the whole session) and its release, and opens no incident of the range; the
 * node's last incident before the range is kept too, for the time to its next one.
 */
export function incidentsFrom(
  history: readonly QuarantineHistoryEvent[],
  before: readonly QuarantineHistoryEvent[] = [],
): Incident[] {
  const perNode = new Map<string, QuarantineHistoryEvent[]>();
  const earlier = new Set<string>();
  for (const event of before) earlier.add(event.recordId);
  for (const event of [...before, ...history]) {
    const list = perNode.get(event.nodeName);
    if (list) list.push(event);
    else perNode.set(event.nodeName, [event]);
  }
  const incidents: Incident[] = [];
  for (const events of perNode.values()) {
    events.sort(storedOrder);
    let session: QuarantineHistoryEvent[] | null = null;
    let byHand = false;
    const close = (release: ReleaseOutcome, releasedAt: number | null) => {
      if (session)
        incidents.push(
          incidentOf(session, byHand ? 'hand' : release, byHand ? null : releasedAt, earlier.has(session[0].recordId)),
        );
      session = null;
      byHand = false;
    };
    for (const event of events) {
      switch (event.status.nodeQuarantined) {
        case 'Quarantined':
          close('held', null);
          session = [event];
          break;
        case 'AlreadyQuarantined':
          session?.push(event);
          break;
        case 'Cancelled':
          if (session) session.push(event);
          else session = [event];
          byHand = true;
          break;
        case 'UnQuarantined':
          close('auto', event.createdAt.getTime());
          break;
        default:
          break;
      }
    }
    close('held', null);
  }
  return incidents;
}
