import type { Csp, CspStatus, MaintenanceStatus, MaintenanceType, RecommendedAction } from './enums';

/** A cloud provider's maintenance of a node, as NVSentinel's csp-health-monitor records it. */
export interface MaintenanceEvent {
  eventId: string;
  csp: Csp;
  clusterName: string;
  resourceType: string;
  resourceId: string;
  nodeName: string;
  maintenanceType: MaintenanceType;
  status: MaintenanceStatus;
  cspStatus: CspStatus;
  scheduledStartTime: Date | null;
  scheduledEndTime: Date | null;
  actualStartTime: Date | null;
  actualEndTime: Date | null;
  eventReceivedTimestamp: Date;
  lastUpdatedTimestamp: Date;
  recommendedAction: RecommendedAction;
  metadata: Record<string, string>;
}
