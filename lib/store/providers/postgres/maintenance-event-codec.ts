// Translation between the model and NVSentinel's PostgreSQL shape of a maintenance event:
// `document` is Go encoding/json of model.MaintenanceEvent (data-models/pkg/model/
// maintenance_event.go:22-40: camelCase, optional times and metadata omitted when empty, nodeName
// omitted when '', times as RFC3339 strings, recommendedAction a string holding the enum NAME; a
// number there makes NVSentinel's json.Unmarshal fail), with the indexed fields repeated in
// columns (node_name '' when no node is known: maintenance_events.go:101-112 passes the string).
import { ValidationError } from '../../errors/validation-error';
import type { MaintenanceEvent } from '../../model/maintenance-event';
import { unknownRaw } from '../../model/unknown-enum';
import { maintenanceEventFrom } from '../maintenance-document';
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
  return maintenanceEventFrom((document ?? {}) as Json, date);
}
