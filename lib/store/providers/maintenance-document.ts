// A stored maintenance event read into the model, the same for both providers: NVSentinel's
// model.MaintenanceEvent (data-models/pkg/model/maintenance_event.go:22-40) with field names in any
// case, a missing text field as '', recommendedAction the action's NAME (older writers: a number;
// one this SDK does not know stays raw). Only how a time is stored differs (RFC3339 text in
// PostgreSQL's JSONB, BSON Dates in MongoDB), so each provider passes its own `date`.
import { decodeRecommendedAction } from '../model/enums';
import type { MaintenanceEvent } from '../model/maintenance-event';

export function maintenanceEventFrom(
  document: Record<string, unknown>,
  date: (value: unknown, field: string) => Date | null,
): MaintenanceEvent {
  const d = new Map(Object.entries(document).map(([key, value]) => [key.toLowerCase(), value]));
  const text = (key: string) => {
    const value = d.get(key.toLowerCase());
    return value === undefined || value === null ? '' : String(value);
  };
  const action = d.get('recommendedaction');
  return {
    eventId: text('eventId'),
    csp: text('csp') as MaintenanceEvent['csp'],
    clusterName: text('clusterName'),
    resourceType: text('resourceType'),
    resourceId: text('resourceId'),
    nodeName: text('nodeName'),
    maintenanceType: text('maintenanceType') as MaintenanceEvent['maintenanceType'],
    status: text('status') as MaintenanceEvent['status'],
    cspStatus: text('cspStatus') as MaintenanceEvent['cspStatus'],
    scheduledStartTime: date(d.get('scheduledstarttime'), 'scheduledStartTime'),
    scheduledEndTime: date(d.get('scheduledendtime'), 'scheduledEndTime'),
    actualStartTime: date(d.get('actualstarttime'), 'actualStartTime'),
    actualEndTime: date(d.get('actualendtime'), 'actualEndTime'),
    eventReceivedTimestamp: date(d.get('eventreceivedtimestamp'), 'eventReceivedTimestamp') ?? new Date(0),
    lastUpdatedTimestamp: date(d.get('lastupdatedtimestamp'), 'lastUpdatedTimestamp') ?? new Date(0),
    recommendedAction: decodeRecommendedAction(
      typeof action === 'number' || typeof action === 'string' ? action : null,
      'maintenance.recommendedAction',
    ),
    metadata: Object.fromEntries(
      Object.entries((d.get('metadata') ?? {}) as Record<string, unknown>).map(([key, value]) => [key, String(value)]),
    ),
  };
}
