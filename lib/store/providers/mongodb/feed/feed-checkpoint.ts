// A feed checkpoint on MongoDB: where a change stream is to start, as JSON tagged as MongoDB's.
// Either after a resume token (`startAfter`, the token's `_data`: after a change the feed
// delivered, or the stream's post-batch token when it idled), or at a cluster time
// (`startAtOperationTime`: the changes at or after it; readNodeState's is the tick after its read).
//
// Which changes a checkpoint has passed follows what the server delivers from it: `startAfter`
// delivers the changes whose token sorts after it, and a token's `_data` is hex of a KeyString
// that sorts in stream order (resume_token.h: "encoded such that string comparisons provide the
// correct ordering of tokens"; cluster time, version, token type, txnOpIndex, then UUID and
// document key); `startAtOperationTime` delivers the changes at or after that time.
import { ValidationError } from '../../../errors/validation-error';
import { StoreError } from '../../../errors/store-error';
import type { FeedCheckpoint } from '../../../feed/change-feed';
import type { StartOptions } from './mongo-consumer-registry';
import {
  clusterTimeOfToken,
  compareClusterTimes,
  compareTokens,
  fromBsonTimestamp,
  isTokenData,
  toBsonTimestamp,
  type ClusterTime,
} from './resume-token';

type CheckpointDocument =
  { provider: 'mongodb'; startAfter: string } | { provider: 'mongodb'; startAtOperationTime: { t: number; i: number } };

const UINT32_MAX = 0xffff_ffff;
const isUint32 = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= UINT32_MAX;

/** The checkpoint of a feed that would start where `start` says. */
export function encodeCheckpoint(start: StartOptions): FeedCheckpoint {
  if (start.startAtOperationTime) {
    const { seconds, increment } = fromBsonTimestamp(start.startAtOperationTime);
    return JSON.stringify({ provider: 'mongodb', startAtOperationTime: { t: seconds, i: increment } });
  }
  const data = (start.startAfter as { _data?: unknown } | undefined)?._data;
  if (!isTokenData(data))
    throw new StoreError(
      'malformed',
      `the change stream's resume token cannot be kept as a checkpoint (${JSON.stringify(start.startAfter)?.slice(0, 80)})`,
    );
  return JSON.stringify({ provider: 'mongodb', startAfter: data } satisfies CheckpointDocument);
}

/** The checkpoint that has passed every change up to and including cluster time `time`. */
export function checkpointAfter(time: ClusterTime): FeedCheckpoint {
  const next =
    time.increment === UINT32_MAX
      ? { seconds: time.seconds + 1, increment: 0 }
      : { seconds: time.seconds, increment: time.increment + 1 };
  return encodeCheckpoint({ startAtOperationTime: toBsonTimestamp(next) });
}

/** Where a feed opened `from` the checkpoint starts; a ValidationError naming `checkpoint` for anything else. */
export function decodeCheckpoint(checkpoint: unknown): StartOptions {
  let document: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = typeof checkpoint === 'string' ? JSON.parse(checkpoint) : null;
    document =
      parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : null;
  } catch {
    document = null;
  }
  if (document?.provider !== 'mongodb') {
    const postgres = document?.order === 'id' || document?.order === 'commit';
    throw new ValidationError(
      'checkpoint',
      postgres
        ? 'is a PostgreSQL feed checkpoint; a checkpoint is valid only on the datastore that gave it (build again from readNodeState() here)'
        : `is not a MongoDB feed checkpoint (got ${JSON.stringify(checkpoint)?.slice(0, 60)})`,
    );
  }
  const { startAfter, startAtOperationTime } = document;
  if (startAfter !== undefined && startAtOperationTime !== undefined)
    throw new ValidationError('checkpoint', 'has both startAfter and startAtOperationTime; it holds one of them');
  if (startAfter !== undefined) {
    if (!isTokenData(startAfter))
      throw new ValidationError(
        'checkpoint',
        `startAfter is not a resume token's _data (got ${JSON.stringify(startAfter)?.slice(0, 60)})`,
      );
    return { startAfter: { _data: startAfter } };
  }
  const time = startAtOperationTime as { t?: unknown; i?: unknown } | null | undefined;
  if (time === null || typeof time !== 'object' || !isUint32(time.t) || !isUint32(time.i))
    throw new ValidationError(
      'checkpoint',
      `needs startAfter (a resume token's _data) or startAtOperationTime ({t, i}: whole numbers from 0 to ${UINT32_MAX}) (got ${JSON.stringify(checkpoint)?.slice(0, 80)})`,
    );
  return { startAtOperationTime: toBsonTimestamp({ seconds: time.t, increment: time.i }) };
}

/** A change's position, refused when it is not a resume token's `_data` (a PostgreSQL position, say). */
function positionToken(position: unknown): string {
  if (!isTokenData(position))
    throw new ValidationError(
      'position',
      `is not a MongoDB feed position (expected a resume token's _data, got ${JSON.stringify(position)?.slice(0, 60)})`,
    );
  return position;
}

/** Whether a stream started at `start` would leave out the change at `position` (it is before the start). */
export function startHasPassed(start: StartOptions, position: unknown): boolean {
  const token = positionToken(position);
  if (start.startAtOperationTime) {
    return compareClusterTimes(clusterTimeOfToken(token)!, fromBsonTimestamp(start.startAtOperationTime)) < 0;
  }
  return compareTokens(token, (start.startAfter as { _data: string })._data) <= 0;
}

/**
 * Whether resuming after `token` (a stream's post-batch token) starts later than `start`: then
 * the feed has passed more than its start, every change up to the token delivered or filtered out.
 */
export function isPastStart(token: string, start: StartOptions): boolean {
  if (start.startAtOperationTime)
    return compareClusterTimes(clusterTimeOfToken(token)!, fromBsonTimestamp(start.startAtOperationTime)) > 0;
  const after = (start.startAfter as { _data?: unknown } | undefined)?._data;
  return isTokenData(after) && compareTokens(token, after) > 0;
}
