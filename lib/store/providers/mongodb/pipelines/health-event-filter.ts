// HealthEventFilter as a MongoDB query over NVSentinel's lowercase layout. Pure, so the same
// filter is checked in-process with mingo (tests/unit/store/providers/mongodb/pipelines.test.ts).
//
// Null-safe the way NVSentinel's documents need: a missing or null isfatal means false, a missing
// nodequarantined or eviction status means "not processed yet", faultremediated is {value} or a
// plain bool, a missing recommendedaction is NONE. Every value is type-checked before it enters a
// query, so `{ nodeName: { $ne: null } }` from an untyped caller cannot become an operator.
import type { Document } from 'mongodb';

import { ValidationError } from '../../../errors/validation-error';
import type { HealthEventFilter } from '../../../health-event-store';
import { EVICTION_STATUSES, QUARANTINE_STATUSES, RECOMMENDED_ACTIONS } from '../../../model/enums';
import { searchMatchClauses } from './search-filter';

/** Where each model field lives in NVSentinel's MongoDB documents. */
export const FIELD = {
  createdAt: 'createdAt',
  nodeName: 'healthevent.nodename',
  agent: 'healthevent.agent',
  checkName: 'healthevent.checkname',
  componentClass: 'healthevent.componentclass',
  isFatal: 'healthevent.isfatal',
  isHealthy: 'healthevent.ishealthy',
  recommendedAction: 'healthevent.recommendedaction',
  entities: 'healthevent.entitiesimpacted',
  generatedSeconds: 'healthevent.generatedtimestamp.seconds',
  generatedNanos: 'healthevent.generatedtimestamp.nanos',
  quarantined: 'healtheventstatus.nodequarantined',
  eviction: 'healtheventstatus.userpodsevictionstatus.status',
  remediated: 'healtheventstatus.faultremediated',
} as const;

export const QUARANTINE_DECISIONS = ['Quarantined', 'UnQuarantined', 'Cancelled'] as const;

function textValue(field: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new ValidationError(`filter.${field}`, `must be a string (got ${JSON.stringify(value)?.slice(0, 60)})`);
  return value;
}

function boolValue(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ValidationError(`filter.${field}`, 'must be true or false');
  return value;
}

function dateValue(field: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw new ValidationError(`filter.${field}`, 'must be a valid date');
  return value;
}

function oneOf<T extends string>(field: string, values: unknown, allowed: readonly T[]): T[] {
  if (!Array.isArray(values)) throw new ValidationError(`filter.${field}`, 'must be a list');
  for (const value of values) {
    if (!allowed.includes(value as T))
      throw new ValidationError(
        `filter.${field}`,
        `must hold only ${allowed.map((a) => a || "''").join(', ')} (got ${JSON.stringify(value)?.slice(0, 40)})`,
      );
  }
  return values as T[];
}

/** A boolean that NVSentinel stores as false or leaves missing/null. */
const flag = (path: string, value: boolean): Document => (value ? { [path]: true } : { [path]: { $ne: true } });

/** The query for a filter; `{}` when the filter is empty. */
export function healthEventMatch(filter: HealthEventFilter = {}): Document {
  const clauses: Document[] = [];
  if (filter.nodeName !== undefined) clauses.push({ [FIELD.nodeName]: textValue('nodeName', filter.nodeName) });
  if (filter.nodeNames !== undefined) clauses.push(nodeMatch(filter.nodeNames));
  if (filter.agent !== undefined) clauses.push({ [FIELD.agent]: textValue('agent', filter.agent) });
  if (filter.checkName !== undefined) clauses.push({ [FIELD.checkName]: textValue('checkName', filter.checkName) });
  if (filter.componentClass !== undefined)
    clauses.push({ [FIELD.componentClass]: textValue('componentClass', filter.componentClass) });
  if (filter.isFatal !== undefined) clauses.push(flag(FIELD.isFatal, boolValue('isFatal', filter.isFatal)));
  if (filter.isHealthy !== undefined) clauses.push(flag(FIELD.isHealthy, boolValue('isHealthy', filter.isHealthy)));
  if (filter.nodeQuarantined === null) clauses.push({ [FIELD.quarantined]: { $in: [null, ''] } });
  else if (filter.nodeQuarantined !== undefined) {
    clauses.push({ [FIELD.quarantined]: oneOf('nodeQuarantined', [filter.nodeQuarantined], QUARANTINE_STATUSES)[0] });
  }
  if (filter.evictionStatus !== undefined) {
    const statuses = oneOf('evictionStatus', filter.evictionStatus, ['', ...EVICTION_STATUSES] as const);
    // '' is "not looked at yet": NVSentinel writes '' at insert; missing or null reads the same.
    clauses.push({ [FIELD.eviction]: { $in: statuses.includes('') ? [...statuses, null] : statuses } });
  }
  if (filter.faultRemediated === null) {
    clauses.push({
      $nor: [{ [FIELD.remediated]: { $type: 'bool' } }, { [`${FIELD.remediated}.value`]: { $type: 'bool' } }],
    });
  } else if (filter.faultRemediated !== undefined) {
    const value = boolValue('faultRemediated', filter.faultRemediated);
    clauses.push({ $or: [{ [FIELD.remediated]: value }, { [`${FIELD.remediated}.value`]: value }] });
  }
  if (filter.recommendedAction !== undefined) {
    const names = oneOf(
      'recommendedAction',
      filter.recommendedAction,
      Object.keys(RECOMMENDED_ACTIONS) as (keyof typeof RECOMMENDED_ACTIONS)[],
    );
    const values: unknown[] = names.flatMap((name) => [RECOMMENDED_ACTIONS[name], name]);
    if (names.includes('NONE')) values.push(null);
    clauses.push({ [FIELD.recommendedAction]: { $in: values } });
  }
  clauses.push(...searchMatchClauses(filter));
  if (filter.from !== undefined) clauses.push({ [FIELD.createdAt]: { $gte: dateValue('from', filter.from) } });
  if (filter.to !== undefined) clauses.push({ [FIELD.createdAt]: { $lt: dateValue('to', filter.to) } });
  if (clauses.length === 0) return {};
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
}

/** Only the named nodes (all when undefined). */
export function nodeMatch(nodeNames?: string[]): Document {
  if (nodeNames === undefined) return {};
  if (!Array.isArray(nodeNames)) throw new ValidationError('nodeNames', 'must be a list of node names');
  return { [FIELD.nodeName]: { $in: nodeNames.map((name, index) => textValue(`nodeNames[${index}]`, name)) } };
}
