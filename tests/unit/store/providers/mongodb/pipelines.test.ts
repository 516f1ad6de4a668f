// Every aggregation pipeline and query of the MongoDB provider, run in-process with mingo over
// documents in NVSentinel's shape (including null and missing fields), so their meaning is tested
// even where no MongoDB server runs. int64 seconds appear as numbers here, as the driver returns them.
import { aggregate, find } from 'mingo';
import type { Document } from 'mongodb';
import { describe, expect, it } from 'vitest';

import type { HealthEventFilter } from '@/lib/store';
import { ValidationError } from '@/lib/store/errors/validation-error';
import { decodeHealthEventDocument, recordIdOf } from '@/lib/store/providers/mongodb/health-event-codec';
import { healthEventMatch } from '@/lib/store/providers/mongodb/pipelines/health-event-filter';
import {
  countByNodePipeline,
  healthEventPagePipeline,
  latestPerCheckPipeline,
  latestPerNodePipeline,
  latestQuarantineDecisionsPipeline,
} from '@/lib/store/providers/mongodb/pipelines/health-event-queries';
import {
  maintenanceByNodePipeline,
  maintenanceListPipeline,
  maintenanceUpsertPipeline,
} from '@/lib/store/providers/mongodb/pipelines/maintenance';
import {
  cancelQuarantineUpdate,
  evictionUpdatePipeline,
  quarantineUpdatePipeline,
  remediationUpdatePipeline,
} from '@/lib/store/providers/mongodb/pipelines/status-updates';
import {
  countByDimensionPipeline,
  throughputPipeline,
  throughputRowKeys,
} from '@/lib/store/providers/mongodb/pipelines/throughput';

import { nvsentinelDocument } from './documents';

const run = (documents: Document[], pipeline: Document[]) => aggregate(documents, pipeline) as Document[];
const messages = (documents: Document[]) => documents.map((d) => d.healthevent.message);
const matching = (documents: Document[], filter: HealthEventFilter) =>
  messages(find(documents, healthEventMatch(filter)).all() as Document[]).sort();

describe('MongoDB health event filter', () => {
  const documents = [
    nvsentinelDocument({ node: 'a', message: 'waiting' }),
    nvsentinelDocument({
      node: 'a',
      message: 'draining',
      status: { nodequarantined: 'Quarantined', userpodsevictionstatus: { status: 'InProgress' } },
    }),
    nvsentinelDocument({
      node: 'a',
      message: 'drained',
      action: 0,
      status: { nodequarantined: 'Quarantined', userpodsevictionstatus: { status: 'Succeeded' } },
    }),
    nvsentinelDocument({
      node: 'a',
      message: 'remediated-old',
      action: 2,
      status: { nodequarantined: 'AlreadyQuarantined', faultremediated: false },
    }),
    nvsentinelDocument({
      node: 'a',
      message: 'remediated-new',
      status: { nodequarantined: 'Quarantined', faultremediated: { value: true } },
    }),
    nvsentinelDocument({ node: 'b', message: 'healthy', fatal: false, healthy: true, action: 0 }),
  ];
  // A document from a writer that left fields out entirely.
  const sparse = nvsentinelDocument({ node: 'b', message: 'sparse' });
  delete sparse.healthevent.isfatal;
  delete sparse.healthevent.recommendedaction;
  delete sparse.healtheventstatus;
  documents.push(sparse);

  it('treats a missing isfatal as false and a missing status as unprocessed', () => {
    expect(matching(documents, { nodeName: 'b', isFatal: false })).toEqual(['healthy', 'sparse']);
    expect(matching(documents, { nodeName: 'b', isFatal: true })).toEqual([]);
    expect(matching(documents, { nodeQuarantined: null })).toEqual(['healthy', 'sparse', 'waiting']);
    expect(matching(documents, { nodeQuarantined: 'Quarantined' })).toEqual(['drained', 'draining', 'remediated-new']);
  });

  it('matches eviction status, with "" meaning not looked at (also when missing)', () => {
    expect(matching(documents, { evictionStatus: ['InProgress'] })).toEqual(['draining']);
    expect(matching(documents, { nodeName: 'a', evictionStatus: [''] })).toEqual([
      'remediated-new',
      'remediated-old',
      'waiting',
    ]);
    expect(matching(documents, { nodeName: 'b', evictionStatus: [''] })).toEqual(['healthy', 'sparse']);
  });

  it('matches faultremediated stored as {value} or as a plain bool, and null as unprocessed', () => {
    expect(matching(documents, { faultRemediated: true })).toEqual(['remediated-new']);
    expect(matching(documents, { faultRemediated: false })).toEqual(['remediated-old']);
    expect(matching(documents, { nodeName: 'a', faultRemediated: null })).toEqual(['drained', 'draining', 'waiting']);
  });

  it('matches recommended actions by their int32 value, a missing one counting as NONE', () => {
    expect(matching(documents, { recommendedAction: ['NONE', 'COMPONENT_RESET'] })).toEqual([
      'drained',
      'healthy',
      'remediated-old',
      'sparse',
    ]);
    expect(matching(documents, { recommendedAction: ['RESTART_BM'] })).toEqual([
      'draining',
      'remediated-new',
      'waiting',
    ]);
  });

  it('bounds by stored time: from inclusive, to exclusive', () => {
    const [first, second] = documents;
    expect(matching(documents, { from: second.createdAt, to: documents[3].createdAt })).toEqual([
      'drained',
      'draining',
    ]);
    expect(matching(documents, { to: second.createdAt })).toEqual([first.healthevent.message]);
  });

  it('refuses values that would turn into query operators', () => {
    expect(() => healthEventMatch({ nodeName: { $ne: null } as unknown as string })).toThrow(ValidationError);
    expect(() => healthEventMatch({ evictionStatus: ['Drained' as never] })).toThrow(
      /filter.evictionStatus: must hold only/,
    );
    expect(() => healthEventMatch({ from: 'yesterday' as unknown as Date })).toThrow(
      /filter.from: must be a valid date/,
    );
  });
});

