// Translation between the model and NVSentinel's PostgreSQL shape of a health event.
//
// `document` is what NVSentinel's Go writers store: Go encoding/json of HealthEventWithStatus, so
//   - `healthevent` keys are camelCase, every zero value omitted (false, 0, "", empty list/map),
//     enums are numbers, timestamps {seconds, nanos} with zero parts omitted;
//   - `healtheventstatus` keys are lowercase; nodequarantined and faultremediated are always
//     present (null until processed), faultremediated is {value: bool};
//   - `createdAt` is an RFC3339 string with trailing zeros of the fraction trimmed.
// Reading is lenient where NVSentinel's own history is: struct field names in any case
// (MongoDB-era documents use lowercase), enums as numbers or names, faultremediated as {value} or
// a plain bool. Map keys are data, never folded: `metadata` and `spanids` keep their keys byte for
// byte (`idempotencyKey`, `nvsentinel.nvidia.com/cancel-source-error-code`). An enum value this SDK
// does not know reads as `unknown(<raw>)` and is written back as the raw value.
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

type Json = Record<string, unknown>;

/** Go's time.RFC3339Nano: fraction without trailing zeros, none at all when zero. */
export function formatRfc3339Nano(date: Date): string {
  return date.toISOString().replace(/\.(\d*?)0+Z$/, (_, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

export function encodeTimestamp(timestamp: Timestamp): Json {
  const out: Json = {};
  if (timestamp.seconds) out.seconds = timestamp.seconds;
  if (timestamp.nanos) out.nanos = timestamp.nanos;
  return out;
}

function encodeOverrides(overrides: BehaviourOverrides): Json {
  const out: Json = {};
  if (overrides.force) out.force = true;
  if (overrides.skip) out.skip = true;
  return out;
}

/** The stored number of a recommended action; an unknown one as the raw value it was read as. */
export function recommendedActionValue(action: RecommendedAction): number | string {
  return isUnknownEnum(action) ? unknownRawNumber(action) : RECOMMENDED_ACTIONS[action];
}

/**
 * The `recommended_action` column: the enum NAME, as Go's RecommendedAction.String() gives it
 * (store-client/pkg/datastore/providers/postgresql/health_events.go:121), which for a number the
 * proto does not define is the number itself ("28").
 */
export function recommendedActionColumn(action: RecommendedAction): string {
  return isUnknownEnum(action) ? unknownRaw(action)! : action;
}

/** `healthevent` as NVSentinel's Go writer stores it in PostgreSQL. */
export function encodeHealthEvent(event: HealthEvent): Json {
  const out: Json = {};
  const put = (key: string, value: unknown, present: boolean) => {
    if (present) out[key] = value;
  };
  put('version', event.version, event.version !== 0);
  put('agent', event.agent, event.agent !== '');
  put('componentClass', event.componentClass, event.componentClass !== '');
  put('checkName', event.checkName, event.checkName !== '');
  put('isFatal', true, event.isFatal);
  put('isHealthy', true, event.isHealthy);
  put('message', event.message, event.message !== '');
  put(
    'recommendedAction',
    recommendedActionValue(event.recommendedAction),
    recommendedActionValue(event.recommendedAction) !== 0,
  );
  put('errorCode', event.errorCode, event.errorCode.length > 0);
  put(
    'entitiesImpacted',
    event.entitiesImpacted.map((entity) => {
      const e: Json = {};
      if (entity.entityType) e.entityType = entity.entityType;
      if (entity.entityValue) e.entityValue = entity.entityValue;
      return e;
    }),
    event.entitiesImpacted.length > 0,
  );
  put('metadata', event.metadata, Object.keys(event.metadata).length > 0);
  put(
    'generatedTimestamp',
    event.generatedTimestamp && encodeTimestamp(event.generatedTimestamp),
    event.generatedTimestamp !== null,
  );
  put('nodeName', event.nodeName, event.nodeName !== '');
  put(
    'quarantineOverrides',
    event.quarantineOverrides && encodeOverrides(event.quarantineOverrides),
    event.quarantineOverrides !== null,
  );
  put('drainOverrides', event.drainOverrides && encodeOverrides(event.drainOverrides), event.drainOverrides !== null);
  put(
    'processingStrategy',
    PROCESSING_STRATEGIES[event.processingStrategy],
    PROCESSING_STRATEGIES[event.processingStrategy] !== 0,
  );
  put('id', event.id, event.id !== '');
  put('customRecommendedAction', event.customRecommendedAction, event.customRecommendedAction !== '');
  return out;
}

export function encodeStatus(status: HealthEventStatus): Json {
  const out: Json = { nodequarantined: status.nodeQuarantined === null ? null : statusText(status.nodeQuarantined) };
  if (status.quarantineFinishTimestamp)
    out.quarantinefinishtimestamp = encodeTimestamp(status.quarantineFinishTimestamp);
  const eviction: Json = { status: statusText(status.userPodsEvictionStatus.status) };
  if (status.userPodsEvictionStatus.message) eviction.message = status.userPodsEvictionStatus.message;
  out.userpodsevictionstatus = eviction;
  if (status.drainFinishTimestamp) out.drainfinishtimestamp = encodeTimestamp(status.drainFinishTimestamp);
  out.faultremediated = status.faultRemediated === null ? null : { value: status.faultRemediated };
  if (status.lastRemediationTimestamp) out.lastremediationtimestamp = encodeTimestamp(status.lastRemediationTimestamp);
  if (Object.keys(status.spanIds).length > 0) out.spanids = status.spanIds;
  if (status.faultQuarantineRecovery) out.faultquarantinerecovery = status.faultQuarantineRecovery;
  return out;
}

export function encodeDocument(event: Omit<HealthEventWithStatus, 'recordId'>): Json {
  return {
    createdAt: formatRfc3339Nano(event.createdAt),
    healthevent: encodeHealthEvent(event.healthEvent),
    healtheventstatus: encodeStatus(event.status),
  };
}

/** A status text as stored: an unknown value as the raw text it was read as. */
const statusText = (value: string) => unknownRaw(value) ?? value;

/** The denormalised columns NVSentinel's insert fills (eviction status NULL, message ''). */
export function insertColumns(event: Omit<HealthEventWithStatus, 'recordId'>) {
  return {
    nodeName: event.healthEvent.nodeName,
    eventType: event.healthEvent.checkName,
    severity: event.healthEvent.componentClass,
    recommendedAction: recommendedActionColumn(event.healthEvent.recommendedAction),
    createdAt: event.createdAt,
  };
}

// ---------- decoding ----------

/** The entries of a stored string map (metadata, spanids) with their keys exactly as stored. */
function stringMap(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, str(item)]));
}

