// A feed checkpoint on PostgreSQL: the order's own stored token (the state, as a consumer's stored
// position holds it) tagged with the order that wrote it, as JSON. A checkpoint of one order is
// refused by a feed walking the other (a DBA applied or removed the opt-in column since).
import { ValidationError } from '../../../errors/validation-error';
import type { FeedCheckpoint } from '../../../feed/change-feed';
import { EPOCH_TEXT, type ChangelogOrder, type StoredToken } from './changelog-order';

interface CheckpointDocument extends StoredToken {
  order: 'commit' | 'id';
}

export function encodeCheckpoint<S>(order: ChangelogOrder<S>, state: S, changedAt: string | null): FeedCheckpoint {
  const document: CheckpointDocument = { order: order.kind, ...order.toToken(state, changedAt ?? EPOCH_TEXT) };
  return JSON.stringify(document);
}

export function decodeCheckpoint<S>(order: ChangelogOrder<S>, checkpoint: unknown): { state: S; changedAt: string } {
  let document: Partial<CheckpointDocument> | null = null;
  try {
    document = typeof checkpoint === 'string' ? (JSON.parse(checkpoint) as Partial<CheckpointDocument>) : null;
  } catch {
    document = null;
  }
  if (document === null || typeof document !== 'object' || (document.order !== 'id' && document.order !== 'commit'))
    throw new ValidationError(
      'checkpoint',
      `is not a PostgreSQL feed checkpoint (got ${JSON.stringify(checkpoint)?.slice(0, 60)})`,
    );
  if (document.order !== order.kind)
    throw new ValidationError(
      'checkpoint',
      `was taken in ${document.order} order, and this database's changelog is now walked in ${order.kind} order (the opt-in column was ${order.kind === 'commit' ? 'added' : 'removed'} since); build again from a fresh read`,
    );
  // The token as the order wrote it: the tag is ours, not part of it.
  const token: StoredToken = { ...document };
  delete (token as Partial<CheckpointDocument>).order;
  return { state: order.ownTokenState(token), changedAt: token.timestamp ?? EPOCH_TEXT };
}
