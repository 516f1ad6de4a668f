// The newest event of one (node, check, entities): what a node-state projection needs to know
// whether that fault is open, without the rest of the document (loading a projection reads one of
// these per tracked fault of every node: hundreds of thousands on a large cluster).
import type { QuarantineStatus } from './enums';
import type { Entity, HealthEventWithStatus } from './health-event';
import type { Timestamp } from './timestamp';

export interface CheckLatest {
  recordId: string;
  createdAt: Date;
  nodeName: string;
  checkName: string;
  agent: string;
  entitiesImpacted: Entity[];
  isFatal: boolean;
  isHealthy: boolean;
  generatedTimestamp: Timestamp | null;
  /** quarantineOverrides.force without skip: an operator's request to quarantine the node. */
  forcedQuarantine: boolean;
  nodeQuarantined: QuarantineStatus | '' | null;
}

export function toCheckLatest(event: HealthEventWithStatus): CheckLatest {
  const { healthEvent } = event;
  return {
    recordId: event.recordId,
    createdAt: event.createdAt,
    nodeName: healthEvent.nodeName,
    checkName: healthEvent.checkName,
    agent: healthEvent.agent,
    entitiesImpacted: healthEvent.entitiesImpacted,
    isFatal: healthEvent.isFatal,
    isHealthy: healthEvent.isHealthy,
    generatedTimestamp: healthEvent.generatedTimestamp,
    forcedQuarantine: healthEvent.quarantineOverrides?.force === true && !healthEvent.quarantineOverrides.skip,
    nodeQuarantined: event.status.nodeQuarantined,
  };
}
