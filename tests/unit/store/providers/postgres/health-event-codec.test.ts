// The PostgreSQL codec reads and writes documents in exactly the shape NVSentinel's Go writers store.
import { describe, expect, it } from 'vitest';

import { unknownEnumCounts } from '@/lib/store';
import { ValidationError } from '@/lib/store/errors/validation-error';
import { toHealthEventWithStatus } from '@/lib/store/model/new-health-event';
import {
  decodeRow,
  encodeDocument,
  formatRfc3339Nano,
  insertColumns,
} from '@/lib/store/providers/postgres/health-event-codec';
import {
  decodeMaintenanceDocument,
  encodeMaintenanceDocument,
} from '@/lib/store/providers/postgres/maintenance-event-codec';

import {
  cancellationDocument,
  healthyDocument,
  maintenanceDocument,
  newerNvsentinelDocument,
  xidFatalDocument,
} from '../../../../fixtures/nvsentinel/documents';

function roundTrip(document: object) {
  const decoded = decodeRow({ id: '0b7c6f9e-0000-4000-8000-000000000001', document });
  return { decoded, encoded: encodeDocument(decoded) };
}

describe('PostgreSQL health event codec', () => {
  it('round-trips a fatal XID event exactly as NVSentinel stored it', () => {
    const document = xidFatalDocument('gpu-node-007');
    const { decoded, encoded } = roundTrip(document);
    expect(encoded).toEqual(document);
    expect(decoded.healthEvent).toMatchObject({
      nodeName: 'gpu-node-007',
      checkName: 'SysLogsXIDError',
      isFatal: true,
      isHealthy: false,
      recommendedAction: 'RESTART_BM',
      processingStrategy: 'EXECUTE_REMEDIATION',
      errorCode: ['79'],
      entitiesImpacted: [
        { entityType: 'GPU', entityValue: '3' },
        { entityType: 'PCI', entityValue: '0000:3b:00.0' },
      ],
      generatedTimestamp: { seconds: 1_763_700_000, nanos: 125_000_000 },
    });
    expect(decoded.status.nodeQuarantined).toBeNull();
    expect(decoded.status.spanIds).toEqual({ 'platform-connector': '00f067aa0ba902b7' });
  });

  it('round-trips a recovery event whose zero values NVSentinel omitted', () => {
    const document = healthyDocument('gpu-node-008');
    const { decoded, encoded } = roundTrip(document);
    expect(encoded).toEqual(document);
    expect(decoded.healthEvent.isFatal).toBe(false);
    expect(decoded.healthEvent.recommendedAction).toBe('NONE');
    expect(decoded.healthEvent.processingStrategy).toBe('UNSPECIFIED');
    expect(decoded.healthEvent.generatedTimestamp).toEqual({ seconds: 1_763_700_600, nanos: 0 });
  });

  it('round-trips a fully processed event: quarantined, drained, remediated', () => {
    const document = xidFatalDocument('gpu-node-009');
    document.healtheventstatus = {
      nodequarantined: 'Quarantined',
      quarantinefinishtimestamp: { seconds: 1_763_700_010, nanos: 5 },
      userpodsevictionstatus: { status: 'Succeeded' },
      drainfinishtimestamp: { seconds: 1_763_700_090 },
      faultremediated: { value: true },
      lastremediationtimestamp: { seconds: 1_763_700_300 },
      spanids: { 'platform-connector': 'a', 'fault-quarantine': 'b', 'node-drainer': 'c' },
    };
    const { decoded, encoded } = roundTrip(document);
    expect(encoded).toEqual(document);
    expect(decoded.status).toMatchObject({
      nodeQuarantined: 'Quarantined',
      userPodsEvictionStatus: { status: 'Succeeded', message: '' },
      faultRemediated: true,
      drainFinishTimestamp: { seconds: 1_763_700_090, nanos: 0 },
    });
  });

  it('reads lowercase (MongoDB-era) keys, enum names, string timestamps and a plain-bool faultremediated', () => {
    const decoded = decodeRow({
      id: 'x',
      document: {
        createdAt: '2025-11-21T05:20:00Z',
        healthevent: {
          nodename: 'gpu-node-010',
          checkname: 'GpuPcieWatch',
          isfatal: true,
          recommendedaction: 'COMPONENT_RESET',
          generatedtimestamp: '2025-11-21T05:19:59.5Z',
          entitiesimpacted: [{ entitytype: 'GPU', entityvalue: '1' }],
        },
        healtheventstatus: { nodequarantined: 'AlreadyQuarantined', faultremediated: false },
      },
    });
    expect(decoded.healthEvent).toMatchObject({
      nodeName: 'gpu-node-010',
      checkName: 'GpuPcieWatch',
      isFatal: true,
      recommendedAction: 'COMPONENT_RESET',
      generatedTimestamp: { seconds: 1_763_702_399, nanos: 500_000_000 },
      entitiesImpacted: [{ entityType: 'GPU', entityValue: '1' }],
    });
    expect(decoded.status.nodeQuarantined).toBe('AlreadyQuarantined');
    expect(decoded.status.faultRemediated).toBe(false);
    expect(decoded.createdAt.toISOString()).toBe('2025-11-21T05:20:00.000Z');
  });

  it('names the field of a recommended action that is no enum value at all', () => {
    const document = xidFatalDocument('gpu-node-011');
    document.healthevent.recommendedAction = { value: 7 };
    expect(() => decodeRow({ id: 'x', document })).toThrow(ValidationError);
    expect(() => decodeRow({ id: 'x', document })).toThrow(/^healthevent\.recommendedAction: is not an enum value/);
  });

  it("formats createdAt the way Go's RFC3339Nano does", () => {
    expect(formatRfc3339Nano(new Date('2025-11-21T05:20:00.250Z'))).toBe('2025-11-21T05:20:00.25Z');
    expect(formatRfc3339Nano(new Date('2025-11-21T05:20:00.000Z'))).toBe('2025-11-21T05:20:00Z');
  });

  it('encodes a new event the way the platform connector would', () => {
    const event = toHealthEventWithStatus({
      nodeName: 'gpu-node-012',
      agent: 'gpu-health-monitor',
      checkName: 'GpuMemWatch',
      isFatal: true,
      recommendedAction: 'COMPONENT_RESET',
      generatedTimestamp: { seconds: 1_763_700_000, nanos: 0 },
      createdAt: new Date('2025-11-21T05:20:00Z'),
    });
    expect(encodeDocument(event)).toEqual({
      createdAt: '2025-11-21T05:20:00Z',
      healthevent: {
        version: 1,
        agent: 'gpu-health-monitor',
        componentClass: 'GPU',
        checkName: 'GpuMemWatch',
        isFatal: true,
        recommendedAction: 2,
        generatedTimestamp: { seconds: 1_763_700_000 },
        nodeName: 'gpu-node-012',
      },
      healtheventstatus: { nodequarantined: null, userpodsevictionstatus: { status: '' }, faultremediated: null },
    });
  });
});

