import { StoreError } from '../errors/store-error';
import type { ChangeEvent, Collection, FeedPosition } from './change-event';

export type FeedState = 'starting' | 'live' | 'reconnecting' | 'closed';

export interface ChangeFeedOptions {
  /** Which collections to deliver (default: both). */
  collections?: Collection[];
  /** Changes read per round trip; also the most the feed holds in memory (backpressure). */
  batchSize?: number;
  /** Fallback poll when no notification arrives (PostgreSQL). */
  pollIntervalMs?: number;
  /** Told of every state change (live, reconnecting while the database is away, closed). */
  onStateChange?: (state: FeedState) => void;
}

/**
 * A durable, at-least-once stream of changes for one named consumer. Iterate it once (a second
 * iterator would split the events between two readers, so it throws); `ack` a position once the
 * change is handled, and a restart resumes after the last acknowledged position.
 */
export interface ChangeFeed extends AsyncIterable<ChangeEvent> {
  readonly consumer: string;
  readonly state: FeedState;
  /** Stores the position durably (cumulative: everything up to it is done). */
  ack(position: FeedPosition): Promise<void>;
  /** Ends the iteration and releases the connections. */
  close(): Promise<void>;
}

export type StartPosition = 'beginning' | 'now';

/**
 * Where a consumer's position is kept (PostgreSQL): `console`, the console database (default: the
 * console writes nothing of its own into NVSentinel's tables); `nvsentinel`, NVSentinel's
 * resume_tokens with our token (a twin of an NVSentinel component); `nvsentinel-legacy`, there in
 * exactly NVSentinel's {timestamp, eventID}. MongoDB keeps every position in ResumeTokens.
 */
export type ConsumerPositionStore = 'console' | 'nvsentinel' | 'nvsentinel-legacy';

const COLLECTIONS: readonly Collection[] = ['healthEvents', 'maintenanceEvents'];

/** The collections and batch size a feed was asked for, checked the same way by every provider. */
export function checkedFeedOptions(options: ChangeFeedOptions): { collections: Collection[]; batchSize: number } {
  const collections = options.collections ?? [...COLLECTIONS];
  for (const collection of collections) {
    if (!COLLECTIONS.includes(collection))
      throw new StoreError('invalid', `collections: unknown collection "${collection}" (${COLLECTIONS.join(', ')})`);
  }
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new StoreError('invalid', 'batchSize: must be a whole number from 1 to 10000');
  }
  return { collections, batchSize };
}
