// The read pipelines of health events. Each is a pure builder: the store runs it with
// `aggregate`, the unit tests run the same pipeline with mingo over NVSentinel-shaped documents.
import type { Document } from 'mongodb';

import { ValidationError } from '../../../errors/validation-error';
import type { HealthEventFilter, PageCursor } from '../../../health-event-store';
import { QUARANTINE_STATUSES } from '../../../model/enums';
import { idValue } from '../health-event-codec';
import { FIELD, healthEventMatch, nodeMatch, QUARANTINE_DECISIONS } from './health-event-filter';

/** Newest first; `_id` breaks ties so paging never repeats or skips an event. */
export const NEWEST_FIRST = { [FIELD.createdAt]: -1, _id: -1 } as const;

const matchStage = (query: Document): Document[] => (Object.keys(query).length ? [{ $match: query }] : []);

/** The newest document of each group, ordered by node name. */
const firstPerGroup = (groupKey: unknown): Document[] => [
  { $group: { _id: groupKey, doc: { $first: '$$ROOT' } } },
  { $replaceRoot: { newRoot: '$doc' } },
  { $sort: { [FIELD.nodeName]: 1, [FIELD.checkName]: 1, _id: 1 } },
];

function cursorMatch(after: PageCursor): Document {
  const createdAt = new Date(after?.createdAt);
  if (Number.isNaN(createdAt.getTime())) throw new ValidationError('page.after.createdAt', 'must be an ISO time');
  const id = idValue(after.recordId);
  return { $or: [{ [FIELD.createdAt]: { $lt: createdAt } }, { [FIELD.createdAt]: createdAt, _id: { $lt: id } }] };
}

/** One page of events matching the filter, newest first; reads one extra to know whether more exist. */
export function healthEventPagePipeline(
  filter: HealthEventFilter,
  page: { limit: number; after?: PageCursor },
): Document[] {
  return [
    ...matchStage(healthEventMatch(filter)),
    ...(page.after ? [{ $match: cursorMatch(page.after) }] : []),
    { $sort: NEWEST_FIRST },
    { $limit: page.limit + 1 },
  ];
}

/**
 * The fields of a health event a node's timeline reads (HealthEventStore.nodeTimeline), in both
 * spellings: NVSentinel's Go writer stores them lowercase, and the decoder folds either.
 */
const TIMELINE_FIELDS = [
  'agent',
  'checkName',
  'isFatal',
  'isHealthy',
  'errorCode',
  'entitiesImpacted',
  'generatedTimestamp',
  'message',
].flatMap((field) => [`healthevent.${field.toLowerCase()}`, `healthevent.${field}`]);

/**
 * A node's newest `points` events in the range, newest first, with only what a timeline draws (and
 * one more, to know whether the range holds more).
 */
export function nodeTimelinePipeline(
  filter: Pick<HealthEventFilter, 'nodeName' | 'from' | 'to'>,
  points: number,
): Document[] {
  return [
    ...matchStage(healthEventMatch(filter)),
    { $sort: NEWEST_FIRST },
    { $limit: points + 1 },
    {
      $project: {
        createdAt: 1,
        healtheventstatus: 1,
        ...Object.fromEntries(TIMELINE_FIELDS.map((field) => [field, 1])),
      },
    },
  ];
}

/** Output: one `{ count }` of the events matching the filter; none when nothing matches. */
export function countPipeline(filter: HealthEventFilter): Document[] {
  return [...matchStage(healthEventMatch(filter)), { $count: 'count' }];
}

export function latestPerNodePipeline(nodeNames?: string[]): Document[] {
  return [...matchStage(nodeMatch(nodeNames)), { $sort: NEWEST_FIRST }, ...firstPerGroup(`$${FIELD.nodeName}`)];
}

/**
 * The newest event (by generated time, then stored time) per (node, check, entities). Entities
 * are compared as [{type, value}] so key order, missing parts and a null list do not split a check.
 */