describe('PostgreSQL health event codec: what newer NVSentinel stores', () => {
  const countOf = (field: string, value: string) =>
    unknownEnumCounts().find((entry) => entry.field === field && entry.value === value)?.count ?? 0;

  it('keeps metadata keys byte for byte both ways; only struct field names fold', () => {
    const document = newerNvsentinelDocument('gpu-node-020');
    document.healthevent.metadata = {
      trace_id: 't',
      creator_id: 'ops',
      idempotencyKey: 'gpu-node-020/batch-41/0',
      providerLastUpdated: '2026-01-02T03:04:05Z',
      'nvsentinel.nvidia.com/cancel-source-error-code': '162',
    };
    const { decoded, encoded } = roundTrip(document);
    expect(decoded.healthEvent.metadata).toEqual(document.healthevent.metadata);
    expect(encoded).toEqual(document);
    // A MongoDB-era document (lowercase struct fields) still reads, its metadata keys untouched.
    const lower = decodeRow({
      id: 'x',
      document: {
        createdAt: '2026-01-02T00:00:00Z',
        healthevent: { nodename: 'n', metadata: { idempotencyKey: 'k' } },
        healtheventstatus: {},
      },
    });
    expect(lower.healthEvent).toMatchObject({ nodeName: 'n', metadata: { idempotencyKey: 'k' } });
  });

  it('reads a value it does not know as unknown(<raw>), counts it, and writes the raw value back', () => {
    const before = {
      action: countOf('recommendedAction', '31'),
      quarantine: countOf('nodeQuarantined', 'SkippedByProfile'),
      eviction: countOf('userPodsEvictionStatus', 'Skipped'),
    };
    const document = newerNvsentinelDocument('gpu-node-021', {
      recommendedAction: 31,
      nodequarantined: 'SkippedByProfile',
      eviction: 'Skipped',
    });
    const { decoded, encoded } = roundTrip(document);
    expect(decoded.healthEvent).toMatchObject({
      recommendedAction: 'unknown(31)',
      nodeName: 'gpu-node-021',
      errorCode: ['79'],
    });
    expect(decoded.status).toMatchObject({
      nodeQuarantined: 'unknown(SkippedByProfile)',
      userPodsEvictionStatus: { status: 'unknown(Skipped)' },
    });
    expect(encoded).toEqual(document);
    // The column as Go's RecommendedAction.String() fills it for a number its proto lacks
    // (store-client/pkg/datastore/providers/postgresql/health_events.go:121).
    expect(insertColumns(decoded).recommendedAction).toBe('31');
    expect([
      countOf('recommendedAction', '31'),
      countOf('nodeQuarantined', 'SkippedByProfile'),
      countOf('userPodsEvictionStatus', 'Skipped'),
    ]).toEqual([before.action + 1, before.quarantine + 1, before.eviction + 1]);
  });

  it('knows REMEDIATE = 28 of the newer proto', () => {
    const { decoded, encoded } = roundTrip(newerNvsentinelDocument('gpu-node-022', { recommendedAction: 28 }));
    expect(decoded.healthEvent.recommendedAction).toBe('REMEDIATE');
    expect((encoded.healthevent as Record<string, unknown>).recommendedAction).toBe(28);
    expect(insertColumns(decoded).recommendedAction).toBe('REMEDIATE');
  });

  it('reads faultquarantinerecovery and the syslog cancellation event, and writes both back unchanged', () => {
    const recovered = roundTrip(newerNvsentinelDocument('gpu-node-023'));
    expect(recovered.decoded.status.faultQuarantineRecovery).toBe('completed');
    expect(recovered.decoded.healthEvent.metadata.idempotencyKey).toBe('gpu-node-023/batch-41/0');
    expect(recovered.encoded).toEqual(newerNvsentinelDocument('gpu-node-023'));
    const cancellation = roundTrip(cancellationDocument('gpu-node-023'));
    expect(cancellation.decoded.healthEvent).toMatchObject({
      isHealthy: true,
      errorCode: ['163'],
      metadata: { 'nvsentinel.nvidia.com/cancel-source-error-code': '162' },
    });
    expect(cancellation.encoded).toEqual(cancellationDocument('gpu-node-023'));
  });
});

