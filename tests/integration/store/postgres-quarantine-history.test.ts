// The Reliability page's read on PostgreSQL (HealthEventStore.quarantineHistory) over events as
// NVSentinel's Go writers leave them (tests/fixtures/nvsentinel/writers.ts: the platform
// connector's insert, fault-quarantine's status update with its finish timestamp, node-drainer's
// eviction object) and as the SDK writes them: the range's decided events, [from, to), oldest
// first, picked by the node_quarantined column NVSentinel's PostgreSQL store writes with every
// decision (store-client/pkg/datastore/providers/postgresql/health_events.go:293, 442, 688), each
// status as the document holds it, and a plan that reads the decided rows through NVSentinel's
// partial index on node_quarantined; and what was decided on a node before a range.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { QUARANTINE_DECISIONS_BEFORE_SQL, QUARANTINE_HISTORY_SQL } from '@/lib/store/postgres';
import { dateToTimestamp } from '@/lib/store';

import { xidFatalDocument } from '../../fixtures/nvsentinel/documents';
import {
  faultQuarantineSetStatus,
  nodeDrainerSetEviction,
  platformConnectorInsert,
} from '../../fixtures/nvsentinel/writers';
import { openTestStore, withClient, type TestStore } from '../../support/test-databases';

const AT = (minute: number) => new Date(Date.UTC(2026, 11, 6, 10, minute));

