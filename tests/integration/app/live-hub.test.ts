// The live hub on a real PostgreSQL: one change feed feeding the node projection and SSE clients.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LiveHub } from '@/lib/live/live-hub';
import type { NodesMessage } from '@/lib/live/live-messages';
import { openDataStore, type DataStore, type NewHealthEvent } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { SseReader, type SseMessage } from '../../support/sse-reader';
import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';

const fatal = (nodeName: string, overrides: Partial<NewHealthEvent> = {}): NewHealthEvent => ({
  nodeName,
  agent: 'syslog-health-monitor',
  checkName: 'SysLogsXIDError',
  isFatal: true,
  errorCode: ['79'],
  recommendedAction: 'RESTART_BM',
  entitiesImpacted: [{ entityType: 'GPU', entityValue: '1' }],
  ...overrides,
});

const nodes = (message: SseMessage) => message.data as NodesMessage;
const mentions = (name: string, state?: string) => (message: SseMessage) =>
  message.event === 'nodes' &&
  [...nodes(message).new, ...nodes(message).updated].some(
    (view) => view.name === name && (!state || view.state === state),
  );

describe('live hub', () => {
  let database: TestDatabase;
  let store: DataStore;
  let hub: LiveHub;

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    // Two nodes exist before the hub starts: they come from the snapshot, not the feed.
    const [quarantined] = await store
      .healthEvents()
      .insertMany([fatal('before-1'), fatal('before-2', { isFatal: false, isHealthy: true })]);
    await store.healthEvents().updateQuarantine(quarantined.recordId, { status: 'Quarantined' });
    hub = new LiveHub(store, { consumer: 'live-test', flushMs: 50, pipelineSampleMs: 500 });
    await hub.start();
  });

  afterAll(async () => {
    await hub?.stop();
    await store?.close();
    await database?.drop();
  });

  it('sends the node set in view on connect, then changes as diffs with the counts', async () => {
    const connection = await hub.connect({ topics: ['nodes'], filter: {} });
    const reader = new SseReader(connection.stream);
    const equals = await reader.until((message) => message.event === 'nodes');
    expect(nodes(equals).kind).toBe('equals');
    expect(Object.fromEntries(nodes(equals).new.map((view) => [view.name, view.state]))).toEqual({
      'before-1': 'quarantined',
      'before-2': 'healthy',
    });

    const [event] = await store.healthEvents().insertMany([fatal('live-1')]);
    const arrived = await reader.until(mentions('live-1', 'unhealthy'));
    expect(nodes(arrived)).toMatchObject({ kind: 'diff', counts: { unhealthy: 1, quarantined: 1, healthy: 1 } });
    expect(Number(arrived.id)).toBeGreaterThan(Number(equals.id));

    await store.healthEvents().updateQuarantine(event.recordId, { status: 'Quarantined' });
    await store.healthEvents().updateEviction(event.recordId, { status: 'InProgress' });
    await reader.until(mentions('live-1', 'draining'));
    await reader.cancel();
  });

  it('sends only the nodes that match the filter, and deletes a node that leaves it', async () => {
    const connection = await hub.connect({ topics: ['nodes'], filter: { states: ['unhealthy'] } });
    const reader = new SseReader(connection.stream);
    const equals = await reader.until((message) => message.event === 'nodes');
    expect(nodes(equals).new.every((view) => view.state === 'unhealthy')).toBe(true);
    const [event] = await store.healthEvents().insertMany([fatal('filtered-1')]);
    await reader.until(mentions('filtered-1', 'unhealthy'));
    await store.healthEvents().updateQuarantine(event.recordId, { status: 'Quarantined' });
    await reader.until((message) => message.event === 'nodes' && nodes(message).deleted.includes('filtered-1'));
    await reader.cancel();
  });

  it('a client that holds its own page (snapshot off) gets no node set on connect, only the diffs', async () => {
    const connection = await hub.connect({ topics: ['nodes'], filter: {}, snapshot: false });
    const reader = new SseReader(connection.stream);
    await store.healthEvents().insertMany([fatal('paged-1')]);
    const first = await reader.until((message) => message.event === 'nodes');
    expect(nodes(first).kind).toBe('diff');
    expect(nodes(first).new.map((view) => view.name)).toEqual(['paged-1']);
    expect(nodes(first).counts.unhealthy).toBeGreaterThan(0);
    await reader.cancel();
  });

  it('gives a slow client the latest state of each node once, not every step, and drops a closed client at once', async () => {
    const connection = await hub.connect({ topics: ['nodes'], filter: { search: 'slow-' } });
    const reader = new SseReader(connection.stream);
    await reader.until((message) => message.event === 'nodes');
    // A client that reads everything at once: each flush writes to both, so once it has seen a
    // node's last step the hub has offered that step to the slow client too.
    const observer = new SseReader((await hub.connect({ topics: ['nodes'], filter: { search: 'slow-' } })).stream);
    await observer.until((message) => message.event === 'nodes');
    // Fill the client's buffer without reading it: the hub must stop writing and coalesce.
    const bulk = Array.from({ length: 40 }, (_, index) => fatal(`slow-${index}`, { message: 'x'.repeat(60_000) }));
    const stored = await store.healthEvents().insertMany(bulk);
    for (const step of ['Quarantined'] as const)
      for (const event of stored) await store.healthEvents().updateQuarantine(event.recordId, { status: step });
    for (const status of ['InProgress', 'Succeeded'] as const)
      for (const event of stored) await store.healthEvents().updateEviction(event.recordId, { status });
    await observer.until(
      () => stored.every((event) => observer.received.some(mentions(event.healthEvent.nodeName, 'remediating'))),
      20_000,
    );
    await observer.cancel();
    const before = hub.clientCount;
    // Every step has been offered. The slow client's buffer is full (the hub wrote until it had no
    // room, so the bound below is measured on a real backlog), yet it holds no more than a batch or
    // so: each node's view carries its session's 60 KB message, so one batch holding all 40 nodes
    // is about 2.4 MB. Queuing every step instead of the latest state would hold three such sets
    // and more (over 7 MB).
    expect(connection.backlogBytes).toBeGreaterThanOrEqual(256 * 1024);
    expect(connection.backlogBytes).toBeLessThan(4 * 1024 * 1024);
    // Now read: every node ends in its final state, and far fewer node messages than changes arrived.
    await reader.until(
      () => stored.every((event) => reader.received.some(mentions(event.healthEvent.nodeName, 'remediating'))),
      20_000,
    );
    const nodeMessages = reader.received.filter((message) => message.event === 'nodes').length;
    expect(nodeMessages).toBeLessThan(stored.length * 4);
    await reader.cancel();
    expect(hub.clientCount).toBe(before - 1);
  });

  it('resumes from Last-Event-ID with only what changed meanwhile', async () => {
    // Stays connected: when it has the change, the hub has sent it as a live diff already.
    const observer = new SseReader((await hub.connect({ topics: ['nodes'], filter: {} })).stream);
    await observer.until((message) => message.event === 'nodes');
    const first = await hub.connect({ topics: ['nodes'], filter: {} });
    const reader = new SseReader(first.stream);
    const equals = await reader.until((message) => message.event === 'nodes');
    await reader.cancel();
    await store.healthEvents().insertMany([fatal('while-away')]);
    const live = await observer.until(mentions('while-away', 'unhealthy'));
    await observer.cancel();

    // Nothing changes after this: the only way the resumed client can get while-away is the resume.
    const resumed = new SseReader(
      (await hub.connect({ topics: ['nodes'], filter: {}, lastEventId: equals.id })).stream,
    );
    const diff = await resumed.until((message) => message.event === 'nodes');
    expect(nodes(diff).kind).toBe('diff');
    // Changed names count as held by a resuming client (connection.assumeVisible), so it comes as an update.
    expect(nodes(diff).updated.map((view) => [view.name, view.state])).toEqual([['while-away', 'unhealthy']]);
    expect(nodes(diff).new).toEqual([]);
    expect(nodes(diff).deleted).toEqual([]);
    expect(Number(diff.id)).toBeGreaterThanOrEqual(Number(live.id));
    await resumed.cancel();

    const tooOld = new SseReader((await hub.connect({ topics: ['nodes'], filter: {}, lastEventId: '1' })).stream);
    expect(nodes(await tooOld.until((message) => message.event === 'nodes')).kind).toBe('equals');
    await tooOld.cancel();
  });

  it("streams a followed node's events and every consumer's judged lag", async () => {
    const reader = new SseReader((await hub.connect({ topics: ['pipeline', 'node:followed'], filter: {} })).stream);
    const [event] = await store.healthEvents().insertMany([fatal('followed')]);
    const arrival = await reader.until((message) => message.event === 'node-event');
    expect(arrival.data).toEqual({ nodeName: 'followed', operation: 'insert', recordId: event.recordId });
    const pipeline = await reader.until((message) => message.event === 'pipeline');
    expect(
      (pipeline.data as { consumers: { consumer: string; status: string }[] }).consumers.map((c) => c.consumer),
    ).toContain('live-test');
    await reader.cancel();
  });
});

