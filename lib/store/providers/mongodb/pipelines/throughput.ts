// Events per time bucket, grouped by one field or several, as one aggregation. Buckets start at
// multiples of bucketSeconds since the epoch (as on PostgreSQL), so both providers draw the same chart.
import type { Document } from 'mongodb';

import type { BucketKey, HealthEventFilter, ThroughputRequest } from '../../../health-event-store';
import type { EventCountRequest } from '../../../model/event-count';
import { eventCountBucket, throughputGroups } from '../../../throughput-request';
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

/**
 * Events per bucket of creation counted separately by agent, check, component class and severity,
 * each with fatality (HealthEventStore.countByDimension): each matched event becomes its four
 * (dimension, value) pairs, grouped once; the rows stream through the cursor (a $facet's single
 * document would be capped at 16 MB on a long history). Buckets are whole multiples of their size
 * since the epoch, as date_bin gives on PostgreSQL.
 * Output: `{ _id: { bucket: Date, dimension, value: string, isFatal: boolean }, count }`.
 */
export function countByDimensionPipeline(request: EventCountRequest, filter?: HealthEventFilter): Document[] {
  const bucketMs = eventCountBucket(request) * 1000;
  const ms = { $toLong: `$${FIELD.createdAt}` };
  const fatal = { $eq: [`$${FIELD.isFatal}`, true] };
  const severity = {
    $cond: [fatal, 'fatal', { $cond: [{ $eq: [`$${FIELD.isHealthy}`, true] }, 'healthy', 'unhealthy'] }],
  };
  return [
    { $match: healthEventMatch({ ...filter, ...(request.since ? { from: request.since } : {}) }) },
    {
      $project: {
        bucket: { $toDate: { $subtract: [ms, { $mod: [ms, bucketMs] }] } },
        isFatal: fatal,
        pairs: [
          { dimension: 'agent', value: KEYS.agent },
          { dimension: 'checkName', value: KEYS.checkName },
          { dimension: 'componentClass', value: KEYS.componentClass },
          { dimension: 'severity', value: severity },
        ],
      },
    },
    { $unwind: '$pairs' },
    {
      $group: {
        _id: { bucket: '$bucket', dimension: '$pairs.dimension', value: '$pairs.value', isFatal: '$isFatal' },
        count: { $sum: 1 },
      },
    },
  ];
}