describe('quarantine history on PostgreSQL', () => {
  let test: TestStore;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    test = await openTestStore();
    await withClient(test.database.url, async (client) => {
      const insert = async (name: string, node: string, minute: number, status?: string) => {
        ids[name] = await platformConnectorInsert(client, xidFatalDocument(node, AT(minute).getTime() / 1000 - 30));
        if (status) await faultQuarantineSetStatus(client, ids[name], status);
        await client.query('UPDATE health_events SET created_at = $1 WHERE id = $2', [AT(minute), ids[name]]);
      };
      await insert('before', 'n1', 0, 'Quarantined');
      await insert('opener', 'n1', 1, 'Quarantined');
      await nodeDrainerSetEviction(client, ids.opener, 'Succeeded');
      await insert('undecided', 'n1', 2);
      await insert('joined', 'n1', 3, 'AlreadyQuarantined');
      await insert('hand', 'n2', 4, 'Cancelled');
      await insert('atTo', 'n1', 10, 'Quarantined');
      // A document of the MongoDB era's camelCase status key (the column set, as the writer sets it).
      await insert('camel', 'n3', 5);
      await client.query(
        `UPDATE health_events SET node_quarantined = 'UnQuarantined',
           document = jsonb_set(document, '{healtheventstatus}', '{"nodeQuarantined": "UnQuarantined"}') WHERE id = $1`,
        [ids.camel],
      );
      // The column says Quarantined, the document nothing: the document is what counts.
      await insert('columnOnly', 'n3', 6);
      await client.query(`UPDATE health_events SET node_quarantined = 'Quarantined' WHERE id = $1`, [ids.columnOnly]);
      // A decision only in the document (no writer of NVSentinel's leaves it so) is not picked.
      await insert('documentOnly', 'n3', 6);
      await client.query(
        `UPDATE health_events SET document = jsonb_set(document, '{healtheventstatus,nodequarantined}', '"Quarantined"') WHERE id = $1`,
        [ids.documentOnly],
      );
    });
    // Through the SDK: a remediated event with every timestamp.
    const [sdk] = await test.store
      .healthEvents()
      .insertMany([
        { nodeName: 'n4', agent: 'gpu-health-monitor', checkName: 'GpuMemWatch', isFatal: true, createdAt: AT(7) },
      ]);
    ids.sdk = sdk.recordId;
    await test.store
      .healthEvents()
      .updateQuarantine(sdk.recordId, { status: 'Quarantined', finishedAt: dateToTimestamp(AT(8)) });
    await test.store.healthEvents().updateRemediation(sdk.recordId, { remediated: true, at: dateToTimestamp(AT(9)) });
  });

  afterAll(async () => {
    await test?.close();
  });

  it('reads the decided events of [from, to), oldest first, the status from the document', async () => {
    const history = await test.store.healthEvents().quarantineHistory({ from: AT(1), to: AT(10) });
    expect(history.map((event) => event.recordId)).toEqual([ids.opener, ids.joined, ids.hand, ids.camel, ids.sdk]);
    expect(history.map((event) => event.status.nodeQuarantined)).toEqual([
      'Quarantined',
      'AlreadyQuarantined',
      'Cancelled',
      'UnQuarantined',
      'Quarantined',
    ]);
    const [opener] = history;
    expect(opener).toMatchObject({
      nodeName: 'n1',
      agent: 'syslog-health-monitor',
      checkName: 'SysLogsXIDError',
      generatedTimestamp: { seconds: AT(1).getTime() / 1000 - 30, nanos: 125_000_000 },
      status: { userPodsEvictionStatus: { status: 'Succeeded' } },
    });
    expect(opener.status.quarantineFinishTimestamp).not.toBeNull();
    expect(history[4]).toMatchObject({
      nodeName: 'n4',
      checkName: 'GpuMemWatch',
      status: {
        quarantineFinishTimestamp: dateToTimestamp(AT(8)),
        faultRemediated: true,
        lastRemediationTimestamp: dateToTimestamp(AT(9)),
      },
    });
  });

  it('refuses a range that is not one, naming it', async () => {
    await expect(test.store.healthEvents().quarantineHistory({ from: AT(5), to: AT(1) })).rejects.toThrow(
      'range.to: must be after range.from',
    );
  });

  it('reads what was decided on a node before the range: its last incident’s event and its last release', async () => {
    const before = await test.store.healthEvents().quarantineDecisionsBefore(['n1', 'n2', 'n3', 'nobody'], AT(6));
    // n1: Quarantined at 0 and 1 (the newest, the opener), AlreadyQuarantined at 3 not asked for;
    // n2: Cancelled at 4; n3: UnQuarantined at 5 (its column-only row at 6 is not before AT(6)).
    expect(before.map((event) => [event.recordId, event.status.nodeQuarantined])).toEqual([
      [ids.opener, 'Quarantined'],
      [ids.hand, 'Cancelled'],
      [ids.camel, 'UnQuarantined'],
    ]);
    expect(await test.store.healthEvents().quarantineDecisionsBefore([], AT(6))).toEqual([]);
  });

  it('the server stops a read that runs past its limit, and the error says so and what to do', async () => {
    // A writer holding the table exclusively: the read waits, and the wait counts toward the
    // statement_timeout the read's transaction sets.
    await withClient(test.database.url, async (client) => {
      await client.query('BEGIN');
      await client.query('LOCK TABLE health_events IN ACCESS EXCLUSIVE MODE');
      try {
        await expect(test.store.healthEvents().quarantineHistory({ from: AT(1), to: AT(10) })).rejects.toMatchObject({
          code: 'reliability-timeout',
          message:
            'the read of quarantine decisions was stopped after 15 s, the longest it may run: choose a shorter range',
        });
      } finally {
        await client.query('ROLLBACK');
      }
    });
    // The pooled connection went back without the limit's transaction: the next read answers.
    expect(await test.store.healthEvents().quarantineHistory({ from: AT(1), to: AT(10) })).toHaveLength(5);
  }, 40_000);

  it('reads the decided rows through NVSentinel’s partial index on node_quarantined, never every event of the range', async () => {
    await withClient(test.database.url, async (client) => {
      // Four weeks of events on 500 nodes, one in 200 decided (a fleet where most events are
      // healthy or not fatal): the planner has a table to choose on.
      await client.query(
        `INSERT INTO health_events (node_name, event_type, node_quarantined, document, created_at)
         SELECT 'bulk-' || (i % 500), 'GpuThermalWatch', d.decision,
                jsonb_build_object('healthevent', jsonb_build_object('nodeName', 'bulk-' || (i % 500), 'agent', 'gpu-health-monitor'),
                                   'healtheventstatus', jsonb_build_object('nodequarantined', d.decision)),
                $1::timestamptz - (i * interval '40 seconds')
         FROM generate_series(1, 60000) AS i,
              LATERAL (SELECT CASE WHEN i % 400 = 0 THEN 'Quarantined' WHEN i % 200 = 0 THEN 'AlreadyQuarantined' END AS decision) AS d`,
        [AT(0)],
      );
      await client.query('ANALYZE health_events');
      const planOf = async (sql: string, values: unknown[]) =>
        JSON.stringify((await client.query(`EXPLAIN (FORMAT JSON) ${sql}`, values)).rows[0]['QUERY PLAN']);
      for (const days of [1, 7, 30]) {
        const plan = await planOf(QUARANTINE_HISTORY_SQL, [new Date(AT(0).getTime() - days * 86_400_000), AT(10)]);
        expect(plan, `${days} days`).toContain('idx_health_events_quarantined');
        expect(plan, `${days} days`).not.toContain('"Seq Scan"');
      }
      const nodes = Array.from({ length: 500 }, (_, i) => `bulk-${i}`);
      const before = await planOf(QUARANTINE_DECISIONS_BEFORE_SQL, [nodes, AT(0)]);
      expect(before).toContain('idx_health_events_quarantined');
      expect(before).not.toContain('"Seq Scan"');
    });
  });
});
