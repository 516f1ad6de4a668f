// Events per time bucket, grouped by one field or several, as one aggregation. Buckets start at
// multiples of bucketSeconds since the epoch (as on PostgreSQL), so both providers draw the same chart.
import type { Document } from 'mongodb';

import type { BucketKey, ThroughputRequest } from '../../../health-event-store';
import { throughputGroups } from '../../../throughput-request';
import { FIELD, healthEventMatch } from './health-event-filter';

const KEYS: Record<BucketKey, unknown> = {
  none: { $literal: '' },
  agent: { $ifNull: [`$${FIELD.agent}`, ''] },
  checkName: { $ifNull: [`$${FIELD.checkName}`, ''] },
  componentClass: { $ifNull: [`$${FIELD.componentClass}`, ''] },
  isFatal: { $cond: [{ $eq: [`$${FIELD.isFatal}`, true] }, 'true', 'false'] },
};

/** Validates the request; returns its grouping fields in order. */
export function validateThroughput(request: ThroughputRequest): BucketKey[] {
  return throughputGroups(request);
}

/**
 * Output: `{ _id: { bucket: Date, key0: string, key1?: string, … }, count }` (one `keyN` per
 * grouping field, in groupBy's order), ordered by bucket then the keys.
 */
export function throughputPipeline(request: ThroughputRequest): Document[] {
  const groups = validateThroughput(request);
  const bucketMs = request.bucketSeconds * 1000;
  const ms = { $toLong: `$${FIELD.createdAt}` };
  const keys = Object.fromEntries(groups.map((group, index) => [`key${index}`, KEYS[group]]));
  return [
    { $match: healthEventMatch({ ...request.filter, from: request.from, to: request.to }) },
    {
      $group: {
        _id: { bucket: { $toDate: { $subtract: [ms, { $mod: [ms, bucketMs] }] } }, ...keys },
        count: { $sum: 1 },
      },
    },
    { $sort: { '_id.bucket': 1, ...Object.fromEntries(groups.map((_, index) => [`_id.key${index}`, 1])) } },
  ];
}

/** The grouping values of an output row, in groupBy's order. */
export function throughputRowKeys(id: Record<string, unknown>, groups: number): string[] {
  return Array.from({ length: groups }, (_, index) => String(id[`key${index}`] ?? ''));
}
