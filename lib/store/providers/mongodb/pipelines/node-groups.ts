// Health events matching a filter, per node, on MongoDB: one $group over the matching documents,
// the newest activity first. Pure, so the unit tests run it with mingo.
import type { Document } from 'mongodb';

import { FIELD, healthEventMatch } from './health-event-filter';

/**
 * Output: `{ _id: nodeName, count, fatal, firstAt, lastAt, entities }` per node, `entities` the
 * distinct entitiesimpacted lists (merged and capped by the store), at most `limit` + 1 nodes so
 * the store knows whether more matched.
 */
export function nodeGroupsPipeline(filter: Parameters<typeof healthEventMatch>[0], limit: number): Document[] {
  const match = healthEventMatch(filter);
  return [
    ...(Object.keys(match).length ? [{ $match: match }] : []),
    {
      $group: {
        _id: `$${FIELD.nodeName}`,
        count: { $sum: 1 },
        // A missing or null isfatal is false, as everywhere in NVSentinel's documents.
        fatal: { $sum: { $cond: [{ $eq: [`$${FIELD.isFatal}`, true] }, 1, 0] } },
        firstAt: { $min: `$${FIELD.createdAt}` },
        lastAt: { $max: `$${FIELD.createdAt}` },
        entities: { $addToSet: { $ifNull: [`$${FIELD.entities}`, []] } },
      },
    },
    { $sort: { lastAt: -1, _id: 1 } },
    { $limit: limit + 1 },
  ];
}
