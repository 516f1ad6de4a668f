// Ingest through the SDK (batches of 500, validation, NVSentinel's document encoding, triggers
// and changelog on) beside raw multi-row INSERTs of the same rows into the same table with its
// change trigger disabled (the floor: what the table itself costs).
import pg from 'pg';

import { openDataStore, type NewHealthEvent } from '../../lib/store';
import { encodeDocument } from '../../lib/store/providers/postgres/health-event-codec';
import { toHealthEventWithStatus } from '../../lib/store/model/new-health-event';
import type { BenchDatabase } from './bench-database';

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

export interface IngestResult { events: number; sdkPerSecond: number; rawPerSecond: number }

export async function ingest(database: BenchDatabase, options: { quick: boolean }): Promise<IngestResult> {
  const total = options.quick ? 20_000 : 100_000;
  const batch = 500;

  const store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
  let started = performance.now();
  for (let offset = 0; offset < total; offset += batch) await store.healthEvents().insertMany(events(batch, offset));
  const sdkPerSecond = total / ((performance.now() - started) / 1000);
  await store.close();

  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query('ALTER TABLE health_events DISABLE TRIGGER health_events_changes');
  try {
    started = performance.now();
    for (let offset = 0; offset < total; offset += batch) {
      const rows = events(batch, offset).map((input) => toHealthEventWithStatus(input));
      const values: unknown[] = [];
      const tuples = rows.map((row, i) => {
        values.push(row.healthEvent.nodeName, row.healthEvent.checkName, row.healthEvent.componentClass, row.healthEvent.recommendedAction, JSON.stringify(encodeDocument(row)));
        const p = i * 5;
        return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5})`;
      });
      await client.query('BEGIN');
      await client.query(`INSERT INTO health_events (node_name, event_type, severity, recommended_action, document) VALUES ${tuples.join(', ')}`, values);
      await client.query('COMMIT');
    }
  } finally {
    await client.query('ALTER TABLE health_events ENABLE TRIGGER health_events_changes');
    await client.end();
  }
  const rawPerSecond = total / ((performance.now() - started) / 1000);
  return { events: total, sdkPerSecond: Math.round(sdkPerSecond), rawPerSecond: Math.round(rawPerSecond) };
}
