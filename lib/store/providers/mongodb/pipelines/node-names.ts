// The names of the nodes that have health events, a page at a time (HealthEventStore.nodeNames):
// a projection build reads the nodes in pages and each page's state with readNodeState.
import type { Document } from 'mongodb';

import { ValidationError } from '../../../errors/validation-error';
import { FIELD } from './health-event-filter';

const NODE_NAMES_LIMIT = 100_000;

/**
 * Output: `{ _id: nodeName }`, ascending, the first `limit` after `after`. A $group on the node name
 * right after a $match on it can run as a DISTINCT_SCAN of an index that starts with the node name
 * (NVSentinel's {healthevent.nodename, entitiesimpacted…, generatedtimestamp.seconds}: the node name
 * is not its multikey part), reading one index key per node rather than every event.
 */
export function nodeNamesPipeline(page: { after?: unknown; limit?: unknown }): Document[] {
  const { after, limit } = page;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > NODE_NAMES_LIMIT)
    throw new ValidationError('limit', `must be a whole number from 1 to ${NODE_NAMES_LIMIT}`);
  if (after !== undefined && typeof after !== 'string')
    throw new ValidationError('after', `must be a node name (got ${JSON.stringify(after)?.slice(0, 60)})`);
  return [
    // Comparisons stay within strings, so a missing or null node name is never a name.
    { $match: { [FIELD.nodeName]: after === undefined ? { $gte: '' } : { $gt: after } } },
    { $group: { _id: `$${FIELD.nodeName}` } },
    { $sort: { _id: 1 } },
    { $limit: limit },
  ];
}