describe('MongoDB health event read pipelines', () => {
  it('pages newest first with a keyset cursor that survives equal times', () => {
    const sameTime = new Date('2025-11-21T05:00:00Z');
    const documents = Array.from({ length: 7 }, (_, i) =>
      nvsentinelDocument({
        node: 'n',
        message: `m${i}`,
        createdAt: i < 4 ? sameTime : new Date(sameTime.getTime() + i * 1000),
      }),
    );
    const pageOf = (after?: { createdAt: string; recordId: string }) => {
      const rows = run(documents, healthEventPagePipeline({ nodeName: 'n' }, { limit: 3, after }));
      const items = rows.slice(0, 3);
      const last = items[items.length - 1];
      return {
        items: messages(items),
        next: rows.length > 3 ? { createdAt: last.createdAt.toISOString(), recordId: recordIdOf(last._id) } : undefined,
      };
    };
    const first = pageOf();
    const second = pageOf(first.next);
    const third = pageOf(second.next);
    expect([first.items, second.items, third.items]).toEqual([['m6', 'm5', 'm4'], ['m3', 'm2', 'm1'], ['m0']]);
    expect(third.next).toBeUndefined();
  });

  it('gives the latest event per node, only for the nodes asked', () => {
    const documents = [
      nvsentinelDocument({ node: 'a', message: 'old', createdAt: new Date('2025-11-21T01:00:00Z') }),
      nvsentinelDocument({ node: 'a', message: 'new', createdAt: new Date('2025-11-21T02:00:00Z') }),
      nvsentinelDocument({ node: 'b', message: 'only', createdAt: new Date('2025-11-21T00:30:00Z') }),
      nvsentinelDocument({ node: 'c', message: 'other' }),
    ];
    expect(messages(run(documents, latestPerNodePipeline(['a', 'b'])))).toEqual(['new', 'only']);
    expect(messages(run(documents, latestPerNodePipeline()))).toEqual(['new', 'only', 'other']);
    expect(run(documents, latestPerNodePipeline([]))).toEqual([]);
  });

  it('gives the newest event per check and entity by generated time, whatever order they arrived in', () => {
    const gpu = (value: string) => [{ entitytype: 'GPU', entityvalue: value }];
    const documents = [
      nvsentinelDocument({ node: 'n', entities: gpu('0'), message: 'gpu0 fault', generatedSeconds: 1_000 }),
      nvsentinelDocument({
        node: 'n',
        entities: gpu('0'),
        healthy: true,
        fatal: false,
        message: 'gpu0 recovered',
        generatedSeconds: 1_100,
      }),
      nvsentinelDocument({ node: 'n', entities: gpu('1'), message: 'gpu1 fault', generatedSeconds: 1_300 }),
      // Stored last, generated earlier: must not hide the newer fault.
      nvsentinelDocument({
        node: 'n',
        entities: gpu('1'),
        healthy: true,
        fatal: false,
        message: 'gpu1 stale recovery',
        generatedSeconds: 1_200,
      }),
      nvsentinelDocument({
        node: 'n',
        check: 'GpuThermalWatch',
        entities: null,
        message: 'hot, entities null',
        generatedSeconds: 1_050,
      }),
      // An empty list (other writers) is the same check as NVSentinel's null: the newer one wins.
      nvsentinelDocument({
        node: 'n',
        check: 'GpuThermalWatch',
        entities: [],
        message: 'cool, entities empty',
        generatedSeconds: 1_060,
      }),
      // Another entity of the same check is tracked on its own.
      nvsentinelDocument({
        node: 'n',
        check: 'GpuMemWatch',
        entities: gpu('2'),
        message: 'mem gpu2',
        generatedSeconds: 900,
      }),
      nvsentinelDocument({
        node: 'n',
        check: 'GpuMemWatch',
        entities: gpu('3'),
        message: 'mem gpu3',
        generatedSeconds: 800,
      }),
      nvsentinelDocument({ node: 'other', message: 'elsewhere' }),
    ];
    expect(messages(run(documents, latestPerCheckPipeline(['n']))).sort()).toEqual([
      'cool, entities empty',
      'gpu0 recovered',
      'gpu1 fault',
      'mem gpu2',
      'mem gpu3',
    ]);
    expect(run(documents, latestPerCheckPipeline(['nobody']))).toEqual([]);
  });

  it("gives each node's newest quarantine decision, ignoring AlreadyQuarantined and unprocessed events", () => {
    const at = (minute: number) => new Date(Date.UTC(2025, 10, 21, 6, minute));
    const documents = [
      nvsentinelDocument({
        node: 'a',
        message: 'quarantined',
        createdAt: at(1),
        status: { nodequarantined: 'Quarantined' },
      }),
      nvsentinelDocument({
        node: 'a',
        message: 'already',
        createdAt: at(2),
        status: { nodequarantined: 'AlreadyQuarantined' },
      }),
      nvsentinelDocument({
        node: 'a',
        message: 'released',
        createdAt: at(3),
        status: { nodequarantined: 'UnQuarantined' },
      }),
      nvsentinelDocument({ node: 'a', message: 'new fault', createdAt: at(4) }),
      nvsentinelDocument({
        node: 'b',
        message: 'b quarantined',
        createdAt: at(1),
        status: { nodequarantined: 'Quarantined' },
      }),
      nvsentinelDocument({ node: 'c', message: 'c never', createdAt: at(1) }),
    ];
    const decisions = run(documents, latestQuarantineDecisionsPipeline(['a', 'b', 'c'])).map(decodeHealthEventDocument);
    expect(Object.fromEntries(decisions.map((e) => [e.healthEvent.nodeName, e.status.nodeQuarantined]))).toEqual({
      a: 'UnQuarantined',
      b: 'Quarantined',
    });
  });

  it('counts matching events per node, leaving out nodes with none', () => {
    const documents = [
      nvsentinelDocument({ node: 'a' }),
      nvsentinelDocument({ node: 'a' }),
      nvsentinelDocument({ node: 'a', fatal: false }),
      nvsentinelDocument({ node: 'b' }),
      nvsentinelDocument({ node: 'c', fatal: false }),
    ];
    const counts = new Map(run(documents, countByNodePipeline({ isFatal: true })).map((row) => [row._id, row.count]));
    expect(counts).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
  });

  it('counts throughput in epoch-aligned buckets grouped by fatality, agent or nothing', () => {
    const start = new Date('2025-11-21T07:00:00Z');
    const documents = [
      nvsentinelDocument({ node: 'n', createdAt: new Date(start.getTime() + 1_000) }),
      nvsentinelDocument({
        node: 'n',
        createdAt: new Date(start.getTime() + 2_000),
        fatal: false,
        agent: 'gpu-health-monitor',
      }),
      nvsentinelDocument({ node: 'n', createdAt: new Date(start.getTime() + 61_000) }),
      nvsentinelDocument({ node: 'n', createdAt: new Date(start.getTime() + 125_000) }), // outside [from, to)
      nvsentinelDocument({ node: 'other', createdAt: new Date(start.getTime() + 1_000) }),
    ];
    delete documents[2].healthevent.isfatal; // missing isfatal counts as false
    delete documents[2].healthevent.agent;
    const buckets = (groupBy: 'isFatal' | 'agent' | 'none') =>
      run(
        documents,
        throughputPipeline({
          from: start,
          to: new Date(start.getTime() + 120_000),
          bucketSeconds: 60,
          groupBy,
          filter: { nodeName: 'n' },
        }),
      ).map((row) => [new Date(row._id.bucket).getTime() - start.getTime(), row._id.key0, row.count]);
    expect(buckets('isFatal')).toEqual([
      [0, 'false', 1],
      [0, 'true', 1],
      [60_000, 'false', 1],
    ]);
    expect(buckets('agent')).toEqual([
      [0, 'gpu-health-monitor', 1],
      [0, 'syslog-health-monitor', 1],
      [60_000, '', 1],
    ]);
    expect(buckets('none')).toEqual([
      [0, '', 2],
      [60_000, '', 1],
    ]);
    expect(() => throughputPipeline({ from: start, to: start, bucketSeconds: 60 })).toThrow(
      /from: must be a date before to/,
    );
  });

  it("counts a page of nodes' events per bucket, separately by agent, check, component and severity (the roll-ups' backfill)", () => {
    const start = new Date('2025-11-21T07:00:00Z');
    const at = (ms: number, options: Parameters<typeof nvsentinelDocument>[0]) =>
      nvsentinelDocument({ createdAt: new Date(start.getTime() + ms), ...options });
    const documents = [
      at(1_000, { node: 'a', fatal: true }),
      at(59_999, { node: 'a', fatal: true }),
      at(60_000, { node: 'a', fatal: true }),
      at(2_000, { node: 'a', fatal: false, healthy: true, check: 'GpuXidError', componentClass: 'NIC' }),
      at(3_000, { node: 'b', fatal: false, healthy: false }),
      at(4_000, { node: 'c', fatal: true }),
      at(-1_000, { node: 'a', fatal: true }),
    ];
    const rows = run(
      documents,
      countByDimensionPipeline({ bucketSeconds: 60, since: start }, { nodeNames: ['a', 'b'] }),
    )
      .map((row) => [
        row._id.dimension,
        new Date(row._id.bucket).getTime() - start.getTime(),
        row._id.value,
        row._id.isFatal,
        row.count,
      ])
      .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    expect(rows).toEqual([
      ['agent', 0, 'syslog-health-monitor', false, 2],
      ['agent', 0, 'syslog-health-monitor', true, 2],
      ['agent', 60000, 'syslog-health-monitor', true, 1],
      ['checkName', 0, 'GpuXidError', false, 1],
      ['checkName', 0, 'SysLogsXIDError', false, 1],
      ['checkName', 0, 'SysLogsXIDError', true, 2],
      ['checkName', 60000, 'SysLogsXIDError', true, 1],
      ['componentClass', 0, 'GPU', false, 1],
      ['componentClass', 0, 'GPU', true, 2],
      ['componentClass', 0, 'NIC', false, 1],
      ['componentClass', 60000, 'GPU', true, 1],
      ['severity', 0, 'fatal', true, 2],
      ['severity', 0, 'healthy', false, 1],
      ['severity', 0, 'unhealthy', false, 1],
      ['severity', 60000, 'fatal', true, 1],
    ]);
  });

  it('counts throughput per combination of several fields in one $group, ordered by bucket then each key', () => {
    const start = new Date('2025-11-21T07:00:00Z');
    const at = (ms: number, options: { agent?: string; fatal?: boolean } = {}) =>
      nvsentinelDocument({ node: 'n', createdAt: new Date(start.getTime() + ms), ...options });
    const documents = [
      at(1_000, { agent: 'syslog-health-monitor', fatal: true }),
      at(2_000, { agent: 'gpu-health-monitor', fatal: false }),
      at(3_000, { agent: 'syslog-health-monitor', fatal: false }),
      at(4_000, { agent: 'syslog-health-monitor', fatal: true }),
      at(61_000, { agent: 'gpu-health-monitor', fatal: true }),
    ];
    const pipeline = throughputPipeline({
      from: start,
      to: new Date(start.getTime() + 120_000),
      bucketSeconds: 60,
      groupBy: ['agent', 'isFatal'],
    });
    const rows = run(documents, pipeline);
    expect(
      rows.map((row) => [
        new Date(row._id.bucket).getTime() - start.getTime(),
        ...throughputRowKeys(row._id, 2),
        row.count,
      ]),
    ).toEqual([
      [0, 'gpu-health-monitor', 'false', 1],
      [0, 'syslog-health-monitor', 'false', 1],
      [0, 'syslog-health-monitor', 'true', 2],
      [60_000, 'gpu-health-monitor', 'true', 1],
    ]);
    // Summed over the second field, the rows are what grouping by the first alone gives.
    const single = run(
      documents,
      throughputPipeline({ from: start, to: new Date(start.getTime() + 120_000), bucketSeconds: 60, groupBy: 'agent' }),
    );
    const summed = new Map<string, number>();
    for (const row of rows)
      summed.set(
        `${row._id.bucket.getTime()} ${row._id.key0}`,
        (summed.get(`${row._id.bucket.getTime()} ${row._id.key0}`) ?? 0) + row.count,
      );
    expect(summed).toEqual(new Map(single.map((row) => [`${row._id.bucket.getTime()} ${row._id.key0}`, row.count])));
    expect(() =>
      throughputPipeline({
        from: start,
        to: new Date(start.getTime() + 60_000),
        bucketSeconds: 60,
        groupBy: ['agent', 'agent'],
      }),
    ).toThrow(/groupBy: must not name a field twice/);
    expect(() =>
      throughputPipeline({ from: start, to: new Date(start.getTime() + 60_000), bucketSeconds: 60, groupBy: [] }),
    ).toThrow(/groupBy: must name at least one field/);
    expect(() =>
      throughputPipeline({
        from: start,
        to: new Date(start.getTime() + 60_000),
        bucketSeconds: 60,
        groupBy: ['agent', 'node' as 'agent'],
      }),
    ).toThrow(/groupBy: must be one of/);
  });
});

