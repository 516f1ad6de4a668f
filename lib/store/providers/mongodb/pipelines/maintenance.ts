// Maintenance event writes and reads as pure builders (checked with mingo in unit tests).
import type { Document } from 'mongodb';

import type { MaintenanceEvent } from '../../../model/maintenance-event';
import { encodeMaintenanceFields, OPTIONAL_TIMES } from '../maintenance-event-codec';

/** Statuses a later update keeps, unless it reports the maintenance complete (NVSentinel's rule). */
export const KEPT_STATUSES = ['QUARANTINE_TRIGGERED', 'HEALTHY_TRIGGERED', 'NODE_READINESS_TIMEOUT'] as const;

/**
 * The update pipeline of an upsert by eventId: status first (it reads the stored one), then every
 * other field replaced, optional times the new event lacks removed.
 */
export function maintenanceUpsertPipeline(event: MaintenanceEvent): Document[] {
  const fields = encodeMaintenanceFields(event);
  const absent = OPTIONAL_TIMES.filter((key) => !event[key]);
  if (!event.metadata || Object.keys(event.metadata).length === 0) absent.push('metadata' as never);
  return [
    {
      $set: {
        status: {
          $cond: [
            {
              $and: [
                { $in: [{ $ifNull: ['$status', ''] }, [...KEPT_STATUSES]] },
                { $ne: [{ $literal: event.status }, 'MAINTENANCE_COMPLETE'] },
              ],
            },
            '$status',
            { $literal: event.status },
          ],
        },
      },
    },
    { $set: Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, { $literal: value }])) },
    ...(absent.length ? [{ $unset: absent }] : []),
  ];
}

export function maintenanceListPipeline(
  filter: { status?: MaintenanceEvent['status'][]; limit?: number } = {},
): Document[] {
  return [
    ...(filter.status ? [{ $match: { status: { $in: filter.status.map(String) } } }] : []),
    { $sort: { lastUpdatedTimestamp: -1, _id: -1 } },
    { $limit: Math.max(1, Math.min(filter.limit ?? 200, 10_000)) },
  ];
}

export function maintenanceByNodePipeline(nodeName: string): Document[] {
  return [{ $match: { nodeName: String(nodeName) } }, { $sort: { eventReceivedTimestamp: -1, _id: -1 } }];
}
