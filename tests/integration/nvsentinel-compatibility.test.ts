// Our migrations on a database NVSentinel created and fills: NVSentinel's writers, triggers,
// notifications and change-stream reader must keep working, and the changelog must keep filling.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { applyMigrations, migrationStatus } from '@/lib/store/providers/postgres/schema/migration-runner';

import { healthyDocument, xidFatalDocument } from '../fixtures/nvsentinel/documents';
import {
  applyNvsentinelSchema,
  changeStreamPage,
  faultQuarantineCancel,
  faultQuarantineSetStatus,
  faultRemediationSetRemediated,
  maintenanceUpsert,
  markProcessed,
  nodeDrainerSetEviction,
  platformConnectorInsert,
  saveResumeToken,
} from '../fixtures/nvsentinel/writers';
import { createTestDatabase, testServers, type TestDatabase } from '../support/test-databases';

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

interface Notification { id: number; table: string; operation: string }

describe.each(testServers())('NVSentinel compatibility on $name', (server) => {
  describe('a database NVSentinel created, then our migrations', () => {
    let database: TestDatabase;
    let client: pg.Client;
    let listener: pg.Client;
    const notifications: Notification[] = [];
    let preexistingEventId: string;

    beforeAll(async () => {
      database = await createTestDatabase(server);
      client = await connect(database.url);
      await applyNvsentinelSchema(client);
      // Data NVSentinel wrote before our migrations ran.
      preexistingEventId = await platformConnectorInsert(client, xidFatalDocument('gpu-node-000'));
      await applyMigrations(database.url);
      listener = await connect(database.url);
      listener.on('notification', (message) => notifications.push(JSON.parse(message.payload ?? '{}')));
      await listener.query('LISTEN nvsentinel_changes');
    });

    afterAll(async () => {
      await listener?.end();
      await client?.end();
      await database?.drop();
    });

    it('records every migration as applied and keeps NVSentinel at schema version 3', async () => {
      const status = await migrationStatus(database.url);
      expect(status.pending).toEqual([]);
      expect(status.applied.length).toBeGreaterThanOrEqual(2);
      const version = await client.query('SELECT max(version)::int AS v FROM nvsentinel_schema_migrations');
      expect(version.rows[0].v).toBe(3);
    });

    it('writes _prisma_migrations rows the way Prisma does', async () => {
      const rows = await client.query(
        `SELECT id, checksum, finished_at, logs, rolled_back_at, applied_steps_count FROM "_prisma_migrations"`,
      );
      expect(rows.rowCount).toBeGreaterThanOrEqual(2);
      for (const row of rows.rows) {
        expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
        expect(row.finished_at).toBeInstanceOf(Date);
        expect(row.logs).toBeNull();
        expect(row.rolled_back_at).toBeNull();
        expect(row.applied_steps_count).toBe(1);
      }
    });

    it('leaves rows written before the migration readable and untouched', async () => {
      const event = await client.query('SELECT document FROM health_events WHERE id = $1', [preexistingEventId]);
      expect(event.rows[0].document).toEqual(xidFatalDocument('gpu-node-000'));
      const change = await client.query('SELECT txid FROM datastore_changelog WHERE record_id = $1', [preexistingEventId]);
      expect(change.rows[0].txid).toBeNull();
    });

    it("runs NVSentinel's whole write path, and every write fills the changelog and notifies", async () => {
      const before = Number((await client.query('SELECT count(*) FROM datastore_changelog')).rows[0].count);
      notifications.length = 0;

      const fatal = await platformConnectorInsert(client, xidFatalDocument('gpu-node-001'));
      await platformConnectorInsert(client, healthyDocument('gpu-node-002'));
      await faultQuarantineSetStatus(client, fatal, 'Quarantined');
      await nodeDrainerSetEviction(client, fatal, 'InProgress');
      await nodeDrainerSetEviction(client, fatal, 'Succeeded');
      await faultRemediationSetRemediated(client, fatal, true);
      const cancelled = await platformConnectorInsert(client, xidFatalDocument('gpu-node-003'));
      await faultQuarantineSetStatus(client, cancelled, 'Quarantined');
      expect(await faultQuarantineCancel(client, 'gpu-node-003', new Date(Date.now() - 3_600_000))).toBe(1);
      await maintenanceUpsert(client, { eventId: 'aws-mx-1', csp: 'aws', clusterName: 'c1', nodeName: 'gpu-node-001', status: 'DETECTED', cspStatus: 'PENDING' });
      await maintenanceUpsert(client, { eventId: 'aws-mx-1', csp: 'aws', clusterName: 'c1', nodeName: 'gpu-node-001', status: 'QUARANTINE_TRIGGERED', cspStatus: 'PENDING' });
      await maintenanceUpsert(client, { eventId: 'aws-mx-1', csp: 'aws', clusterName: 'c1', nodeName: 'gpu-node-001', status: 'MAINTENANCE_ONGOING', cspStatus: 'ONGOING' });

      const writes = 12;
      const changes = await client.query(
        'SELECT id, table_name, operation, txid FROM datastore_changelog ORDER BY id OFFSET $1',
        [before],
      );
      expect(changes.rowCount).toBe(writes);
      expect(changes.rows.every((row) => row.txid !== null)).toBe(true);

      const document = (await client.query('SELECT document, node_quarantined FROM health_events WHERE id = $1', [fatal])).rows[0];
      expect(document.node_quarantined).toBe('Quarantined');
      expect(document.document.healtheventstatus).toMatchObject({
        nodequarantined: 'Quarantined',
        userpodsevictionstatus: { status: 'Succeeded' },
        faultremediated: { value: true },
        spanids: { 'platform-connector': '00f067aa0ba902b7', 'fault-quarantine': 'b7ad6b7169203331' },
      });
      const maintenance = (await client.query(`SELECT status, document->>'status' AS doc_status FROM maintenance_events WHERE event_id = 'aws-mx-1'`)).rows[0];
      expect(maintenance).toEqual({ status: 'QUARANTINE_TRIGGERED', doc_status: 'QUARANTINE_TRIGGERED' });

      await expect.poll(() => notifications.length, { timeout: 5000 }).toBe(writes);
      expect(notifications.map((n) => Number(n.id))).toEqual(changes.rows.map((row) => Number(row.id)));
      expect(notifications[0]).toMatchObject({ table: 'health_events', operation: 'INSERT' });
    });

    it("keeps NVSentinel's change-stream reader, resume tokens and processed flag working", async () => {
      const page = await changeStreamPage(client, 'health_events', { timestamp: new Date(0), eventId: 0 });
      expect(page.length).toBeGreaterThan(0);
      expect(page.every((row) => row.new_values === null || typeof row.new_values.document === 'object')).toBe(true);
      const last = page[page.length - 1];
      await saveResumeToken(client, 'fault-quarantine', { timestamp: last.changed_at, eventId: Number(last.id) });
      await markProcessed(client, 'health_events', Number(last.id));
      const token = (await client.query(`SELECT resume_token FROM resume_tokens WHERE client_name = 'fault-quarantine'`)).rows[0];
      expect(token.resume_token.eventID).toBe(Number(last.id));
      const unprocessed = await client.query(`SELECT count(*)::int AS n FROM datastore_changelog WHERE table_name = 'health_events' AND id <= $1 AND NOT processed`, [last.id]);
      expect(unprocessed.rows[0].n).toBe(0);
    });

    it('is idempotent: applying again changes nothing', async () => {
      expect(await applyMigrations(database.url)).toEqual([]);
    });
  });

  describe('a fresh database with only our migrations', () => {
    let database: TestDatabase;
    let client: pg.Client;

    beforeAll(async () => {
      database = await createTestDatabase(server);
      await applyMigrations(database.url);
      client = await connect(database.url);
    });

    afterAll(async () => {
      await client?.end();
      await database?.drop();
    });

    it("accepts NVSentinel's writers and fills the changelog with the writing transaction's id", async () => {
      const id = await platformConnectorInsert(client, xidFatalDocument('gpu-node-100'));
      await faultQuarantineSetStatus(client, id, 'Quarantined');
      const rows = await client.query(
        `SELECT operation, txid::text AS txid, new_values->'document'->'healthevent'->>'nodeName' AS node
         FROM datastore_changelog WHERE record_id = $1 ORDER BY id`,
        [id],
      );
      expect(rows.rows.map((row) => row.operation)).toEqual(['INSERT', 'UPDATE']);
      expect(rows.rows.every((row) => /^\d+$/.test(row.txid))).toBe(true);
      expect(rows.rows[0].node).toBe('gpu-node-100');
      const version = await client.query('SELECT max(version)::int AS v FROM nvsentinel_schema_migrations');
      expect(version.rows[0].v).toBe(3);
    });
  });
});