describe('live hub after its feed fails for good', () => {
  let database: TestDatabase;
  let store: DataStore;
  let hub: LiveHub;

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    hub = new LiveHub(store, { consumer: 'live-recover', flushMs: 50, recoverMs: 200 });
    await hub.start();
  });

  afterAll(async () => {
    await hub?.stop();
    await store?.close();
    await database?.drop();
  });

  it('starts again from a fresh snapshot and sends connected clients the whole node set', async () => {
    const reader = new SseReader((await hub.connect({ topics: ['nodes'], filter: {} })).stream);
    await reader.until((message) => message.event === 'nodes');
    // Not a restart the feed rides out: its table is gone, so its reads fail for good.
    const admin = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    const sql = async (statement: string) => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query(statement);
      await client.end();
    };
    await sql('ALTER TABLE datastore_changelog RENAME TO datastore_changelog_away');
    await reader.until((message) => message.event === 'status' && (message.data as { feed: string }).feed === 'closed');
    await sql('ALTER TABLE datastore_changelog_away RENAME TO datastore_changelog');
    // Written while the hub was blind or as it came back: it must show, in the new snapshot or
    // (written after that snapshot's read) as a diff right after it.
    await admin.healthEvents().insertMany([fatal('while-blind')]);
    const equals = await reader.until(
      (message) => message.event === 'nodes' && nodes(message).kind === 'equals',
      15_000,
    );
    const shown = new Map(nodes(equals).new.map((view) => [view.name, view.state]));
    if (!shown.has('while-blind')) {
      const diff = await reader.until(mentions('while-blind', 'unhealthy'));
      for (const view of [...nodes(diff).new, ...nodes(diff).updated]) shown.set(view.name, view.state);
    }
    expect(shown.get('while-blind')).toBe('unhealthy');
    await admin.healthEvents().insertMany([fatal('after-recovery')]);
    await reader.until(mentions('after-recovery', 'unhealthy'));
    await reader.cancel();
    await admin.close();
  });
});
