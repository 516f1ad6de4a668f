// The MongoDB codec reads and writes health events in exactly the shape NVSentinel stores them.
import { aggregate } from 'mingo';
import { Long, ObjectId, type Document } from 'mongodb';
import { describe, expect, it } from 'vitest';

import { unknownEnumCounts } from '@/lib/store';
import { ValidationError } from '@/lib/store/errors/validation-error';
import { toHealthEventWithStatus } from '@/lib/store/model/new-health-event';
import {
  decodeHealthEventDocument,
  encodeHealthEventDocument,
  idCandidates,
  recordIdOf,
} from '@/lib/store/providers/mongodb/health-event-codec';
import { evictionUpdatePipeline } from '@/lib/store/providers/mongodb/pipelines/status-updates';
import {
  decodeMaintenanceDocument,
  encodeMaintenanceFields,
} from '@/lib/store/providers/mongodb/maintenance-event-codec';

import { nvsentinelDocument } from './documents';

describe('MongoDB health event codec', () => {
  it("reads a fatal XID event as NVSentinel's platform connector stored it", () => {
    const stored = nvsentinelDocument({ node: 'gpu-node-007', longSeconds: true, generatedSeconds: 1_763_700_000 });
    const event = decodeHealthEventDocument(stored);
    expect(event.recordId).toBe((stored._id as ObjectId).toHexString());
    expect(event.createdAt).toEqual(stored.createdAt);
    expect(event.healthEvent).toMatchObject({
      nodeName: 'gpu-node-007',
      checkName: 'SysLogsXIDError',
      isFatal: true,
      isHealthy: false,
      recommendedAction: 'RESTART_BM',
      processingStrategy: 'EXECUTE_REMEDIATION',
      errorCode: ['79'],
      entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }],
      generatedTimestamp: { seconds: 1_763_700_000, nanos: 125_000_000 },
      quarantineOverrides: null,
    });
    expect(event.status).toMatchObject({
      nodeQuarantined: null,
      faultRemediated: null,
      userPodsEvictionStatus: { status: '', message: '' },
      spanIds: {},
    });
  });

  it('writes what it reads: the same keys, null lists, int64 seconds and a BSON Date', () => {
    const stored = nvsentinelDocument({ node: 'gpu-node-008', longSeconds: true });
    const decoded = decodeHealthEventDocument(stored);
    const { recordId, ...event } = decoded;
    const encoded = encodeHealthEventDocument(event, new ObjectId(recordId));
    expect(encoded).toEqual(stored);
    expect(encoded.healthevent.generatedtimestamp.seconds).toBeInstanceOf(Long);
    expect(encoded.createdAt).toBeInstanceOf(Date);

    const healthy = nvsentinelDocument({
      node: 'gpu-node-008',
      healthy: true,
      fatal: false,
      action: 0,
      entities: null,
    });
    const { recordId: healthyId, ...healthyEvent } = decodeHealthEventDocument(healthy);
    expect(healthyEvent.healthEvent).toMatchObject({
      errorCode: [],
      entitiesImpacted: [],
      recommendedAction: 'NONE',
      isHealthy: true,
    });
    expect(encodeHealthEventDocument(healthyEvent, new ObjectId(healthyId)).healthevent).toMatchObject({
      errorcode: null,
      entitiesimpacted: null,
      recommendedaction: 0,
    });
  });

  it('encodes a new event with NVSentinel zero values and an unprocessed status', () => {
    const event = toHealthEventWithStatus(
      { nodeName: 'n1', agent: 'a', checkName: 'GpuMemWatch' },
      'event',
      new Date('2025-11-21T04:00:00.250Z'),
    );
    const document = encodeHealthEventDocument(event, new ObjectId());
    expect(document.healthevent).toMatchObject({
      isfatal: false,
      ishealthy: false,
      recommendedaction: 0,
      processingstrategy: 0,
      errorcode: null,
      metadata: null,
      generatedtimestamp: { seconds: Long.fromNumber(1_763_697_600), nanos: 250_000_000 },
      componentclass: 'GPU',
    });
    // The status NVSentinel's platform connector inserts: the proto HealthEventStatus through the Go
    // driver (platform-connectors/pkg/connectors/store/store_connector.go:216-225,
    // data-models/pkg/protos/health_event.pb.go:223-231): a string nodequarantined, null pointers,
    // the OperationStatus with both its fields (health_event.pb.go:170-176); spanids is the nil map
    // here, as no span was recorded.
    expect(document.healtheventstatus).toEqual({
      nodequarantined: '',
      quarantinefinishtimestamp: null,
      userpodsevictionstatus: { status: '', message: '' },
      drainfinishtimestamp: null,
      faultremediated: null,
      lastremediationtimestamp: null,
      spanids: null,
    });
    // and reads back as "not processed yet", as on PostgreSQL.
    expect(decodeHealthEventDocument(document).status).toMatchObject({
      nodeQuarantined: null,
      userPodsEvictionStatus: { status: '', message: '' },
    });
  });

  it('reads faultremediated as {value} and as the plain bool of old documents', () => {
    const asValue = nvsentinelDocument({
      node: 'n',
      status: { faultremediated: { value: false }, nodequarantined: 'Quarantined' },
    });
    const asBool = nvsentinelDocument({ node: 'n', status: { faultremediated: true } });
    expect(decodeHealthEventDocument(asValue).status).toMatchObject({
      faultRemediated: false,
      nodeQuarantined: 'Quarantined',
    });
    expect(decodeHealthEventDocument(asBool).status.faultRemediated).toBe(true);
    const { recordId, ...event } = decodeHealthEventDocument(asBool);
    expect(encodeHealthEventDocument(event, new ObjectId(recordId)).healtheventstatus.faultremediated).toEqual({
      value: true,
    });
  });

  it('reads documents whose arrays, maps and status are missing altogether', () => {
    const document = nvsentinelDocument({ node: 'n' });
    delete document.healthevent.errorcode;
    delete document.healthevent.entitiesimpacted;
    delete document.healthevent.metadata;
    delete document.healthevent.recommendedaction;
    delete document.healtheventstatus;
    const event = decodeHealthEventDocument(document);
    expect(event.healthEvent).toMatchObject({
      errorCode: [],
      entitiesImpacted: [],
      metadata: {},
      recommendedAction: 'NONE',
    });
    expect(event.status).toMatchObject({
      nodeQuarantined: null,
      faultRemediated: null,
      userPodsEvictionStatus: { status: '' },
    });
  });

  it('accepts camelCase keys and enum names from other writers', () => {
    const document = nvsentinelDocument({ node: 'n' });
    const { nodename, recommendedaction, ...rest } = document.healthevent;
    document.healthevent = {
      ...rest,
      nodeName: nodename,
      recommendedAction: recommendedaction === 24 ? 'RESTART_BM' : recommendedaction,
    };
    expect(decodeHealthEventDocument(document).healthEvent).toMatchObject({
      nodeName: 'n',
      recommendedAction: 'RESTART_BM',
    });
  });

  it('names the field of a document it cannot read', () => {
    const read = (document: unknown) => {
      try {
        decodeHealthEventDocument(document);
        return 'read';
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).message;
      }
    };
    expect(read({ _id: new ObjectId(), createdAt: new Date(), name: 'not an event' })).toMatch(
      /^healthevent: is missing/,
    );
    expect(read({ ...nvsentinelDocument({ node: 'n' }), createdAt: 'yesterday' })).toMatch(
      /^createdAt: must be a date/,
    );
    const badAction = nvsentinelDocument({ node: 'n' });
    badAction.healthevent.recommendedaction = { value: 7 };
    expect(read(badAction)).toMatch(/^healthevent\.recommendedaction: must be a number/);
    const badEntities = nvsentinelDocument({ node: 'n' });
    badEntities.healthevent.entitiesimpacted = 'GPU 3';
    expect(read(badEntities)).toMatch(/^healthevent\.entitiesimpacted: must be an array/);
    const badSeconds = nvsentinelDocument({ node: 'n' });
    badSeconds.healthevent.generatedtimestamp = { seconds: 'soon', nanos: 0 };
    expect(read(badSeconds)).toMatch(/^healthevent\.generatedtimestamp\.seconds: must be a number/);
  });

  it('maps record ids to ObjectIds or string ids, refusing what cannot be an id', () => {
    const id = new ObjectId();
    expect(recordIdOf(id)).toBe(id.toHexString());
    expect(idCandidates(id.toHexString())[0]).toEqual(id);
    expect(idCandidates('00000000-0000-4000-8000-000000000000')).toEqual(['00000000-0000-4000-8000-000000000000']);
    expect(() => idCandidates({ $ne: null })).toThrow(ValidationError);
    expect(() => idCandidates('')).toThrow(/recordId: must be a record id/);
  });
});

