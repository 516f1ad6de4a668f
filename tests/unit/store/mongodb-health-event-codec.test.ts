// The MongoDB codec reads and writes health events in exactly the shape NVSentinel stores them.
import { Long, ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';

import { ValidationError } from '@/lib/store/errors/validation-error';
import { toHealthEventWithStatus } from '@/lib/store/model/new-health-event';
import {
  decodeHealthEventDocument,
  encodeHealthEventDocument,
  idCandidates,
  recordIdOf,
} from '@/lib/store/providers/mongodb/health-event-codec';
import { decodeMaintenanceDocument, encodeMaintenanceFields } from '@/lib/store/providers/mongodb/maintenance-event-codec';

import { nvsentinelDocument } from './mongodb-documents';

describe('MongoDB health event codec', () => {
  it("reads a fatal XID event as NVSentinel's platform connector stored it", () => {
    const stored = nvsentinelDocument({ node: 'gpu-node-007', longSeconds: true, generatedSeconds: 1_763_700_000 });
    const event = decodeHealthEventDocument(stored);
    expect(event.recordId).toBe((stored._id as ObjectId).toHexString());
    expect(event.createdAt).toEqual(stored.createdAt);
    expect(event.healthEvent).toMatchObject({
      nodeName: 'gpu-node-007', checkName: 'SysLogsXIDError', isFatal: true, isHealthy: false,
      recommendedAction: 'RESTART_BM', processingStrategy: 'EXECUTE_REMEDIATION', errorCode: ['79'],
      entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }], generatedTimestamp: { seconds: 1_763_700_000, nanos: 125_000_000 },
      quarantineOverrides: null,
    });
    expect(event.status).toMatchObject({ nodeQuarantined: null, faultRemediated: null, userPodsEvictionStatus: { status: '', message: '' }, spanIds: {} });
  });

  it('writes what it reads: the same keys, null lists, int64 seconds and a BSON Date', () => {
    const stored = nvsentinelDocument({ node: 'gpu-node-008', longSeconds: true });
    const decoded = decodeHealthEventDocument(stored);
    const { recordId, ...event } = decoded;
    const encoded = encodeHealthEventDocument(event, new ObjectId(recordId));
    expect(encoded).toEqual(stored);
    expect(encoded.healthevent.generatedtimestamp.seconds).toBeInstanceOf(Long);
    expect(encoded.createdAt).toBeInstanceOf(Date);

    const healthy = nvsentinelDocument({ node: 'gpu-node-008', healthy: true, fatal: false, action: 0, entities: null });
    const { recordId: healthyId, ...healthyEvent } = decodeHealthEventDocument(healthy);
    expect(healthyEvent.healthEvent).toMatchObject({ errorCode: [], entitiesImpacted: [], recommendedAction: 'NONE', isHealthy: true });
    expect(encodeHealthEventDocument(healthyEvent, new ObjectId(healthyId)).healthevent).toMatchObject({ errorcode: null, entitiesimpacted: null, recommendedaction: 0 });
  });

  it('encodes a new event with NVSentinel zero values and an unprocessed status', () => {
    const event = toHealthEventWithStatus({ nodeName: 'n1', agent: 'a', checkName: 'GpuMemWatch' }, 'event', new Date('2025-11-21T04:00:00.250Z'));
    const document = encodeHealthEventDocument(event, new ObjectId());
    expect(document.healthevent).toMatchObject({
      isfatal: false, ishealthy: false, recommendedaction: 0, processingstrategy: 0, errorcode: null, metadata: null,
      generatedtimestamp: { seconds: Long.fromNumber(1_763_697_600), nanos: 250_000_000 }, componentclass: 'GPU',
    });
    expect(document.healtheventstatus).toEqual({ nodequarantined: null, userpodsevictionstatus: { status: '' }, faultremediated: null });
  });

  it('reads faultremediated as {value} and as the plain bool of old documents', () => {
    const asValue = nvsentinelDocument({ node: 'n', status: { faultremediated: { value: false }, nodequarantined: 'Quarantined' } });
    const asBool = nvsentinelDocument({ node: 'n', status: { faultremediated: true } });
    expect(decodeHealthEventDocument(asValue).status).toMatchObject({ faultRemediated: false, nodeQuarantined: 'Quarantined' });
    expect(decodeHealthEventDocument(asBool).status.faultRemediated).toBe(true);
    const { recordId, ...event } = decodeHealthEventDocument(asBool);
    expect(encodeHealthEventDocument(event, new ObjectId(recordId)).healtheventstatus.faultremediated).toEqual({ value: true });
  });

  it('reads documents whose arrays, maps and status are missing altogether', () => {
    const document = nvsentinelDocument({ node: 'n' });
    delete document.healthevent.errorcode;
    delete document.healthevent.entitiesimpacted;
    delete document.healthevent.metadata;
    delete document.healthevent.recommendedaction;
    delete document.healtheventstatus;
    const event = decodeHealthEventDocument(document);
    expect(event.healthEvent).toMatchObject({ errorCode: [], entitiesImpacted: [], metadata: {}, recommendedAction: 'NONE' });
    expect(event.status).toMatchObject({ nodeQuarantined: null, faultRemediated: null, userPodsEvictionStatus: { status: '' } });
  });

  it('accepts camelCase keys and enum names from other writers', () => {
    const document = nvsentinelDocument({ node: 'n' });
    const { nodename, recommendedaction, ...rest } = document.healthevent;
    document.healthevent = { ...rest, nodeName: nodename, recommendedAction: recommendedaction === 24 ? 'RESTART_BM' : recommendedaction };
    expect(decodeHealthEventDocument(document).healthEvent).toMatchObject({ nodeName: 'n', recommendedAction: 'RESTART_BM' });
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
    expect(read({ _id: new ObjectId(), createdAt: new Date(), name: 'not an event' })).toMatch(/^healthevent: is missing/);
    expect(read({ ...nvsentinelDocument({ node: 'n' }), createdAt: 'yesterday' })).toMatch(/^createdAt: must be a date/);
    const badAction = nvsentinelDocument({ node: 'n', action: 7 });
    expect(read(badAction)).toBe('healthevent.recommendedaction: unknown value 7');
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

describe('MongoDB maintenance event codec', () => {
  it("round-trips the csp-health-monitor's camelCase document with BSON dates", () => {
    const stored = {
      _id: new ObjectId(), eventId: 'aws-123', csp: 'aws', clusterName: 'c1', resourceType: 'instance', resourceId: 'i-1',
      maintenanceType: 'SCHEDULED', status: 'DETECTED', cspStatus: 'PENDING', scheduledStartTime: new Date('2025-11-22T00:00:00Z'),
      eventReceivedTimestamp: new Date('2025-11-21T00:00:00Z'), lastUpdatedTimestamp: new Date('2025-11-21T00:00:00Z'),
      recommendedAction: 'RESTART_VM', nodeName: 'gpu-node-1',
    };
    const event = decodeMaintenanceDocument(stored);
    expect(event).toMatchObject({ eventId: 'aws-123', recommendedAction: 'RESTART_VM', scheduledStartTime: stored.scheduledStartTime, actualEndTime: null, metadata: {} });
    const { _id, status, ...fields } = stored;
    expect(_id).toBeDefined();
    expect(status).toBe('DETECTED');
    expect(encodeMaintenanceFields(event)).toEqual(fields);
  });

  it('reads a numeric recommended action and refuses a document without eventId', () => {
    expect(decodeMaintenanceDocument({ eventId: 'e', recommendedAction: 15 }).recommendedAction).toBe('RESTART_VM');
    expect(() => decodeMaintenanceDocument({ name: 'x' })).toThrow(/eventId: is missing/);
  });
});
