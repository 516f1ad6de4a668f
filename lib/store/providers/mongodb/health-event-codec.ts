// Translation between the model and NVSentinel's MongoDB shape of a health event.
//
// NVSentinel's platform connector stores `HealthEventWithStatus` with the Go driver's default
// naming, so (docs/nvsentinel-data-model.md §3):
//   - every key below the top level is lowercase (`healthevent.nodename`, `healthevent.isfatal`);
//   - zero values are present, not omitted; nil slices, maps and pointers are null;
//   - enums are int32, timestamps `{seconds: int64, nanos: int32}`, `createdAt` a BSON Date;
//   - `_id` is an ObjectId the driver generated;
//   - `healtheventstatus.faultremediated` is null, `{value: bool}`, or a plain bool in old documents;
//   - the status is the proto HealthEventStatus as inserted (platform-connectors/pkg/connectors/
//     store/store_connector.go:216-225): nodequarantined "" (a Go string, never null), every
//     pointer null, userpodsevictionstatus {status: "", message: ""}.
// Reading folds the case of struct field names and accepts enum names too, so documents from
// other writers still read; map keys (`metadata`, `spanids`) are data and keep their case. An
// enum value this SDK does not know reads as `unknown(<raw>)` and is written back as the raw
// value. A document in a shape it cannot read raises ValidationError naming the field.
import { Long, ObjectId, type Document } from 'mongodb';

import { ValidationError } from '../../errors/validation-error';
import {
  decodeRecommendedAction,
  decodeStatusText,
  enumName,
  EVICTION_STATUSES,
  PROCESSING_STRATEGIES,
  QUARANTINE_STATUSES,
  RECOMMENDED_ACTIONS,
  type ProcessingStrategy,
  type RecommendedAction,
} from '../../model/enums';
import type {
  BehaviourOverrides,
  HealthEvent,
  HealthEventStatus,
  HealthEventWithStatus,
} from '../../model/health-event';
import type { Timestamp } from '../../model/timestamp';
import { isUnknownEnum, unknownRaw, unknownRawNumber } from '../../model/unknown-enum';

// ---------- record ids ----------

const OBJECT_ID = /^[0-9a-f]{24}$/i;

/** The model's recordId of a stored `_id`: ObjectId as hex, strings as they are. */
export function recordIdOf(id: unknown): string {
  if (id instanceof ObjectId) return id.toHexString();
  if (typeof id === 'string') return id;
  if (typeof id === 'number') return String(id);
  return JSON.stringify(id) ?? '';
}

/** Every `_id` value a recordId may stand for (NVSentinel's ObjectIds, or string ids). */
export function idCandidates(recordId: unknown): (ObjectId | string)[] {
  if (typeof recordId !== 'string' || recordId === '' || recordId.length > 200) {
    throw new ValidationError('recordId', `must be a record id (got ${JSON.stringify(recordId)?.slice(0, 60)})`);
  }
  return OBJECT_ID.test(recordId) ? [new ObjectId(recordId), recordId] : [recordId];
}

/** The `_id` value a recordId sorts as (for keyset paging). */
export function idValue(recordId: string): ObjectId | string {
  return idCandidates(recordId)[0];
}

// ---------- encoding ----------

export function encodeTimestamp(timestamp: Timestamp): Document {
  return { seconds: Long.fromNumber(timestamp.seconds), nanos: timestamp.nanos };
}

const encodeOverrides = (overrides: BehaviourOverrides | null) =>
  overrides ? { force: overrides.force, skip: overrides.skip } : null;

/** The stored int32 of a recommended action; an unknown one as the raw value it was read as. */
const actionValue = (action: RecommendedAction) =>
  isUnknownEnum(action) ? unknownRawNumber(action) : RECOMMENDED_ACTIONS[action];

/** A status text as stored: an unknown value as the raw text it was read as. */
const statusText = (value: string) => unknownRaw(value) ?? value;

/** `healthevent` as NVSentinel's Go writer stores it in MongoDB. */
export function encodeHealthEvent(event: HealthEvent): Document {
  return {
    version: event.version,
    agent: event.agent,
    componentclass: event.componentClass,
    checkname: event.checkName,
    isfatal: event.isFatal,
    ishealthy: event.isHealthy,
    message: event.message,
    recommendedaction: actionValue(event.recommendedAction),
    errorcode: event.errorCode.length > 0 ? [...event.errorCode] : null,
    entitiesimpacted:
      event.entitiesImpacted.length > 0
        ? event.entitiesImpacted.map((entity) => ({ entitytype: entity.entityType, entityvalue: entity.entityValue }))
        : null,
    metadata: Object.keys(event.metadata).length > 0 ? { ...event.metadata } : null,
    generatedtimestamp: event.generatedTimestamp && encodeTimestamp(event.generatedTimestamp),
    nodename: event.nodeName,
    quarantineoverrides: encodeOverrides(event.quarantineOverrides),
    drainoverrides: encodeOverrides(event.drainOverrides),
    processingstrategy: PROCESSING_STRATEGIES[event.processingStrategy],
    id: event.id,
    customrecommendedaction: event.customRecommendedAction,
  };
}

