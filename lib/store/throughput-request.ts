// The checks every provider makes on a throughput request, and its grouping as a list.
import { ValidationError } from './errors/validation-error';
import type { BucketKey, ThroughputRequest } from './health-event-store';

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