describe('MongoDB status update pipelines', () => {
  const apply = (document: Document, pipeline: Document[]) => run([document], pipeline)[0];

  it('sets quarantine status, finish time and span, merging into spanids that NVSentinel left null', () => {
    const document = nvsentinelDocument({ node: 'n', status: { spanids: null } });
    const updated = apply(
      document,
      quarantineUpdatePipeline({
        status: 'Quarantined',
        finishedAt: { seconds: 1_763_700_000, nanos: 0 },
        span: { module: 'fault-quarantine', id: 'span-1' },
      }),
    );
    const again = apply(
      updated,
      quarantineUpdatePipeline({ status: 'Quarantined', span: { module: 'node-drainer', id: '$not-a-path' } }),
    );
    expect(decodeHealthEventDocument(again).status).toMatchObject({
      nodeQuarantined: 'Quarantined',
      quarantineFinishTimestamp: { seconds: 1_763_700_000, nanos: 0 },
      spanIds: { 'fault-quarantine': 'span-1', 'node-drainer': '$not-a-path' },
    });
    expect(again.healthevent).toEqual(document.healthevent);
  });

  it('sets eviction and remediation the way node-drainer and fault-remediation write them', () => {
    const document = nvsentinelDocument({ node: 'n' });
    delete document.healtheventstatus;
    const drained = apply(
      document,
      evictionUpdatePipeline({ status: 'Failed', message: '$evict failed', finishedAt: { seconds: 5, nanos: 1 } }),
    );
    expect(drained.healtheventstatus.userpodsevictionstatus).toEqual({ status: 'Failed', message: '$evict failed' });
    const remediated = apply(drained, remediationUpdatePipeline({ remediated: true, at: { seconds: 9, nanos: 0 } }));
    expect(remediated.healtheventstatus.faultremediated).toEqual({ value: true });
    expect(decodeHealthEventDocument(remediated).status).toMatchObject({
      faultRemediated: true,
      lastRemediationTimestamp: { seconds: 9, nanos: 0 },
      drainFinishTimestamp: { seconds: 5, nanos: 1 },
    });
  });

  it('refuses statuses NVSentinel does not define and span modules that would become paths', () => {
    expect(() => quarantineUpdatePipeline({ status: 'Sideways' as never })).toThrow(
      /status: must be one of Quarantined/,
    );
    expect(() => evictionUpdatePipeline({ status: 'Done' as never })).toThrow(/status: must be one of NotStarted/);
    expect(() => remediationUpdatePipeline({ remediated: 'yes' as never })).toThrow(
      /remediated: must be true or false/,
    );
    expect(() => quarantineUpdatePipeline({ status: 'Quarantined', span: { module: 'a.b', id: 'x' } })).toThrow(
      /span.module/,
    );
  });

  it("cancels only the node's quarantining events since the given time", () => {
    const since = new Date('2025-11-21T08:00:00Z');
    const documents = [
      nvsentinelDocument({
        node: 'n',
        message: 'before',
        createdAt: new Date(since.getTime() - 1),
        status: { nodequarantined: 'Quarantined' },
      }),
      nvsentinelDocument({
        node: 'n',
        message: 'quarantined',
        createdAt: since,
        status: { nodequarantined: 'Quarantined' },
      }),
      nvsentinelDocument({
        node: 'n',
        message: 'already',
        createdAt: new Date(since.getTime() + 1),
        status: { nodequarantined: 'AlreadyQuarantined' },
      }),
      nvsentinelDocument({
        node: 'n',
        message: 'released',
        createdAt: new Date(since.getTime() + 2),
        status: { nodequarantined: 'UnQuarantined' },
      }),
      nvsentinelDocument({
        node: 'm',
        message: 'other node',
        createdAt: since,
        status: { nodequarantined: 'Quarantined' },
      }),
    ];
    const { filter } = cancelQuarantineUpdate('n', since);
    expect(messages(find(documents, filter).all() as Document[]).sort()).toEqual(['already', 'quarantined']);
    expect(() => cancelQuarantineUpdate('', since)).toThrow(/nodeName: must not be empty/);
  });
});

