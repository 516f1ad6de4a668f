// What a browser asks the live stream for: topics, the node filter, where to resume, whether to
// start with a snapshot. Read from the stream's URL (app/api/live, and the plain HTTP server that
// benchmarks and fault tests use); the hub serves what it describes.
import { parseNodeFilter, type NodeFilter } from '../node-state/node-filter';

import type { LiveTopic } from './live-messages';

export interface LiveConnectRequest {
  topics: LiveTopic[];
  filter?: NodeFilter;
  lastEventId?: string | null;
  /**
   * Start the node set with every matching node (`equals`); false for a client that already holds
   * what it shows (the paged Nodes page) and wants the diffs only.
   */
  snapshot?: boolean;
}

/** A live request naming a topic that does not exist. */
export class LiveRequestError extends Error {}

const isTopic = (topic: string): topic is LiveTopic =>
  ['nodes', 'pipeline', 'throughput'].includes(topic) ||
  (topic.startsWith('node:') && topic.length > 5 && topic.length <= 258);

/** Reads the live request of a URL: ?topics=nodes,pipeline&state=…&agent=…&check=…&q=…&snapshot=0 */
export function parseLiveRequest(url: URL, lastEventId: string | null): LiveConnectRequest {
  const topics = (url.searchParams.get('topics') ?? 'nodes')
    .split(',')
    .map((topic) => topic.trim())
    .filter(Boolean);
  const unknown = topics.find((topic) => !isTopic(topic));
  if (unknown !== undefined)
    throw new LiveRequestError(`unknown topic "${unknown.slice(0, 60)}" (nodes, pipeline, throughput, node:<name>)`);
  return {
    topics: topics as LiveTopic[],
    filter: parseNodeFilter(url.searchParams),
    lastEventId,
    snapshot: url.searchParams.get('snapshot') !== '0',
  };
}
