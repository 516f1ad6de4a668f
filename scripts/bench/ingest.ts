// Ingest through the SDK (batches of 500, validation, NVSentinel's document encoding, triggers
// and changelog on) beside, in the same run and each on a fresh empty database:
//   - raw multi-row INSERTs of the same rows with the change trigger disabled (the floor: what the
//     table itself costs), the baseline of the goal;
//   - the SDK's previous statement (one INSERT … SELECT FROM unnest of 7 array parameters per 500
//     rows, triggers on), so the change to COPY is measured against what it replaced;
//   - the SDK and the raw INSERTs again with two callers at once (two connections), which is how a
//     writer can use the second core while PostgreSQL works on the first.
// Each figure is the median of three rounds taken in turns.
import { randomUUID } from 'node:crypto';

import pg from 'pg';

import { openDataStore, type NewHealthEvent } from '../../lib/store';
import { toHealthEventWithStatus } from '../../lib/store';
import { encodeDocument, insertColumns } from '../../lib/store/postgres';
import { freshDatabase, type BenchDatabase } from './bench-database';

function events(count: number, offset: number): NewHealthEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    nodeName: `ingest-node-${(offset + i) % 1000}`,
    agent: 'syslog-health-monitor',
    checkName: 'SysLogsXIDError',
    isFatal: i % 10 === 0,
    errorCode: ['79'],
    entitiesImpacted: [{ entityType: 'GPU', entityValue: String(i % 8) }],
    message: `XID 79 event ${offset + i}`,
    recommendedAction: 'RESTART_BM',
  }));
}

export interface IngestResult {
  events: number;
  sdkPerSecond: number;
  rawPerSecond: number;
  /** The SDK's previous statement (unnest INSERT, triggers on). */
  unnestPerSecond: number;
  /** Two callers at once. */
  sdkTwoCallersPerSecond: number;
  rawTwoConnectionsPerSecond: number;
  /** Every round's figure (the ones above are their medians). */
  rounds?: Record<string, number[]>;
}

const BATCH = 500;

/** Runs `write(offset)` for every batch, on `callers` concurrent loops; events/s. */
async function timed(
  total: number,
  callers: number,
  write: (offset: number, caller: number) => Promise<void>,
): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let offset = caller * BATCH; offset < total; offset += callers * BATCH) await write(offset, caller);
    }),
  );
  return Math.round(total / ((performance.now() - started) / 1000));
}

async function viaSdk(database: BenchDatabase, total: number, callers: number): Promise<number> {
  const fresh = await freshDatabase(database, 'ingest_sdk');
  const store = await openDataStore({ provider: 'postgresql', connectionString: fresh.url });
  try {
    return await timed(total, callers, async (offset) => {
      await store.healthEvents().insertMany(events(BATCH, offset));
    });
  } finally {
    await store.close();
    await fresh.drop();
  }
}

/** Raw SQL on `callers` connections: `statement` builds the query of one batch. */
async function viaSql(
  database: BenchDatabase,
  total: number,
  callers: number,
  triggerOff: boolean,
  statement: (offset: number) => { text: string; values: unknown[] },
): Promise<number> {
  const fresh = await freshDatabase(database, 'ingest_raw');
  const clients = Array.from({ length: callers }, () => new pg.Client({ connectionString: fresh.url }));
  try {
    for (const client of clients) await client.connect();
    if (triggerOff) await clients[0].query('ALTER TABLE health_events DISABLE TRIGGER health_events_changes');
    return await timed(total, callers, async (offset, caller) => {
      const client = clients[caller];
      const query = statement(offset);
      await client.query('BEGIN');
      await client.query(query.text, query.values);
      await client.query('COMMIT');
    });
  } finally {
    for (const client of clients) await client.end().catch(() => {});
    await fresh.drop();
  }
}

function multiRowInsert(offset: number): { text: string; values: unknown[] } {
  const rows = events(BATCH, offset).map((input) => toHealthEventWithStatus(input));
  const values: unknown[] = [];
  const tuples = rows.map((row, i) => {
    values.push(
      row.healthEvent.nodeName,
      row.healthEvent.checkName,
      row.healthEvent.componentClass,
      row.healthEvent.recommendedAction,
      JSON.stringify(encodeDocument(row)),
    );
    const p = i * 5;
    return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5})`;
  });
  return {
    text: `INSERT INTO health_events (node_name, event_type, severity, recommended_action, document) VALUES ${tuples.join(', ')}`,
    values,
  };
}

function unnestInsert(offset: number): { text: string; values: unknown[] } {
  const now = new Date();
  const rows = events(BATCH, offset).map((input) => {
    const event = toHealthEventWithStatus(input, 'event', now);
    return { id: randomUUID(), document: JSON.stringify(encodeDocument(event)), columns: insertColumns(event) };
  });
  return {
    text: `INSERT INTO health_events (id, node_name, event_type, severity, recommended_action, node_quarantined,
             user_pods_eviction_status, user_pods_eviction_message, document, created_at, updated_at)
           SELECT id, node_name, event_type, severity, recommended_action, NULL, NULL, '', document, created_at, created_at
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::timestamptz[])
             AS t(id, node_name, event_type, severity, recommended_action, document, created_at)`,
    values: [
      rows.map((row) => row.id),
      rows.map((row) => row.columns.nodeName),
      rows.map((row) => row.columns.eventType),
      rows.map((row) => row.columns.severity),
      rows.map((row) => row.columns.recommendedAction),
      rows.map((row) => row.document),
      rows.map((row) => row.columns.createdAt),
    ],
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function ingest(database: BenchDatabase, options: { quick: boolean }): Promise<IngestResult> {
  const total = options.quick ? 10_000 : 100_000;
  // Three rounds taken in turns, each figure the median of its three: a burst of load from
  // elsewhere (the machine is shared) then hits every variant alike and moves no median far.
  const runs: Record<Exclude<keyof IngestResult, 'events' | 'rounds'>, number[]> = {
    sdkPerSecond: [],
    rawPerSecond: [],
    unnestPerSecond: [],
    sdkTwoCallersPerSecond: [],
    rawTwoConnectionsPerSecond: [],
  };
  for (let round = 0; round < 3; round += 1) {
    runs.sdkPerSecond.push(await viaSdk(database, total, 1));
    runs.rawPerSecond.push(await viaSql(database, total, 1, true, multiRowInsert));
    runs.unnestPerSecond.push(await viaSql(database, total, 1, false, unnestInsert));
    runs.sdkTwoCallersPerSecond.push(await viaSdk(database, total, 2));
    runs.rawTwoConnectionsPerSecond.push(await viaSql(database, total, 2, true, multiRowInsert));
  }
  return {
    events: total,
    sdkPerSecond: median(runs.sdkPerSecond),
    rawPerSecond: median(runs.rawPerSecond),
    unnestPerSecond: median(runs.unnestPerSecond),
    sdkTwoCallersPerSecond: median(runs.sdkTwoCallersPerSecond),
    rawTwoConnectionsPerSecond: median(runs.rawTwoConnectionsPerSecond),
    rounds: runs,
  };
}
