// readNodeState on MongoDB: the reads of the node projection (and, for a build, its events per minute) at one cluster time T, and the
// feed checkpoint "the tick after T".
//
// T is the majority-committed time `hello` reports (MongoConnection.clusterTime). Every read runs
// with read concern { level: 'snapshot', atClusterTime: T } (MongoDB 5.0+), so each sees exactly the
// writes committed at or before T, the same for all four whichever runs first: they run side by
// side. A change stream started at T's next tick (startAtOperationTime) delivers the changes after
// T, so a projection loaded from the reads and fed from the checkpoint holds each change once.
// Change streams deliver majority-committed changes only; T is majority-committed, so nothing at
// or before it is still on its way.
import { ValidationError } from '../../errors/validation-error';
import { StoreError } from '../../errors/store-error';
import type { NodeStateRead, NodeStateReadOptions } from '../../node-state-read';
import { checkpointAfter } from './feed/feed-checkpoint';
import { fromBsonTimestamp } from './feed/resume-token';
import type { MongoConnection } from './mongo-connection';
import { MongoHealthEventStore } from './mongo-health-event-store';
import { refuseWithoutSnapshotReads } from './mongo-topology';

/** SnapshotTooOld: T left the server's snapshot history while a read ran (or before it began). */
const SNAPSHOT_TOO_OLD = 239;
/** SnapshotUnavailable: a collection or index changed between T and the read. */
const SNAPSHOT_UNAVAILABLE = 246;

export async function readNodeStateSnapshot(
  connection: MongoConnection,
  options: NodeStateReadOptions = {},
): Promise<NodeStateRead> {
  connection.assertOpen();
  const nodeNames = options?.nodeNames;
  if (nodeNames !== undefined && (!Array.isArray(nodeNames) || !nodeNames.every((name) => typeof name === 'string')))
    throw new ValidationError('nodeNames', 'must be a list of node names');
  refuseWithoutSnapshotReads(connection.facts, connection.target, 'readNodeState');
  const time = await connection.clusterTime();
  const events = new MongoHealthEventStore(connection, undefined, time);
  try {
    const [latestPerCheck, decisions, latestPerNode, fatalCounts, eventCounts] = await connection.run(
      'nodeState.read',
      () =>
        Promise.all([
          events.latestPerCheck(nodeNames),
          events.latestQuarantineDecisions(nodeNames),
          events.latestPerNode(nodeNames),
          events.countByNode({ isFatal: true, ...(nodeNames ? { nodeNames } : {}) }),
          options.eventCounts
            ? Promise.all(
                options.eventCounts.map((request) =>
                  events.countByDimension(request, nodeNames ? { nodeNames } : undefined),
                ),
              )
            : undefined,
        ]),
    );
    return {
      latestPerCheck,
      decisions,
      latestPerNode,
      fatalCounts,
      ...(eventCounts ? { eventCounts } : {}),
      checkpoint: checkpointAfter(fromBsonTimestamp(time)),
    };
  } catch (error) {
    throw snapshotFailure(error, connection.target) ?? error;
  }
}

/** A read the server could not serve at T, as a StoreError saying to read again; undefined for others. */
function snapshotFailure(error: unknown, target: string): StoreError | undefined {
  const code = (error as { code?: unknown })?.code;
  if (code === SNAPSHOT_TOO_OLD)
    return new StoreError(
      'busy',
      `MongoDB at ${target} no longer holds the snapshot the node state was read at: a read ran longer than its snapshot history (minSnapshotHistoryWindowInSeconds, 300 s by default); read again, a smaller page of nodes (nodeNames) at a time`,
      { cause: error },
    );
  if (code === SNAPSHOT_UNAVAILABLE)
    return new StoreError(
      'busy',
      `MongoDB at ${target} could not read the node state at one cluster time while the health events collection or its indexes changed; read again`,
      { cause: error },
    );
  return undefined;
}
