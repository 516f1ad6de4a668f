// Incidents from fault-quarantine's decisions: the unit every reliability figure counts.
//
// NVSentinel's ADR-044 (docs/designs/044-breakfix-mtbi.md, "Breakfix MTBI Metric") makes an
// incident a node's `Quarantined` transition and times it by the quarantining event's
// generatedTimestamp (the fault, as the monitor saw it). The pipeline's own timestamps on the events
// of the session then give each stage (the Go writers: store-client/pkg/client/convenience.go sets
// quarantinefinishtimestamp with Quarantined/AlreadyQuarantined, node-drainer's reconciler
// drainfinishtimestamp with Succeeded/AlreadyDrained, fault-remediation's lastremediationtimestamp
// with faultremediated true). A release has no timestamp of its own: UnQuarantined is decided on
// the healthy event that closes the session, so its storage time is the release; Cancelled (a
// release by hand) overwrites the session's decisions and records no time at all.
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

function incidentOf(events: QuarantineHistoryEvent[], release: ReleaseOutcome, releasedAt: number | null): Incident {
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
  };
}

const storedOrder = (a: QuarantineHistoryEvent, b: QuarantineHistoryEvent) =>
  a.createdAt.getTime() - b.createdAt.getTime() || (a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0);

/**
 * The incidents whose quarantining event the history holds, per node in stored order:
 *  - Quarantined opens an incident (one still open without a release decision stays `held`);
 *  - AlreadyQuarantined joins the open incident (its drain or remediation may be the session's);
 *    with none open it belongs to an incident begun before the history and is left out;
 *  - Cancelled joins the open incident, or opens one (its Quarantined was overwritten by the
 *    release), and makes it released by hand; two sessions both released by hand with nothing
 *    decided between them read as one, since no trace says which Cancelled event opened the second;
 *  - UnQuarantined closes the open incident, released automatically at its storage time (unless
 *    it was released by hand already); with none open it closes one begun before the history.
 */
export function incidentsFrom(history: readonly QuarantineHistoryEvent[]): Incident[] {
  const perNode = new Map<string, QuarantineHistoryEvent[]>();
  for (const event of history) {
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
      if (session) incidents.push(incidentOf(session, byHand ? 'hand' : release, byHand ? null : releasedAt));
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