describe('MongoDB health event codec: what newer NVSentinel stores', () => {
  const countOf = (field: string, value: string) =>
    unknownEnumCounts().find((entry) => entry.field === field && entry.value === value)?.count ?? 0;

  it('keeps metadata keys byte for byte both ways; only struct field names fold', () => {
    // The map as NVSentinel's writers set it: the platform connector's trace_id
    // (store_connector.go:210), a forced quarantine's creator_id (fault-quarantine/pkg/reconciler/
    // reconciler.go:804), the syslog monitor's cancellation key (health-monitors/syslog-health-monitor/
    // pkg/xid/xid_handler.go:41), and the newer idempotency key and providerLastUpdated
    // (health-monitors/csp-health-monitor/pkg/model/maintenance_event.go:46).
    const metadata = {
      trace_id: 't',
      creator_id: 'ops',
      idempotencyKey: 'batch-7/3',
      providerLastUpdated: '2026-01-02T03:04:05Z',
      'nvsentinel.nvidia.com/cancel-source-error-code': '162',
    };
    const stored = nvsentinelDocument({ node: 'n', metadata });
    stored.healtheventstatus.spanids = { 'Platform-Connector': 'a' };
    const { recordId, ...event } = decodeHealthEventDocument(stored);
    expect(event.healthEvent.metadata).toEqual(metadata);
    expect(event.status.spanIds).toEqual({ 'Platform-Connector': 'a' });
    expect(encodeHealthEventDocument(event, new ObjectId(recordId)).healthevent.metadata).toEqual(metadata);
  });

  it('reads a value it does not know as unknown(<raw>), counts it, keeps the rest, and writes the raw value back', () => {
    const before = {
      action: countOf('recommendedAction', '31'),
      quarantine: countOf('nodeQuarantined', 'SkippedByProfile'),
      eviction: countOf('userPodsEvictionStatus', 'Skipped'),
    };
    const stored = nvsentinelDocument({
      node: 'n',
      longSeconds: true,
      action: 31,
      status: { nodequarantined: 'SkippedByProfile', userpodsevictionstatus: { status: 'Skipped', message: '' } },
    });
    const { recordId, ...event } = decodeHealthEventDocument(stored);
    expect(event.healthEvent).toMatchObject({
      recommendedAction: 'unknown(31)',
      nodeName: 'n',
      checkName: 'SysLogsXIDError',
    });
    expect(event.status).toMatchObject({
      nodeQuarantined: 'unknown(SkippedByProfile)',
      userPodsEvictionStatus: { status: 'unknown(Skipped)' },
    });
    expect(countOf('recommendedAction', '31')).toBe(before.action + 1);
    expect(countOf('nodeQuarantined', 'SkippedByProfile')).toBe(before.quarantine + 1);
    expect(countOf('userPodsEvictionStatus', 'Skipped')).toBe(before.eviction + 1);
    // Written back as NVSentinel stored it: the int32 31 and the raw strings, nothing else.
    expect(encodeHealthEventDocument(event, new ObjectId(recordId))).toEqual(stored);
  });

  it('knows REMEDIATE = 28 of the newer proto', () => {
    const stored = nvsentinelDocument({ node: 'n', action: 28 });
    const { recordId, ...event } = decodeHealthEventDocument(stored);
    expect(event.healthEvent.recommendedAction).toBe('REMEDIATE');
    expect(encodeHealthEventDocument(event, new ObjectId(recordId)).healthevent.recommendedaction).toBe(28);
  });

  it('reads healtheventstatus.faultquarantinerecovery and writes it back', () => {
    // Written by newer fault-quarantine at its cold start (docs/nvsentinel-data-model.md §8).
    const stored = nvsentinelDocument({
      node: 'n',
      longSeconds: true,
      status: { nodequarantined: 'Quarantined', faultquarantinerecovery: 'completed' },
    });
    const { recordId, ...event } = decodeHealthEventDocument(stored);
    expect(event.status.faultQuarantineRecovery).toBe('completed');
    expect(encodeHealthEventDocument(event, new ObjectId(recordId))).toEqual(stored);
  });

  it('updates the eviction status without dropping the keys a newer node-drainer keeps beside it', () => {
    // store-client sets the eviction's fields one by one (store-client/pkg/client/mongodb_client.go:547-554),
    // so a stored userpodsevictionstatus may carry more than status and message.
    const stored = nvsentinelDocument({
      node: 'n',
      status: {
        userpodsevictionstatus: { status: 'InProgress', message: 'evicting', metadata: { pods: '3' } },
        faultquarantinerecovery: 'completed',
      },
    });
    const [stage] = evictionUpdatePipeline({ status: 'Succeeded' });
    const updated = aggregate([stored], [stage]) as Document[];
    expect(updated[0].healtheventstatus.userpodsevictionstatus).toEqual({
      status: 'Succeeded',
      message: '',
      metadata: { pods: '3' },
    });
    expect(updated[0].healtheventstatus.faultquarantinerecovery).toBe('completed');
  });
});

