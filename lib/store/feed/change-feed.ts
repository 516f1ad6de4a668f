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
  /**
   * Start after this checkpoint (one the caller kept from `checkpoint()` or `readNodeState()`)
   * instead of the consumer's stored position. The consumer must still be registered: `ack` keeps
   * moving its stored position (what lag figures and changelog retention go by).
   */
  from?: FeedCheckpoint;
  /**
   * false: a reader that keeps no position of its own (needs `from`; the consumer name need not be
   * registered, only names it in errors and metrics): `ack` stores nothing, no lag row is kept, and
   * the feed ends with `position-lost` when changelog retention removed changes it had not read.
   * For a replica that follows, from a kept checkpoint, what another process keeps the place of.
   */
  durable?: boolean;
}

/**
 * A place in the feed that a caller keeps itself, in its own storage and in the same transaction
 * as what it built from the changes up to there, and opens a feed at again with `from`: that feed
 * delivers exactly the changes after it, so nothing is applied twice or missed. Opaque; valid only
 * on the datastore that gave it.
 */
export type FeedCheckpoint = string;

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
  /**
   * Where the feed stands: after every change it has delivered, and after what it passed without
   * delivering (changes of collections it does not follow). Take it when every delivered change
   * is handled (between two iterations), and keep it with what was built from them.
   */
  checkpoint(): FeedCheckpoint;
  /** Whether a feed at `checkpoint` has passed the change at `position` (a read at it saw the change). */
  hasPassed(checkpoint: FeedCheckpoint, position: FeedPosition): boolean;
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
