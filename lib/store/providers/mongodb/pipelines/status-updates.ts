// The pipeline's status writes as update pipelines (MongoDB 4.2+): one atomic findOneAndUpdate
// each, null-safe where NVSentinel leaves `spanids` null or missing. Every caller value goes in
// through $literal, so a message that starts with "$" stays text.
import type { Document } from 'mongodb';

import { ValidationError } from '../../../errors/validation-error';
import type { EvictionUpdate, QuarantineUpdate, RemediationUpdate } from '../../../health-event-store';
import { EVICTION_STATUSES, QUARANTINE_STATUSES } from '../../../model/enums';
import type { Timestamp } from '../../../model/timestamp';
import { encodeTimestamp } from '../health-event-codec';
import { FIELD, healthEventMatch } from './health-event-filter';

const STATUS = 'healtheventstatus';

function timestampValue(field: string, timestamp: Timestamp | null | undefined): Document | undefined {
  if (timestamp === null || timestamp === undefined) return undefined;
  if (
    !Number.isInteger(timestamp.seconds) ||
    !Number.isInteger(timestamp.nanos) ||
    timestamp.nanos < 0 ||
    timestamp.nanos > 999_999_999
  ) {
    throw new ValidationError(field, 'must be {seconds, nanos} in whole numbers');
  }
  return { $literal: encodeTimestamp(timestamp) };
}

function spanSet(span: { module: string; id: string } | undefined): Document {
  if (!span) return {};
  if (typeof span.module !== 'string' || !/^[A-Za-z0-9_-][A-Za-z0-9_:-]{0,99}$/.test(span.module)) {
    throw new ValidationError('span.module', 'must be a module name (letters, digits, dashes)');
  }
  if (typeof span.id !== 'string') throw new ValidationError('span.id', 'must be a string');
  return {
    [`${STATUS}.spanids`]: {
      $mergeObjects: [{ $ifNull: [`$${STATUS}.spanids`, {}] }, { $literal: { [span.module]: span.id } }],
    },
  };
}

function withoutUndefined(fields: Document): Document {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

export function quarantineUpdatePipeline(update: QuarantineUpdate): Document[] {
  if (!QUARANTINE_STATUSES.includes(update?.status))
    throw new ValidationError('status', `must be one of ${QUARANTINE_STATUSES.join(', ')}`);
  return [
    {
      $set: withoutUndefined({
        [FIELD.quarantined]: { $literal: update.status },
        [`${STATUS}.quarantinefinishtimestamp`]: timestampValue('finishedAt', update.finishedAt),
        ...spanSet(update.span),
      }),
    },
  ];
}

export function evictionUpdatePipeline(update: EvictionUpdate): Document[] {
  if (!EVICTION_STATUSES.includes(update?.status))
    throw new ValidationError('status', `must be one of ${EVICTION_STATUSES.join(', ')}`);
  if (update.message !== undefined && typeof update.message !== 'string')
    throw new ValidationError('message', 'must be a string');
  // Merged into the stored object, not replacing it: keys a newer node-drainer keeps there survive.
  // The message is always set ('' without one): the proto OperationStatus always has it.
  const eviction = { status: update.status, message: update.message ?? '' };
  const stored = {
    $cond: [
      { $eq: [{ $type: `$${STATUS}.userpodsevictionstatus` }, 'object'] },
      `$${STATUS}.userpodsevictionstatus`,
      {},
    ],
  };
  return [
    {
      $set: withoutUndefined({
        [`${STATUS}.userpodsevictionstatus`]: { $mergeObjects: [stored, { $literal: eviction }] },
        [`${STATUS}.drainfinishtimestamp`]: timestampValue('finishedAt', update.finishedAt),
        ...spanSet(update.span),
      }),
    },
  ];
}

export function remediationUpdatePipeline(update: RemediationUpdate): Document[] {
  if (typeof update?.remediated !== 'boolean') throw new ValidationError('remediated', 'must be true or false');
  return [
    {
      $set: withoutUndefined({
        [FIELD.remediated]: { $literal: { value: update.remediated } },
        [`${STATUS}.lastremediationtimestamp`]: timestampValue('at', update.at),
        ...spanSet(update.span),
      }),
    },
  ];
}

/** NVSentinel's manual release: the node's quarantining events since `since` become Cancelled. */
export function cancelQuarantineUpdate(nodeName: string, since: Date): { filter: Document; update: Document } {
  if (typeof nodeName !== 'string' || nodeName === '') throw new ValidationError('nodeName', 'must not be empty');
  return {
    filter: {
      $and: [
        healthEventMatch({ nodeName, from: since }),
        { [FIELD.quarantined]: { $in: ['Quarantined', 'AlreadyQuarantined'] } },
      ],
    },
    update: { $set: { [FIELD.quarantined]: 'Cancelled' } },
  };
}
