// The checks every provider makes on a throughput request, and its grouping as a list.
import { ValidationError } from './errors/validation-error';
import type { BucketKey, ThroughputBucket, ThroughputRequest } from './health-event-store';
import type { EventCountRequest } from './model/event-count';

const BUCKET_KEYS: readonly BucketKey[] = ['none', 'agent', 'checkName', 'componentClass', 'isFatal'];

/** Validates the request; returns its grouping fields in order (`['none']` when groupBy is absent). */
export function throughputGroups(request: ThroughputRequest): BucketKey[] {
  const { from, to, bucketSeconds, groupBy = 'none' } = request;
  if (!(from instanceof Date) || !(to instanceof Date) || !(from < to))
    throw new ValidationError('from', 'must be a date before to');
  if (!Number.isInteger(bucketSeconds) || bucketSeconds < 1)
    throw new ValidationError('bucketSeconds', 'must be a whole number of seconds, at least 1');
  if ((to.getTime() - from.getTime()) / 1000 / bucketSeconds > 100_000)
    throw new ValidationError('bucketSeconds', 'gives more than 100000 buckets for the range');
  const groups: unknown[] = Array.isArray(groupBy) ? [...groupBy] : [groupBy];
  if (groups.length === 0) throw new ValidationError('groupBy', 'must name at least one field');
  for (const group of groups) {
    if (!BUCKET_KEYS.includes(group as BucketKey))
      throw new ValidationError('groupBy', `must be one of ${BUCKET_KEYS.join(', ')}`);
  }
  if (new Set(groups).size !== groups.length) throw new ValidationError('groupBy', 'must not name a field twice');
  return groups as BucketKey[];
}

/** Throughput rows in order: by bucket, then by each key (code-unit order, as MongoDB's $sort). */
export function byBucketThenKeys(a: ThroughputBucket, b: ThroughputBucket): number {
  const time = a.bucketStart.getTime() - b.bucketStart.getTime();
  if (time !== 0) return time;
  for (let index = 0; index < a.keys.length; index += 1) {
    if (a.keys[index] !== b.keys[index]) return a.keys[index] < b.keys[index] ? -1 : 1;
  }
  return 0;
}

/** Checks an event-count request (HealthEventStore.countByDimension); returns its bucket size. */
export function eventCountBucket(request: EventCountRequest): number {
  const { bucketSeconds, since } = request;
  if (!Number.isInteger(bucketSeconds) || bucketSeconds < 1)
    throw new ValidationError('bucketSeconds', 'must be a whole number of seconds, at least 1');
  if (since !== undefined && (!(since instanceof Date) || Number.isNaN(since.getTime())))
    throw new ValidationError('since', 'must be a date');
  return bucketSeconds;
}
