// Maintenance events on PostgreSQL, in NVSentinel's `maintenance_events` table.
import { ValidationError } from '../../errors/validation-error';
import type { MaintenanceEventStore } from '../../maintenance-event-store';
import { CSP_STATUSES, CSPS, MAINTENANCE_STATUSES, MAINTENANCE_TYPES } from '../../model/enums';
import type { MaintenanceEvent } from '../../model/maintenance-event';
import { decodeMaintenanceDocument, encodeMaintenanceDocument } from './maintenance-event-codec';
import type { PostgresConnection } from './postgres-connection';

const KEPT = `('QUARANTINE_TRIGGERED', 'HEALTHY_TRIGGERED', 'NODE_READINESS_TIMEOUT')`;
const NEXT_STATUS = `CASE WHEN maintenance_events.status IN ${KEPT} AND EXCLUDED.status <> 'MAINTENANCE_COMPLETE'
  THEN maintenance_events.status ELSE EXCLUDED.status END`;

function validate(event: MaintenanceEvent): void {
  const oneOf = (field: string, value: unknown, allowed: readonly string[]) => {
    if (!allowed.includes(value as string)) throw new ValidationError(field, `must be one of ${allowed.join(', ')}`);
  };
  if (typeof event.eventId !== 'string' || !event.eventId || event.eventId.length > 255)
    throw new ValidationError('eventId', 'must be 1 to 255 characters');
  if (typeof event.clusterName !== 'string' || !event.clusterName)
    throw new ValidationError('clusterName', 'must not be empty');
  if (typeof event.nodeName !== 'string') throw new ValidationError('nodeName', 'must be a string');
  oneOf('csp', event.csp, CSPS);
  oneOf('status', event.status, MAINTENANCE_STATUSES);
  oneOf('cspStatus', event.cspStatus, CSP_STATUSES);
  oneOf('maintenanceType', event.maintenanceType, MAINTENANCE_TYPES);
  if (!(event.eventReceivedTimestamp instanceof Date) || Number.isNaN(event.eventReceivedTimestamp.getTime())) {
    throw new ValidationError('eventReceivedTimestamp', 'must be a valid date');
  }
}

export class PostgresMaintenanceEventStore implements MaintenanceEventStore {
  constructor(private readonly connection: PostgresConnection) {}

  async upsert(event: MaintenanceEvent): Promise<{ event: MaintenanceEvent; inserted: boolean }> {
    validate(event);
    const result = await this.connection.query<{ document: unknown; inserted: boolean }>(
      'maintenanceEvents.upsert',
      `INSERT INTO maintenance_events (event_id, csp, cluster_name, node_name, status, csp_status, scheduled_start_time,
         actual_end_time, event_received_timestamp, last_updated_timestamp, document)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (event_id) DO UPDATE SET
         status = ${NEXT_STATUS},
         document = jsonb_set(EXCLUDED.document, '{status}', to_jsonb(${NEXT_STATUS})),
         csp_status = EXCLUDED.csp_status, scheduled_start_time = EXCLUDED.scheduled_start_time,
         actual_end_time = EXCLUDED.actual_end_time, last_updated_timestamp = EXCLUDED.last_updated_timestamp,
         updated_at = NOW()
       RETURNING document, (xmax = 0) AS inserted`,
      [
        event.eventId,
        event.csp,
        event.clusterName,
        event.nodeName,
        event.status,
        event.cspStatus,
        event.scheduledStartTime,
        event.actualEndTime,
        event.eventReceivedTimestamp,
        event.lastUpdatedTimestamp,
        JSON.stringify(encodeMaintenanceDocument(event)),
      ],
    );
    return { event: decodeMaintenanceDocument(result.rows[0].document), inserted: result.rows[0].inserted };
  }

  async list(filter: { status?: MaintenanceEvent['status'][]; limit?: number } = {}): Promise<MaintenanceEvent[]> {
    const result = await this.connection.query<{ document: unknown }>(
      'maintenanceEvents.list',
      `SELECT document FROM maintenance_events ${filter.status ? 'WHERE status = ANY($2)' : ''}
       ORDER BY last_updated_timestamp DESC LIMIT $1`,
      filter.status ? [filter.limit ?? 200, filter.status] : [filter.limit ?? 200],
    );
    return result.rows.map((row) => decodeMaintenanceDocument(row.document));
  }

  async byNode(nodeName: string): Promise<MaintenanceEvent[]> {
    if (typeof nodeName !== 'string' || !nodeName) throw new ValidationError('nodeName', 'must not be empty');
    const result = await this.connection.query<{ document: unknown }>(
      'maintenanceEvents.byNode',
      `SELECT document FROM maintenance_events WHERE node_name = $1 ORDER BY event_received_timestamp DESC`,
      [nodeName],
    );
    return result.rows.map((row) => decodeMaintenanceDocument(row.document));
  }
}
