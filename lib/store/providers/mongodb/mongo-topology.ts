// What the server is, from its `hello` reply: change streams and multi-document transactions
// need a replica set or a sharded cluster (mongos says msg: "isdbgrid"); a standalone mongod has
// neither, so the provider refuses it at open with the cause and the fix.
import { Timestamp, type Document } from 'mongodb';

import { StoreError } from '../../errors/store-error';

export interface ServerFacts {
  kind: 'replica-set' | 'sharded' | 'standalone';
  setName?: string;
  maxWireVersion: number;
}

export function describeServer(hello: Document): ServerFacts {
  const maxWireVersion = Number(hello.maxWireVersion ?? 0);
  if (typeof hello.setName === 'string' && hello.setName)
    return { kind: 'replica-set', setName: hello.setName, maxWireVersion };
  if (hello.msg === 'isdbgrid') return { kind: 'sharded', maxWireVersion };
  return { kind: 'standalone', maxWireVersion };
}

export function refuseWithoutChangeStreams(facts: ServerFacts, target: string): void {
  if (facts.kind !== 'standalone') return;
  throw new StoreError(
    'config',
    `MongoDB at ${target} is a standalone server, not a replica set: change streams and transactions need one. ` +
      'Start mongod with --replSet rs0, run rs.initiate() once, and add ?replicaSet=rs0 to MONGODB_URI (a one-member replica set is enough)',
  );
}

/**
 * Reads with read concern "snapshot" at a chosen cluster time outside transactions (find,
 * aggregate, distinct) exist from MongoDB 5.0 (wire version 13, the driver's
 * MIN_SUPPORTED_SNAPSHOT_READS_WIRE_VERSION).
 */
export const supportsSnapshotReads = (facts: ServerFacts) => facts.maxWireVersion >= 13;

export function refuseWithoutSnapshotReads(facts: ServerFacts, target: string, what: string): void {
  refuseWithoutChangeStreams(facts, target);
  if (supportsSnapshotReads(facts)) return;
  throw new StoreError(
    'unsupported',
    `${what} needs MongoDB 5.0 or newer (reads at one cluster time outside a transaction, read concern "snapshot" with atClusterTime); ${target} is older (wire version ${facts.maxWireVersion})`,
  );
}

/** Change-stream pre-images (fullDocumentBeforeChange) exist from MongoDB 6.0 (wire version 17). */
export const supportsPreImages = (facts: ServerFacts) => facts.maxWireVersion >= 17;

/** Whether every named collection of a listCollections reply has change-stream pre-images on (a missing one has not). */
export function preImagesEnabledOn(collections: Document[], names: string[]): boolean {
  return names.every(
    (name) =>
      collections.find((collection) => collection.name === name)?.options?.changeStreamPreAndPostImages?.enabled ===
      true,
  );
}

/**
 * The newest majority-committed time of the cluster, from a `hello` reply: what a change stream
 * can have delivered by now. Falls back to the last write, the operation time, then $clusterTime.
 */
export function clusterTimeOf(reply: Document): Timestamp | null {
  const candidates = [
    reply?.lastWrite?.majorityOpTime?.ts,
    reply?.lastWrite?.opTime?.ts,
    reply?.operationTime,
    reply?.$clusterTime?.clusterTime,
  ];
  return (candidates.find((value) => value instanceof Timestamp) as Timestamp | undefined) ?? null;
}

export const timestampDate = (timestamp: Timestamp) => new Date(timestamp.t * 1000);
