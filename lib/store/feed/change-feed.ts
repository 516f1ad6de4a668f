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