describe('MongoDB maintenance pipelines', () => {
  const base = {
    eventId: 'aws-1',
    csp: 'aws' as const,
    clusterName: 'c1',
    resourceType: 'instance',
    resourceId: 'i-1',
    nodeName: 'n1',
    maintenanceType: 'SCHEDULED' as const,
    status: 'DETECTED' as const,
    cspStatus: 'PENDING' as const,
    scheduledStartTime: new Date('2025-11-22T00:00:00Z'),
    scheduledEndTime: null,
    actualStartTime: null,
    actualEndTime: null,
    eventReceivedTimestamp: new Date('2025-11-21T00:00:00Z'),
    lastUpdatedTimestamp: new Date('2025-11-21T00:00:00Z'),
    recommendedAction: 'RESTART_VM' as const,
    metadata: {},
  };
  const upsert = (stored: Document | undefined, event: typeof base | Record<string, unknown>) =>
    run([stored ?? { eventId: base.eventId }], maintenanceUpsertPipeline(event as typeof base))[0];

  it("keeps a triggered status until the maintenance completes, as NVSentinel's store does", () => {
    const inserted = upsert(undefined, base);
    expect(inserted).toMatchObject({
      status: 'DETECTED',
      recommendedAction: 'RESTART_VM',
      scheduledStartTime: base.scheduledStartTime,
    });
    const triggered = upsert(inserted, { ...base, status: 'QUARANTINE_TRIGGERED' });
    const kept = upsert(triggered, { ...base, status: 'MAINTENANCE_ONGOING', cspStatus: 'ONGOING' });
    expect(kept).toMatchObject({ status: 'QUARANTINE_TRIGGERED', cspStatus: 'ONGOING' });
    const completed = upsert(kept, {
      ...base,
      status: 'MAINTENANCE_COMPLETE',
      scheduledStartTime: null,
      actualEndTime: new Date('2025-11-22T02:00:00Z'),
    });
    expect(completed.status).toBe('MAINTENANCE_COMPLETE');
    expect(completed).not.toHaveProperty('scheduledStartTime');
    expect(completed.actualEndTime).toEqual(new Date('2025-11-22T02:00:00Z'));
  });

  it('lists by status newest update first, and a node newest received first', () => {
    const documents = [
      {
        eventId: 'e1',
        status: 'DETECTED',
        nodeName: 'n1',
        lastUpdatedTimestamp: new Date(1_000),
        eventReceivedTimestamp: new Date(5),
      },
      {
        eventId: 'e2',
        status: 'MAINTENANCE_COMPLETE',
        nodeName: 'n1',
        lastUpdatedTimestamp: new Date(3_000),
        eventReceivedTimestamp: new Date(9),
      },
      {
        eventId: 'e3',
        status: 'DETECTED',
        nodeName: 'n2',
        lastUpdatedTimestamp: new Date(2_000),
        eventReceivedTimestamp: new Date(1),
      },
    ];
    expect(run(documents, maintenanceListPipeline({ status: ['DETECTED'] })).map((d) => d.eventId)).toEqual([
      'e3',
      'e1',
    ]);
    expect(run(documents, maintenanceListPipeline({ limit: 1 })).map((d) => d.eventId)).toEqual(['e2']);
    expect(run(documents, maintenanceByNodePipeline('n1')).map((d) => d.eventId)).toEqual(['e2', 'e1']);
  });
});
