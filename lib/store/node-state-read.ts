// What the node projection is built from, read at one moment together with the feed checkpoint of
// that moment (DataStore.readNodeState). A projection loaded from it and then fed the changes
// after that checkpoint holds every change exactly once: no fatal event counted twice at start,
// none missed between the read and the feed.
import type { FeedCheckpoint } from './feed/change-feed';
import type { CheckLatest } from './model/check-latest';
import type { EventCount, EventCountRequest } from './model/event-count';
import type { HealthEventWithStatus } from './model/health-event';

export interface NodeStateReadOptions {
  /** Only these nodes (a page of a build); every node when omitted. */
  nodeNames?: string[];
  /** Also count the nodes' events, once per request (HealthEventStore.countByDimension): a build's roll-ups. */
  eventCounts?: EventCountRequest[];
}

export interface NodeStateRead {
  /** Newest event per (node, check, entities), as HealthEventStore.latestPerCheck(). */
  latestPerCheck: CheckLatest[];
  /** Newest quarantine decision per node, as HealthEventStore.latestQuarantineDecisions(). */
  decisions: HealthEventWithStatus[];
  /** Newest event per node, as HealthEventStore.latestPerNode(). */
  latestPerNode: HealthEventWithStatus[];
  /** Fatal events per node, as HealthEventStore.countByNode({ isFatal: true }). */
  fatalCounts: Map<string, number>;
  /** The nodes' event counts, one list per request of `eventCounts`, in its order. */
  eventCounts?: EventCount[][];
  /** The feed's place at the moment of the read: a feed opened `from` it delivers what the read did not see. */
  checkpoint: FeedCheckpoint;
}
