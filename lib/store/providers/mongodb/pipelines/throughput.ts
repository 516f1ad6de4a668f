// Events per time bucket, grouped by a field, as one aggregation. Buckets start at multiples of
// bucketSeconds since the epoch (as on PostgreSQL), so both providers draw the same chart.
import type { Document } from 'mongodb';

import { ValidationError } from '../../../errors/validation-error';
import type { ThroughputRequest } from '../../../health-event-store';
import { FIELD, healthEventMatch } from './health-event-filter';

const KEYS: Record<string, unknown> = {
  none: { $literal: '' },
  agent: { $ifNull: [`$${FIELD.agent}`, ''] },
  checkName: { $ifNull: [`$${FIELD.checkName}`, ''] },
  componentClass: { $ifNull: [`$${FIELD.componentClass}`, ''] },
  isFatal: { $cond: [{ $eq: [`$${FIELD.isFatal}`, true] }, 'true', 'false'] },
};

export function validateThroughput(request: ThroughputRequest): void {
  const { from, to, bucketSeconds, groupBy = 'none' } = request;
  if (!(from instanceof Date) || !(to instanceof Date) || !(from < to)) throw new ValidationError('from', 'must be a date before to');
  if (!Number.isInteger(bucketSeconds) || bucketSeconds < 1) throw new ValidationError('bucketSeconds', 'must be a whole number of seconds, at least 1');
  if ((to.getTime() - from.getTime()) / 1000 / bucketSeconds > 100_000) throw new ValidationError('bucketSeconds', 'gives more than 100000 buckets for the range');
  if (!Object.hasOwn(KEYS, groupBy)) throw new ValidationError('groupBy', 'must be one of none, agent, checkName, componentClass, isFatal');
}

/** Output: `{ _id: { bucket: Date, key: string }, count }`, ordered by bucket then key. */
export function throughputPipeline(request: ThroughputRequest): Document[] {
  validateThroughput(request);
  const bucketMs = request.bucketSeconds * 1000;
  const ms = { $toLong: `$${FIELD.createdAt}` };
  return [
    { $match: healthEventMatch({ ...request.filter, from: request.from, to: request.to }) },
    {
      $group: {
        _id: { bucket: { $toDate: { $subtract: [ms, { $mod: [ms, bucketMs] }] } }, key: KEYS[request.groupBy ?? 'none'] },
        count: { $sum: 1 },
      },
    },
    { $sort: { '_id.bucket': 1, '_id.key': 1 } },
  ];
}