describe('PostgreSQL maintenance event codec', () => {
  const go = maintenanceDocument({
    eventId: 'lambda-1',
    csp: 'lambda',
    clusterName: 'c1',
    nodeName: '',
    status: 'DETECTED',
    cspStatus: 'PENDING',
  });

  it("writes the action NAME, leaves out an empty node name, and round-trips Go's document", () => {
    // data-models/pkg/model/maintenance_event.go:37 (a string) and :39 (json omitempty).
    const event = decodeMaintenanceDocument(go);
    expect(event).toMatchObject({ csp: 'lambda', nodeName: '', recommendedAction: 'NONE' });
    expect(encodeMaintenanceDocument(event)).toEqual(go);
    const restart = encodeMaintenanceDocument({ ...event, nodeName: 'gpu-node-1', recommendedAction: 'RESTART_VM' });
    expect(restart).toMatchObject({ recommendedAction: 'RESTART_VM', nodeName: 'gpu-node-1' });
  });

  it('reads a number (as this SDK once wrote) or a name, and keeps one it does not know', () => {
    expect(decodeMaintenanceDocument({ ...go, recommendedAction: 15 }).recommendedAction).toBe('RESTART_VM');
    expect(decodeMaintenanceDocument({ ...go, recommendedAction: 28 }).recommendedAction).toBe('REMEDIATE');
    const newer = decodeMaintenanceDocument({ ...go, recommendedAction: 'DRAIN_AND_WAIT' });
    expect(newer.recommendedAction).toBe('unknown(DRAIN_AND_WAIT)');
    expect(encodeMaintenanceDocument(newer)).toEqual({ ...go, recommendedAction: 'DRAIN_AND_WAIT' });
  });
});

describe('new health event validation', () => {
  const valid = { nodeName: 'gpu-node-1', agent: 'gpu-health-monitor', checkName: 'GpuMemWatch' };
  const refusal = (input: unknown) => {
    try {
      toHealthEventWithStatus(input, 'events[2]');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('names the field of every refusal', () => {
    expect(refusal({ ...valid, nodeName: '' })).toBe('events[2].nodeName: must not be empty');
    expect(refusal({ ...valid, nodeName: 'n'.repeat(254) })).toBe('events[2].nodeName: must be at most 253 characters');
    expect(refusal({ ...valid, recommendedAction: 'REBOOT' })).toMatch(
      /^events\[2\]\.recommendedAction: must be one of NONE, COMPONENT_RESET/,
    );
    expect(refusal({ ...valid, isFatal: 'yes' })).toMatch(/^events\[2\]\.isFatal: .*expected boolean/);
    expect(refusal({ ...valid, entitiesImpacted: [{ entityType: 'GPU', entityValue: 3 }] })).toMatch(
      /^events\[2\]\.entitiesImpacted\[0\]\.entityValue: /,
    );
    expect(refusal({ ...valid, colour: 'red' })).toBe('events[2]: unknown field colour');
    expect(refusal(null)).toMatch(/^events\[2\]: .*expected object/);
  });
});