/**
 * `healtheventstatus` as the Go driver encodes the proto HealthEventStatus: every field present in
 * proto order, nil pointers and maps null, nodequarantined a string ("" until processed).
 */
export function encodeStatus(status: HealthEventStatus): Document {
  const timestamp = (value: Timestamp | null) => (value ? encodeTimestamp(value) : null);
  const out: Document = {
    nodequarantined: statusText(status.nodeQuarantined ?? ''),
    quarantinefinishtimestamp: timestamp(status.quarantineFinishTimestamp),
    userpodsevictionstatus: {
      status: statusText(status.userPodsEvictionStatus.status),
      message: status.userPodsEvictionStatus.message,
    },
    drainfinishtimestamp: timestamp(status.drainFinishTimestamp),
    faultremediated: status.faultRemediated === null ? null : { value: status.faultRemediated },
    lastremediationtimestamp: timestamp(status.lastRemediationTimestamp),
    spanids: Object.keys(status.spanIds).length > 0 ? { ...status.spanIds } : null,
  };
  if (status.faultQuarantineRecovery) out.faultquarantinerecovery = status.faultQuarantineRecovery;
  return out;
}

export function encodeHealthEventDocument(event: Omit<HealthEventWithStatus, 'recordId'>, id: ObjectId): Document {
  return {
    _id: id,
    createdAt: event.createdAt,
    healthevent: encodeHealthEvent(event.healthEvent),
    healtheventstatus: encodeStatus(event.status),
  };
}

// ---------- decoding ----------

type Folded = Map<string, unknown>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !('_bsontype' in value)
  );
}

function folded(value: unknown, field: string): Folded {
  const map = new Map<string, unknown>();
  if (value === null || value === undefined) return map;
  if (!isPlainObject(value)) throw new ValidationError(field, `must be a document (got ${describeValue(value)})`);
  for (const [key, item] of Object.entries(value)) map.set(key.toLowerCase(), item);
  return map;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (value && typeof value === 'object' && '_bsontype' in value)
    return `a BSON ${(value as { _bsontype: string })._bsontype}`;
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

/** int32, int64 (Long, when not promoted), double; null when absent. */
function numberOf(value: unknown, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Long) return value.toNumber();
  if (
    value &&
    typeof value === 'object' &&
    '_bsontype' in value &&
    typeof (value as { valueOf(): unknown }).valueOf() === 'number'
  ) {
    return (value as { valueOf(): number }).valueOf();
  }
  throw new ValidationError(field, `must be a number (got ${describeValue(value)})`);
}

function text(value: unknown, field: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ValidationError(field, `must be a string (got ${describeValue(value)})`);
}

function bool(value: unknown, field: string): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  throw new ValidationError(field, `must be true or false (got ${describeValue(value)})`);
}

function list(value: unknown, field: string): unknown[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new ValidationError(field, `must be an array (got ${describeValue(value)})`);
  return value;
}

/** A stored map<string, string> (metadata, spanids): its keys are data, kept exactly as stored. */
function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) throw new ValidationError(field, `must be a document (got ${describeValue(value)})`);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, text(item, `${field}.${key}`)]));
}

export function decodeTimestamp(value: unknown, field: string): Timestamp | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date)
    return { seconds: Math.floor(value.getTime() / 1000), nanos: (value.getTime() % 1000) * 1e6 };
  const parts = folded(value, field);
  return {
    seconds: numberOf(parts.get('seconds'), `${field}.seconds`) ?? 0,
    nanos: numberOf(parts.get('nanos'), `${field}.nanos`) ?? 0,
  };
}

function decodeEnum<T extends Record<string, number>>(values: T, raw: unknown, field: string): keyof T {
  if (raw === undefined || raw === null) return enumName(values, 0)!;
  if (typeof raw === 'string' && Object.hasOwn(values, raw)) return raw as keyof T;
  const number = typeof raw === 'string' ? undefined : numberOf(raw, field);
  const name = number === undefined || number === null ? undefined : enumName(values, number);
  if (name === undefined) throw new ValidationError(field, `unknown value ${JSON.stringify(raw)}`);
  return name;
}

/** The stored recommended action as a number (int32, int64, double) or a name. */
function actionRaw(value: unknown): number | string | null {
  return typeof value === 'string' ? value : numberOf(value, 'healthevent.recommendedaction');
}

function decodeOverrides(value: unknown, field: string): BehaviourOverrides | null {
  if (value === null || value === undefined) return null;
  const parts = folded(value, field);
  return { force: bool(parts.get('force'), `${field}.force`), skip: bool(parts.get('skip'), `${field}.skip`) };
}