describe('MongoDB maintenance event codec', () => {
  it("round-trips the csp-health-monitor's camelCase document with BSON dates", () => {
    const stored = {
      _id: new ObjectId(),
      eventId: 'aws-123',
      csp: 'aws',
      clusterName: 'c1',
      resourceType: 'instance',
      resourceId: 'i-1',
      maintenanceType: 'SCHEDULED',
      status: 'DETECTED',
      cspStatus: 'PENDING',
      scheduledStartTime: new Date('2025-11-22T00:00:00Z'),
      eventReceivedTimestamp: new Date('2025-11-21T00:00:00Z'),
      lastUpdatedTimestamp: new Date('2025-11-21T00:00:00Z'),
      recommendedAction: 'RESTART_VM',
      nodeName: 'gpu-node-1',
    };
    const event = decodeMaintenanceDocument(stored);
    expect(event).toMatchObject({
      eventId: 'aws-123',
      recommendedAction: 'RESTART_VM',
      scheduledStartTime: stored.scheduledStartTime,
      actualEndTime: null,
      metadata: {},
    });
    const { _id, status, ...fields } = stored;
    expect(_id).toBeDefined();
    expect(status).toBe('DETECTED');
    expect(encodeMaintenanceFields(event)).toEqual(fields);
  });

  it('writes the action NAME and a node name even when empty, reads a name or a number, keeps one it does not know', () => {
    // Go's model.MaintenanceEvent (data-models/pkg/model/maintenance_event.go:37: RecommendedAction
    // string; :39: bson "nodeName,omitemtpy", a tag the driver ignores, so '' is stored) as the
    // lambda normalizer fills it (health-monitors/csp-health-monitor/pkg/event/lambda_normalizer.go:115-133).
    const stored = {
      eventId: 'lambda-1',
      csp: 'lambda',
      clusterName: 'c1',
      resourceType: 'instance',
      resourceId: 'lambda-1',
      maintenanceType: 'UNSCHEDULED',
      cspStatus: 'PENDING',
      eventReceivedTimestamp: new Date('2026-01-02T00:00:00Z'),
      lastUpdatedTimestamp: new Date('2026-01-02T00:00:00Z'),
      recommendedAction: 'NONE',
      nodeName: '',
    };
    const event = decodeMaintenanceDocument(stored);
    expect(event).toMatchObject({ csp: 'lambda', nodeName: '', recommendedAction: 'NONE' });
    expect(encodeMaintenanceFields(event)).toEqual(stored);
    expect(encodeMaintenanceFields({ ...event, recommendedAction: 'RESTART_VM' }).recommendedAction).toBe('RESTART_VM');
    expect(decodeMaintenanceDocument({ ...stored, recommendedAction: 28 }).recommendedAction).toBe('REMEDIATE');
    const newer = decodeMaintenanceDocument({ ...stored, recommendedAction: 'DRAIN_AND_WAIT' });
    expect(newer.recommendedAction).toBe('unknown(DRAIN_AND_WAIT)');
    expect(encodeMaintenanceFields(newer).recommendedAction).toBe('DRAIN_AND_WAIT');
  });

  it('reads a numeric recommended action and refuses a document without eventId', () => {
    expect(decodeMaintenanceDocument({ eventId: 'e', recommendedAction: 15 }).recommendedAction).toBe('RESTART_VM');
    expect(() => decodeMaintenanceDocument({ name: 'x' })).toThrow(/eventId: is missing/);
  });
});
