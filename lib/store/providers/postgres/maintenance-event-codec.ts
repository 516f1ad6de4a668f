// Translation between the model and NVSentinel's PostgreSQL shape of a maintenance event:
// `document` is Go encoding/json of model.MaintenanceEvent (data-models/pkg/model/
// maintenance_event.go:22-40: camelCase, optional times and metadata omitted when empty, nodeName
// omitted when '', times as RFC3339 strings, recommendedAction a string holding the enum NAME; a
// number there makes NVSentinel's json.Unmarshal fail), with the indexed fields repeated in
// columns (node_name '' when no node is known: maintenance_events.go:101-112 passes the string).
import { ValidationError } from '../../errors/validation-error';
import { decodeRecommendedAction } from '../../model/enums';
import type { MaintenanceEvent } from '../../model/maintenance-event';
import { unknownRaw } from '../../model/unknown-enum';
import { formatRfc3339Nano } from './health-event-codec';

type Json = Record<string, unknown>;

const OPTIONAL_TIMES = ['scheduledStartTime', 'scheduledEndTime', 'actualStartTime', 'actualEndTime'] as const;

export function encodeMaintenanceDocument(event: MaintenanceEvent): Json {
  const out: Json = {
    eventId: event.eventId,
    csp: event.csp,
    clusterName: event.clusterName,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    maintenanceType: event.maintenanceType,
    status: event.status,
    cspStatus: event.cspStatus,
  };
  for (const key of OPTIONAL_TIMES) if (event[key]) out[key] = formatRfc3339Nano(event[key]!);
  out.eventReceivedTimestamp = formatRfc3339Nano(event.eventReceivedTimestamp);
  out.lastUpdatedTimestamp = formatRfc3339Nano(event.lastUpdatedTimestamp);
  out.recommendedAction = maintenanceActionText(event.recommendedAction);
  if (Object.keys(event.metadata).length > 0) out.metadata = event.metadata;
  if (event.nodeName) out.nodeName = event.nodeName;
  return out;
}

/** The maintenance document's recommendedAction: the NAME, or an unknown value's raw text. */
export function maintenanceActionText(action: MaintenanceEvent['recommendedAction']): string {
  return unknownRaw(action) ?? action;
}

function date(value: unknown, field: string): Date | null {
  if (value === undefined || value === null || value === '') return null;
  const parsed = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(parsed.getTime()))
    throw new ValidationError(field, `is not a time: ${JSON.stringify(value).slice(0, 60)}`);
  return parsed;
}

export function decodeMaintenanceDocument(document: unknown): MaintenanceEvent {
  const d = new Map(Object.entries((document ?? {}) as Json).map(([key, value]) => [key.toLowerCase(), value]));
  const text = (key: string) =>
    d.get(key.toLowerCase()) === undefined || d.get(key.toLowerCase()) === null ? '' : String(d.get(key.toLowerCase()));
  // The name NVSentinel writes, or a number (older writers, this SDK before it wrote names).
  const action = d.get('recommendedaction');
  const recommendedAction = decodeRecommendedAction(
    typeof action === 'number' || typeof action === 'string' ? action : null,
    'maintenance.recommendedAction',
  );
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
    recommendedAction,
    metadata: Object.fromEntries(
      Object.entries((d.get('metadata') ?? {}) as Json).map(([key, value]) => [key, String(value)]),
    ),
  };
}