/** Struct field names folded to lowercase, so camelCase and lowercase documents read alike (never map keys). */
function folded(value: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value)) map.set(key.toLowerCase(), item);
  }
  return map;
}

function decodeTimestamp(value: unknown, field: string): Timestamp | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new ValidationError(field, `is not a timestamp: ${JSON.stringify(value).slice(0, 60)}`);
    return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
  }
  const parts = folded(value);
  const seconds = Number(parts.get('seconds') ?? 0);
  const nanos = Number(parts.get('nanos') ?? 0);
  if (!Number.isFinite(seconds) || !Number.isFinite(nanos))
    throw new ValidationError(field, 'is not a {seconds, nanos} timestamp');
  return { seconds, nanos };
}

function decodeEnum<T extends Record<string, number>>(values: T, raw: unknown, field: string): keyof T {
  if (raw === undefined || raw === null) return enumName(values, 0)!;
  if (typeof raw === 'string' && Object.hasOwn(values, raw)) return raw as keyof T;
  const name = typeof raw === 'number' ? enumName(values, raw) : undefined;
  if (name === undefined) throw new ValidationError(field, `unknown value ${JSON.stringify(raw)}`);
  return name;
}

function decodeAction(raw: unknown): RecommendedAction {
  if (raw !== undefined && raw !== null && typeof raw !== 'number' && typeof raw !== 'string') {
    throw new ValidationError(
      'healthevent.recommendedAction',
      `is not an enum value: ${JSON.stringify(raw).slice(0, 60)}`,
    );
  }
  return decodeRecommendedAction(raw, 'recommendedAction');
}

