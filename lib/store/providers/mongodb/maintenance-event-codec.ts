// Translation between the model and NVSentinel's MongoDB shape of a maintenance event: Go's
// model.MaintenanceEvent with explicit camelCase bson tags (data-models/pkg/model/
// maintenance_event.go:22-40), upserted as is (store-client/pkg/datastore/providers/mongodb/
// maintenance_store.go:52): times as BSON Dates (optional ones omitted), recommendedAction the
// action's NAME (a string field), metadata omitted when empty, nodeName always present (its bson
// tag reads `omitemtpy`, which the driver does not know, so '' is stored too).
import type { Document } from 'mongodb';

import { ValidationError } from '../../errors/validation-error';
import { decodeRecommendedAction, type RecommendedAction } from '../../model/enums';
import type { MaintenanceEvent } from '../../model/maintenance-event';
import { unknownRaw } from '../../model/unknown-enum';

export const OPTIONAL_TIMES = ['scheduledStartTime', 'scheduledEndTime', 'actualStartTime', 'actualEndTime'] as const;

/** Every field but `status`, which the upsert decides (NVSentinel's rule). */
export function encodeMaintenanceFields(event: MaintenanceEvent): Document {
  const out: Document = {
    eventId: event.eventId,
    csp: event.csp,
    clusterName: event.clusterName,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    maintenanceType: event.maintenanceType,
    cspStatus: event.cspStatus,
  };
  for (const key of OPTIONAL_TIMES) if (event[key]) out[key] = event[key];
  out.eventReceivedTimestamp = event.eventReceivedTimestamp;
  out.lastUpdatedTimestamp = event.lastUpdatedTimestamp;
  out.recommendedAction = unknownRaw(event.recommendedAction) ?? event.recommendedAction;
  if (Object.keys(event.metadata).length > 0) out.metadata = { ...event.metadata };
  out.nodeName = event.nodeName;
  return out;
}

function date(value: unknown, field: string): Date | null {
  if (value === undefined || value === null || value === '') return null;
  const parsed = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(parsed.getTime()))
    throw new ValidationError(field, `is not a time: ${JSON.stringify(value)?.slice(0, 60)}`);
  return parsed;
}

/** The name NVSentinel writes, or a number (older writers); one this SDK does not know stays raw. */
function action(value: unknown): RecommendedAction {
  return decodeRecommendedAction(
    typeof value === 'number' || typeof value === 'string' ? value : null,
    'maintenance.recommendedAction',
  );
}

export function decodeMaintenanceDocument(document: unknown): MaintenanceEvent {
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    throw new ValidationError('document', 'must be a document');
  }
  const d = new Map(Object.entries(document as Document).map(([key, value]) => [key.toLowerCase(), value]));
  const text = (key: string) => {
    const value = d.get(key.toLowerCase());
    return value === undefined || value === null ? '' : String(value);
  };
  if (!text('eventId'))
    throw new ValidationError('eventId', 'is missing (is this a collection of NVSentinel maintenance events?)');
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
    recommendedAction: action(d.get('recommendedaction')),
    metadata: Object.fromEntries(
      Object.entries((d.get('metadata') ?? {}) as Document).map(([key, value]) => [key, String(value)]),
    ),
  };
}
