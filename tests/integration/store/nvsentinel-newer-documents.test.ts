// What a newer NVSentinel writes into PostgreSQL (docs/nvsentinel-data-model.md §8), written the
// way its Go writers write it, read and updated through the store SDK: one row with a value the
// SDK does not know must not blank a list, and nothing the SDK writes may drop or change what it
// did not write.
import pg from 'pg';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { NodeRow } from '@/components/nodes/node-row';
import { NodeProjection } from '@/lib/node-state/node-projection';
import type { DataStore } from '@/lib/store';

import {
  cancellationDocument,
  healthyDocument,
  newerNvsentinelDocument,
  xidFatalDocument,
} from '../../fixtures/nvsentinel/documents';
import { maintenanceUpsert, platformConnectorInsert } from '../../fixtures/nvsentinel/writers';
import { openTestStore, type TestStore } from '../../support/test-databases';

describe('documents of a newer NVSentinel on PostgreSQL', () => {
  let testStore: TestStore;
  let store: DataStore;
  let client: pg.Client;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    testStore = await openTestStore();
    store = testStore.store;
    client = new pg.Client({ connectionString: testStore.database.url });
    await client.connect();
    // Five nodes as NVSentinel's platform connector and pipeline leave them.
    ids.known = await platformConnectorInsert(client, newerNvsentinelDocument('gpu-node-a'));
    ids.unknownAction = await platformConnectorInsert(
      client,
      newerNvsentinelDocument('gpu-node-b', { recommendedAction: 31, eviction: 'Succeeded' }),
    );
    ids.unknownStatus = await platformConnectorInsert(
      client,
      newerNvsentinelDocument('gpu-node-c', { nodequarantined: 'SkippedByProfile', eviction: 'Skipped' }),
    );
    ids.healthy = await platformConnectorInsert(client, healthyDocument('gpu-node-d'));
    ids.fatal = await platformConnectorInsert(client, xidFatalDocument('gpu-node-e'));
    ids.cancellation = await platformConnectorInsert(client, cancellationDocument('gpu-node-e'));
  });

  afterAll(async () => {
    await client?.end();
    await testStore?.close();
  });

  const rawDocument = async (id: string) =>
    (await client.query('SELECT document FROM health_events WHERE id = $1', [id])).rows[0].document;

  it('lists every node when one carries an action or status the SDK does not know, and shows it as "unknown (31)"', async () => {
    const events = store.healthEvents();
    const page = await events.find({});
    expect(page.items).toHaveLength(6);
    const latest = await events.latestPerNode();
    expect(latest.map((event) => event.healthEvent.nodeName).sort()).toEqual([
      'gpu-node-a',
      'gpu-node-b',
      'gpu-node-c',
      'gpu-node-d',
      'gpu-node-e',
    ]);
    expect(latest.find((event) => event.healthEvent.nodeName === 'gpu-node-b')?.healthEvent.recommendedAction).toBe(
      'unknown(31)',
    );
    expect(latest.find((event) => event.healthEvent.nodeName === 'gpu-node-c')?.status).toMatchObject({
      nodeQuarantined: 'unknown(SkippedByProfile)',
      userPodsEvictionStatus: { status: 'unknown(Skipped)' },
    });

    // The Nodes page's read model, loaded as the live hub loads it.
    const projection = new NodeProjection();
    const [latestPerCheck, decisions, fatalCounts] = await Promise.all([
      events.latestPerCheck(),
      events.latestQuarantineDecisions(),
      events.countByNode({ isFatal: true }),
    ]);
    projection.load({ latestPerCheck, decisions, latestPerNode: latest, fatalCounts });
    const states = Object.fromEntries(projection.views().map((view) => [view.name, view.state]));
    // b is drained but its action is unknown: not assumed to be remediating. c's decision is
    // unknown: no session is opened from it, its open fault keeps it unhealthy.
    expect(states).toEqual({
      'gpu-node-a': 'draining',
      'gpu-node-b': 'quarantined',
      'gpu-node-c': 'unhealthy',
      'gpu-node-d': 'healthy',
      'gpu-node-e': 'unhealthy',
    });

    const html = renderToStaticMarkup(
      createElement(
        'table',
        null,
        createElement(
          'tbody',
          null,
          projection.views().map((view) => createElement(NodeRow, { key: view.name, view })),
        ),
      ),
    );
    for (const name of Object.keys(states)) expect(html).toContain(`data-node="${name}"`);
    expect(html).toContain('action unknown (31)');
  });

  it('keeps faultquarantinerecovery, unknown keys and unknown values through every status update', async () => {
    await client.query(
      `UPDATE health_events SET document = jsonb_set(jsonb_set(document, '{healtheventstatus,remediationattempt}', '2'),
         '{healtheventstatus,userpodsevictionstatus,metadata}', '{"pods": "3"}') WHERE id = $1`,
      [ids.unknownAction],
    );
    const events = store.healthEvents();
    await events.updateQuarantine(ids.unknownAction, {
      status: 'AlreadyQuarantined',
      span: { module: 'fault-quarantine', id: 's1' },
    });
    await events.updateEviction(ids.unknownAction, { status: 'AlreadyDrained' });
    const read = await events.updateRemediation(ids.unknownAction, { remediated: false });
    expect(read.status.faultQuarantineRecovery).toBe('completed');
    expect(read.healthEvent.recommendedAction).toBe('unknown(31)');

    const document = await rawDocument(ids.unknownAction);
    expect(document.healtheventstatus).toMatchObject({
      faultquarantinerecovery: 'completed',
      remediationattempt: 2,
      userpodsevictionstatus: { status: 'AlreadyDrained', metadata: { pods: '3' } },
      nodequarantined: 'AlreadyQuarantined',
    });
    expect(document.healtheventstatus.userpodsevictionstatus).not.toHaveProperty('message');
    expect(document.healthevent.recommendedAction).toBe(31);
    expect(document.healthevent.metadata.idempotencyKey).toBe('gpu-node-b/batch-41/0');

    // A release by hand cancels quarantining events only: the unknown decision stays as NVSentinel wrote it.
    await events.cancelQuarantine('gpu-node-c', new Date(0));
    expect((await rawDocument(ids.unknownStatus)).healtheventstatus).toMatchObject({
      nodequarantined: 'SkippedByProfile',
      userpodsevictionstatus: { status: 'Skipped' },
      faultquarantinerecovery: 'completed',
    });
  });

  it('writes metadata keys as given, and reads the syslog cancellation event with its key', async () => {
    const metadata = {
      idempotencyKey: 'gpu-node-f/batch-1/0',
      providerLastUpdated: 'x',
      creator_id: 'ops',
      'nvsentinel.nvidia.com/cancel-source-error-code': '162',
    };
    const [stored] = await store.healthEvents().insertMany([
      {
        nodeName: 'gpu-node-f',
        agent: 'syslog-health-monitor',
        checkName: 'SysLogsXIDError',
        isHealthy: true,
        errorCode: ['163'],
        metadata,
      },
    ]);
    expect((await rawDocument(stored.recordId)).healthevent.metadata).toEqual(metadata);
    const cancellation = await store.healthEvents().get(ids.cancellation);
    expect(cancellation?.healthEvent.metadata['nvsentinel.nvidia.com/cancel-source-error-code']).toBe('162');
  });

  it("stores a maintenance event as csp-health-monitor does: the action's name, '' for no node, and reads NVSentinel's", async () => {
    await store.maintenanceEvents().upsert({
      eventId: 'lambda-mx-1',
      csp: 'lambda',
      clusterName: 'c1',
      resourceType: 'instance',
      resourceId: 'lambda-mx-1',
      nodeName: '',
      maintenanceType: 'UNSCHEDULED',
      status: 'DETECTED',
      cspStatus: 'PENDING',
      scheduledStartTime: null,
      scheduledEndTime: null,
      actualStartTime: null,
      actualEndTime: null,
      eventReceivedTimestamp: new Date(),
      lastUpdatedTimestamp: new Date(),
      recommendedAction: 'RESTART_VM',
      metadata: {},
    });
    const row = (
      await client.query(`SELECT node_name, document FROM maintenance_events WHERE event_id = 'lambda-mx-1'`)
    ).rows[0];
    // store-client/pkg/datastore/providers/postgresql/maintenance_events.go:104 (node_name is the Go string);
    // data-models/pkg/model/maintenance_event.go:37 (recommendedAction a string) and :39 (nodeName omitempty).
    expect(row.node_name).toBe('');
    expect(row.document.recommendedAction).toBe('RESTART_VM');
    expect(row.document).not.toHaveProperty('nodeName');

    await maintenanceUpsert(client, {
      eventId: 'aws-mx-9',
      csp: 'aws',
      clusterName: 'c1',
      nodeName: 'gpu-node-a',
      status: 'DETECTED',
      cspStatus: 'PENDING',
      recommendedAction: 'REPLACE_VM',
    });
    expect((await store.maintenanceEvents().byNode('gpu-node-a'))[0]).toMatchObject({
      eventId: 'aws-mx-9',
      recommendedAction: 'REPLACE_VM',
    });
  });
});