function decodeOverrides(value: unknown): BehaviourOverrides | null {
  if (value === null || value === undefined) return null;
  const parts = folded(value);
  return { force: parts.get('force') === true, skip: parts.get('skip') === true };
}

const str = (value: unknown) =>
  typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);

export function decodeHealthEvent(value: unknown): HealthEvent {
  const e = folded(value);
  return {
    version: Number(e.get('version') ?? 0),
    agent: str(e.get('agent')),
    componentClass: str(e.get('componentclass')),
    checkName: str(e.get('checkname')),
    isFatal: e.get('isfatal') === true,
    isHealthy: e.get('ishealthy') === true,
    message: str(e.get('message')),
    recommendedAction: decodeAction(e.get('recommendedaction')),
    errorCode: Array.isArray(e.get('errorcode')) ? (e.get('errorcode') as unknown[]).map(str) : [],
    entitiesImpacted: Array.isArray(e.get('entitiesimpacted'))
      ? (e.get('entitiesimpacted') as unknown[]).map((entity) => {
          const parts = folded(entity);
          return { entityType: str(parts.get('entitytype')), entityValue: str(parts.get('entityvalue')) };
        })
      : [],
    metadata: stringMap(e.get('metadata')),
    generatedTimestamp: decodeTimestamp(e.get('generatedtimestamp'), 'healthevent.generatedTimestamp'),
    nodeName: str(e.get('nodename')),
    quarantineOverrides: decodeOverrides(e.get('quarantineoverrides')),
    drainOverrides: decodeOverrides(e.get('drainoverrides')),
    processingStrategy: decodeEnum(
      PROCESSING_STRATEGIES,
      e.get('processingstrategy'),
      'healthevent.processingStrategy',
    ) as ProcessingStrategy,
    id: str(e.get('id')),
    customRecommendedAction: str(e.get('customrecommendedaction')),
  };
}

function decodeRemediated(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value && typeof value === 'object') {
    const inner = folded(value).get('value');
    return typeof inner === 'boolean' ? inner : null;
  }
  return null;
}

export function decodeStatus(value: unknown): HealthEventStatus {
  const s = folded(value);
  const eviction = folded(s.get('userpodsevictionstatus'));
  const quarantined = s.get('nodequarantined');
  return {
    nodeQuarantined:
      quarantined === undefined || quarantined === null
        ? null
        : decodeStatusText(QUARANTINE_STATUSES, str(quarantined), 'nodeQuarantined'),
    quarantineFinishTimestamp: decodeTimestamp(
      s.get('quarantinefinishtimestamp'),
      'healtheventstatus.quarantinefinishtimestamp',
    ),
    userPodsEvictionStatus: {
      status: decodeStatusText(EVICTION_STATUSES, str(eviction.get('status')), 'userPodsEvictionStatus'),
      message: str(eviction.get('message')),
    },
    drainFinishTimestamp: decodeTimestamp(s.get('drainfinishtimestamp'), 'healtheventstatus.drainfinishtimestamp'),
    faultRemediated: decodeRemediated(s.get('faultremediated')),
    lastRemediationTimestamp: decodeTimestamp(
      s.get('lastremediationtimestamp'),
      'healtheventstatus.lastremediationtimestamp',
    ),
    spanIds: stringMap(s.get('spanids')),
    faultQuarantineRecovery: str(s.get('faultquarantinerecovery')),
  };
}

/** A stored row (id, created_at, document) to the model. */
export function decodeRow(row: {
  id: string;
  created_at?: Date | string | null;
  document: unknown;
}): HealthEventWithStatus {
  const document = folded(row.document);
  const createdRaw = document.get('createdat') ?? row.created_at;
  const createdAt = createdRaw instanceof Date ? createdRaw : new Date(String(createdRaw ?? 0));
  return {
    recordId: row.id,
    createdAt,
    healthEvent: decodeHealthEvent(document.get('healthevent')),
    status: decodeStatus(document.get('healtheventstatus')),
  };
}
