// readNodeState on MongoDB, against a stand-in for the driver that runs each aggregate command's
// pipeline with mingo over NVSentinel-shaped documents and records the commands: every read is the
// provider's own pipeline at one cluster time (read concern snapshot with atClusterTime), and the
// checkpoint starts a feed at the tick after it. The real server is the MONGODB_URI suite's.
import { aggregate } from 'mingo';
import { Timestamp, type Document } from 'mongodb';
import { describe, expect, it } from 'vitest';

import { StoreError, ValidationError } from '@/lib/store';
import { decodeCheckpoint } from '@/lib/store/providers/mongodb/feed/feed-checkpoint';
import type { MongoConnection } from '@/lib/store/providers/mongodb/mongo-connection';
import { readNodeStateSnapshot } from '@/lib/store/providers/mongodb/node-state-snapshot';
import {
  countByNodePipeline,
  latestPerCheckPipeline,
  latestPerNodePipeline,
  latestQuarantineDecisionsPipeline,
} from '@/lib/store/providers/mongodb/pipelines/health-event-queries';

import { nvsentinelDocument } from './documents';

const READ_AT = new Timestamp({ t: 1_763_700_000, i: 7 });

function connectionOver(documents: Document[], options: { maxWireVersion?: number; fail?: Error } = {}) {
  const commands: Document[] = [];
  let clusterTimeAsked = 0;
  const connection = {
    facts: { kind: 'replica-set', setName: 'rs0', maxWireVersion: options.maxWireVersion ?? 21 },
    target: 'mongo-0:27017/HealthEventsDatabase',
    names: { healthEvents: 'HealthEvents' },
    config: { databaseName: 'HealthEventsDatabase' },
    assertOpen: () => {},
    run: <T>(_operation: string, work: () => Promise<T>) => work(),
    clusterTime: async () => {
      clusterTimeAsked += 1;
      return READ_AT;
    },
    db: {
      runCursorCommand: (command: Document) => {
        commands.push(command);
        return {
          toArray: async () => {
            if (options.fail) throw options.fail;
            return aggregate(documents, command.pipeline) as Document[];
          },
        };
      },
    },
    collection: () => {
      throw new Error('a node state read must not run a plain aggregate (it would read the newest data)');
    },
  } as unknown as MongoConnection;
  return { connection, commands, clusterTimeAsked: () => clusterTimeAsked };
}

const documents = [
  nvsentinelDocument({ node: 'gpu-node-1', message: 'xid 79' }),
  nvsentinelDocument({ node: 'gpu-node-1', message: 'xid 79 again', status: { nodequarantined: 'Quarantined' } }),
  nvsentinelDocument({ node: 'gpu-node-1', fatal: false, healthy: true, message: 'recovered', check: 'GpuMemWatch' }),
  nvsentinelDocument({ node: 'gpu-node-2', fatal: false, message: 'warning' }),
  nvsentinelDocument({ node: 'gpu-node-3', message: 'elsewhere' }),
];

describe('readNodeState on MongoDB', () => {
  it("runs the provider's four pipelines, each at the same cluster time, and gives their results", async () => {
    const { connection, commands } = connectionOver(documents);
    const nodeNames = ['gpu-node-1', 'gpu-node-2'];
    const read = await readNodeStateSnapshot(connection, { nodeNames });
    expect(commands).toHaveLength(4);
    for (const command of commands) {
      expect(command).toMatchObject({
        aggregate: 'HealthEvents',
        cursor: {},
        allowDiskUse: true,
        readConcern: { level: 'snapshot', atClusterTime: READ_AT },
      });
    }
    expect(commands.map((command) => command.pipeline)).toEqual([
      latestPerCheckPipeline(nodeNames),
      latestQuarantineDecisionsPipeline(nodeNames),
      latestPerNodePipeline(nodeNames),
      countByNodePipeline({ isFatal: true, nodeNames }),
    ]);
    expect(read.fatalCounts).toEqual(new Map([['gpu-node-1', 2]]));
    expect(read.latestPerNode.map((event) => event.healthEvent.message)).toEqual(['recovered', 'warning']);
    expect(read.decisions.map((event) => [event.healthEvent.nodeName, event.status.nodeQuarantined])).toEqual([
      ['gpu-node-1', 'Quarantined'],
    ]);
    expect(read.latestPerCheck.map((check) => check.checkName).sort()).toEqual([
      'GpuMemWatch',
      'SysLogsXIDError',
      'SysLogsXIDError',
    ]);
  });

  it('reads every node when none are named', async () => {
    const { connection, commands } = connectionOver(documents);
    const read = await readNodeStateSnapshot(connection);
    expect(commands.map((command) => command.pipeline)).toEqual([
      latestPerCheckPipeline(),
      latestQuarantineDecisionsPipeline(),
      latestPerNodePipeline(),
      countByNodePipeline({ isFatal: true }),
    ]);
    expect(read.fatalCounts).toEqual(
      new Map([
        ['gpu-node-1', 2],
        ['gpu-node-3', 1],
      ]),
    );
  });

  it('gives the checkpoint of the tick after the read: a feed from it starts there', async () => {
    const { connection } = connectionOver(documents);
    const { checkpoint } = await readNodeStateSnapshot(connection);
    expect(JSON.parse(checkpoint)).toEqual({ provider: 'mongodb', startAtOperationTime: { t: 1_763_700_000, i: 8 } });
    const start = decodeCheckpoint(checkpoint).startAtOperationTime!;
    expect([start.t, start.i]).toEqual([1_763_700_000, 8]);
  });

  it('refuses a server older than MongoDB 5.0 before reading anything, naming the version needed', async () => {
    const { connection, commands, clusterTimeAsked } = connectionOver(documents, { maxWireVersion: 9 });
    const error = await readNodeStateSnapshot(connection).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({
      code: 'unsupported',
      message: expect.stringMatching(
        /^readNodeState needs MongoDB 5\.0 or newer .*atClusterTime\); mongo-0:27017\/HealthEventsDatabase is older \(wire version 9\)$/,
      ),
    });
    expect(commands).toEqual([]);
    expect(clusterTimeAsked()).toBe(0);
  });

  it('refuses nodeNames that are not a list of names, naming nodeNames', async () => {
    const { connection, commands } = connectionOver(documents);
    for (const nodeNames of ['gpu-node-1', [{ $ne: null }], null]) {
      const error = await readNodeStateSnapshot(connection, { nodeNames } as never).catch(
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: 'nodeNames' });
    }
    expect(commands).toEqual([]);
  });

  it('says to read again when the server no longer holds the snapshot', async () => {
    const tooOld = Object.assign(new Error('Read timestamp is older than the oldest available timestamp'), {
      code: 239,
      codeName: 'SnapshotTooOld',
    });
    const { connection } = connectionOver(documents, { fail: tooOld });
    await expect(readNodeStateSnapshot(connection)).rejects.toMatchObject({
      code: 'busy',
      message: expect.stringMatching(/no longer holds the snapshot .*minSnapshotHistoryWindowInSeconds.*read again/),
    });
  });
});