export function latestPerCheckPipeline(nodeNames?: string[]): Document[] {
  return [
    ...matchStage(nodeMatch(nodeNames)),
    { $sort: { [FIELD.generatedSeconds]: -1, [FIELD.generatedNanos]: -1, ...NEWEST_FIRST } },
    ...firstPerGroup({
      node: `$${FIELD.nodeName}`,
      check: { $ifNull: [`$${FIELD.checkName}`, ''] },
      entities: {
        $map: {
          input: { $ifNull: [`$${FIELD.entities}`, []] },
          as: 'entity',
          in: { type: { $ifNull: ['$$entity.entitytype', ''] }, value: { $ifNull: ['$$entity.entityvalue', ''] } },
        },
      },
    }),
  ];
}

export function latestQuarantineDecisionsPipeline(nodeNames?: string[]): Document[] {
  return [
    { $match: { ...nodeMatch(nodeNames), [FIELD.quarantined]: { $in: [...QUARANTINE_DECISIONS] } } },
    { $sort: NEWEST_FIRST },
    ...firstPerGroup(`$${FIELD.nodeName}`),
  ];
}

/** Output: `{ _id: nodeName, count }` per node with at least one match. */
export function countByNodePipeline(filter?: HealthEventFilter): Document[] {
  return [...matchStage(healthEventMatch(filter)), { $group: { _id: `$${FIELD.nodeName}`, count: { $sum: 1 } } }];
}

/** Only the fields reliability figures read of a decided event. */
const HISTORY_PROJECTION: Document = {
  $project: {
    createdAt: 1,
    healtheventstatus: 1,
    ...Object.fromEntries(
      ['nodeName', 'agent', 'checkName', 'generatedTimestamp'].flatMap((field) => [
        [`healthevent.${field.toLowerCase()}`, 1],
        [`healthevent.${field}`, 1],
      ]),
    ),
  },
};

/**
 * Every event stored in the range that fault-quarantine decided, oldest first, with only the
 * fields reliability figures read: the range through NVSentinel's createdAt index, the decision
 * checked on the documents it finds (an event's status is not indexed in NVSentinel's layout).
 */
export function quarantineHistoryPipeline(range: { from: Date; to: Date }): Document[] {
  return [
    {
      $match: {
        [FIELD.createdAt]: { $gte: range.from, $lt: range.to },
        [FIELD.quarantined]: { $in: [...QUARANTINE_STATUSES] },
      },
    },
    { $sort: { [FIELD.createdAt]: 1, _id: 1 } },
    HISTORY_PROJECTION,
  ];
}

/**
 * HealthEventStore.quarantineDecisionsBefore: per node given, the newest event decided Quarantined
 * or Cancelled and the newest decided UnQuarantined stored before `before`, oldest first. No index
 * of NVSentinel's holds the decision; MongoDB serves the match by the createdAt (or a node name)
 * index and checks the decision on the documents it finds, so this visits the nodes' events before
 * the range (as far back as the collection keeps them: 30 days in NVSentinel's chart).
 */
export function quarantineDecisionsBeforePipeline(nodeNames: string[], before: Date): Document[] {
  return [
    {
      $match: {
        ...nodeMatch(nodeNames),
        [FIELD.createdAt]: { $lt: before },
        [FIELD.quarantined]: { $in: [...QUARANTINE_DECISIONS] },
      },
    },
    { $sort: NEWEST_FIRST },
    {
      $group: {
        _id: { node: `$${FIELD.nodeName}`, released: { $eq: [`$${FIELD.quarantined}`, 'UnQuarantined'] } },
        doc: { $first: '$$ROOT' },
      },
    },
    { $replaceRoot: { newRoot: '$doc' } },
    { $sort: { [FIELD.createdAt]: 1, _id: 1 } },
    HISTORY_PROJECTION,
  ];
}