export function decodeHealthEvent(value: unknown): HealthEvent {
  if (value === null || value === undefined)
    throw new ValidationError('healthevent', 'is missing (is this a collection of NVSentinel health events?)');
  const e = folded(value, 'healthevent');
  return {
    version: numberOf(e.get('version'), 'healthevent.version') ?? 0,
    agent: text(e.get('agent'), 'healthevent.agent'),
    componentClass: text(e.get('componentclass'), 'healthevent.componentclass'),
    checkName: text(e.get('checkname'), 'healthevent.checkname'),
    isFatal: bool(e.get('isfatal'), 'healthevent.isfatal'),
    isHealthy: bool(e.get('ishealthy'), 'healthevent.ishealthy'),
    message: text(e.get('message'), 'healthevent.message'),
    recommendedAction: decodeRecommendedAction(actionRaw(e.get('recommendedaction')), 'recommendedAction'),
    errorCode: list(e.get('errorcode'), 'healthevent.errorcode').map((code, index) =>
      text(code, `healthevent.errorcode[${index}]`),
    ),
    entitiesImpacted: list(e.get('entitiesimpacted'), 'healthevent.entitiesimpacted').map((entity, index) => {
      const field = `healthevent.entitiesimpacted[${index}]`;
      const parts = folded(entity, field);
      return {
        entityType: text(parts.get('entitytype'), `${field}.entitytype`),
        entityValue: text(parts.get('entityvalue'), `${field}.entityvalue`),
      };
    }),
    metadata: stringMap(e.get('metadata'), 'healthevent.metadata'),
    generatedTimestamp: decodeTimestamp(e.get('generatedtimestamp'), 'healthevent.generatedtimestamp'),
    nodeName: text(e.get('nodename'), 'healthevent.nodename'),
    quarantineOverrides: decodeOverrides(e.get('quarantineoverrides'), 'healthevent.quarantineoverrides'),
    drainOverrides: decodeOverrides(e.get('drainoverrides'), 'healthevent.drainoverrides'),
    processingStrategy: decodeEnum(
      PROCESSING_STRATEGIES,
      e.get('processingstrategy'),
      'healthevent.processingstrategy',
    ) as ProcessingStrategy,
    id: text(e.get('id'), 'healthevent.id'),
    customRecommendedAction: text(e.get('customrecommendedaction'), 'healthevent.customrecommendedaction'),
  };
}

function decodeRemediated(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (isPlainObject(value)) {
    const inner = folded(value, 'healtheventstatus.faultremediated').get('value');
    return typeof inner === 'boolean' ? inner : null;
  }
  if (value === null || value === undefined) return null;
  throw new ValidationError(
    'healtheventstatus.faultremediated',
    `must be null, a bool or {value: bool} (got ${describeValue(value)})`,
  );
}

export function decodeStatus(value: unknown): HealthEventStatus {
  const s = folded(value, 'healtheventstatus');
  const eviction = folded(s.get('userpodsevictionstatus'), 'healtheventstatus.userpodsevictionstatus');
  const quarantined = s.get('nodequarantined');
  return {
    // "" is how NVSentinel's insert says "not processed yet" here (a Go string cannot be null):
    // the model's null, as on PostgreSQL.
    nodeQuarantined:
      quarantined === undefined || quarantined === null || quarantined === ''
        ? null
        : decodeStatusText(
            QUARANTINE_STATUSES,
            text(quarantined, 'healtheventstatus.nodequarantined'),
            'nodeQuarantined',
          ),
    quarantineFinishTimestamp: decodeTimestamp(
      s.get('quarantinefinishtimestamp'),
      'healtheventstatus.quarantinefinishtimestamp',
    ),
    userPodsEvictionStatus: {
      status: decodeStatusText(
        EVICTION_STATUSES,
        text(eviction.get('status'), 'healtheventstatus.userpodsevictionstatus.status'),
        'userPodsEvictionStatus',
      ),
      message: text(eviction.get('message'), 'healtheventstatus.userpodsevictionstatus.message'),
    },
    drainFinishTimestamp: decodeTimestamp(s.get('drainfinishtimestamp'), 'healtheventstatus.drainfinishtimestamp'),
    faultRemediated: decodeRemediated(s.get('faultremediated')),
    lastRemediationTimestamp: decodeTimestamp(
      s.get('lastremediationtimestamp'),
      'healtheventstatus.lastremediationtimestamp',
    ),
    spanIds: stringMap(s.get('spanids'), 'healtheventstatus.spanids'),
    faultQuarantineRecovery: text(s.get('faultquarantinerecovery'), 'healtheventstatus.faultquarantinerecovery'),
  };
}

function decodeCreatedAt(value: unknown): Date {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) {
    throw new ValidationError(
      'createdAt',
      value === undefined || value === null ? 'is missing' : `must be a date (got ${describeValue(value)})`,
    );
  }
  return date;
}

/** A stored document to the model; throws ValidationError naming the field it cannot read. */
export function decodeHealthEventDocument(document: unknown): HealthEventWithStatus {
  if (!isPlainObject(document))
    throw new ValidationError('document', `must be a document (got ${describeValue(document)})`);
  const top = folded(document, 'document');
  return {
    recordId: recordIdOf(document._id),
    createdAt: decodeCreatedAt(top.get('createdat')),
    healthEvent: decodeHealthEvent(top.get('healthevent')),
    status: decodeStatus(top.get('healtheventstatus')),
  };
}
