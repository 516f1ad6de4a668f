// The SQL over NVSentinel's health_events document that the store's queries share: each field as
// NVSentinel's writers leave it (either key casing, old and new status shapes), and a health-event
// filter as a WHERE clause with its parameters.
import { ValidationError } from '../../errors/validation-error';
import type { HealthEventFilter, PageRequest } from '../../health-event-store';
import { QUARANTINE_STATUSES } from '../../model/enums';
import { searchClauses } from './event-search-sql';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Case-tolerant reads of fields NVSentinel has stored under both spellings over its history.
export const QUARANTINED = `COALESCE(document->'healtheventstatus'->>'nodequarantined', document->'healtheventstatus'->>'nodeQuarantined')`;
// The agent and fatality of the `healthevent` object given (throughput reads it out of each
// document once for every field; elsewhere it is `document->'healthevent'`).
export const agentOf = (healthevent: string) => `(${healthevent}->>'agent')`;
export const isFatalOf = (healthevent: string) =>
  `COALESCE((${healthevent}->>'isFatal')::boolean, (${healthevent}->>'isfatal')::boolean, false)`;
export const AGENT = agentOf(`document->'healthevent'`);
export const IS_FATAL = isFatalOf(`document->'healthevent'`);
export const isHealthyOf = (healthevent: string) =>
  `COALESCE((${healthevent}->>'isHealthy')::boolean, (${healthevent}->>'ishealthy')::boolean, false)`;
export const IS_HEALTHY = isHealthyOf(`document->'healthevent'`);
export const EVICTION = `COALESCE(document->'healtheventstatus'->'userpodsevictionstatus'->>'status', document->'healtheventstatus'->'userPodsEvictionStatus'->>'status', '')`;
// faultremediated is {"value": bool} in NVSentinel's current writers and a plain bool in old documents.
export const REMEDIATED_JSON = `COALESCE(document->'healtheventstatus'->'faultremediated', document->'healtheventstatus'->'faultRemediated')`;
export const REMEDIATED = `(CASE jsonb_typeof(${REMEDIATED_JSON}) WHEN 'boolean' THEN (${REMEDIATED_JSON})::text::boolean WHEN 'object' THEN (${REMEDIATED_JSON}->>'value')::boolean END)`;
export const ENTITIES = `COALESCE(document->'healthevent'->'entitiesImpacted', document->'healthevent'->'entitiesimpacted', '[]'::jsonb)`;
export const GENERATED_JSON = `COALESCE(document->'healthevent'->'generatedTimestamp', document->'healthevent'->'generatedtimestamp')`;
export const GENERATED = (part: 'seconds' | 'nanos') =>
  `COALESCE((document->'healthevent'->'generatedTimestamp'->>'${part}')::bigint, (document->'healthevent'->'generatedtimestamp'->>'${part}')::bigint, 0)`;
export const DECISIONS = `('Quarantined', 'UnQuarantined', 'Cancelled')`;
export const OVERRIDES = `COALESCE(document->'healthevent'->'quarantineOverrides', document->'healthevent'->'quarantineoverrides')`;

const DECIDED = `(${QUARANTINE_STATUSES.map((status) => `'${status}'`).join(', ')})`;

const HISTORY_COLUMNS = `id,
       COALESCE(document->>'createdAt', document->>'createdat', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) AS created,
       node_name, ${AGENT} AS agent,
       COALESCE(document->'healthevent'->>'checkName', document->'healthevent'->>'checkname') AS check_name,
       ${GENERATED_JSON} AS generated, document->'healtheventstatus' AS status`;

/**
 * HealthEventStore.quarantineHistory ($1 from, $2 to): the range's decided events, only the fields
 * the figures read. The node_quarantined column picks them (NVSentinel's PostgreSQL store writes it
 * with every decision, beside the document: store-client/pkg/datastore/providers/postgresql/
 * health_events.go:293, 442, 688). `node_quarantined IS NOT NULL` is the WHERE of NVSentinel's
 * partial index idx_health_events_quarantined, written out as it is there, so the planner reads the
 * decided rows through that index (alone, or bitmap-ANDed with the created_at range) and never
 * visits an undecided event of the range. The status itself comes from the document, which the
 * other columns do not follow (docs/nvsentinel-data-model.md §4): a row whose document holds no
 * decision is left out. (A JSONB condition alone cannot pick them: every document has the status
 * key, so NVSentinel's GIN index does not narrow it, and the planner reads the whole range.)
 */
export const QUARANTINE_HISTORY_SQL = `SELECT ${HISTORY_COLUMNS}
FROM health_events
WHERE node_quarantined IS NOT NULL AND node_quarantined IN ${DECIDED}
  AND created_at >= $1 AND created_at < $2 AND ${QUARANTINED} IN ${DECIDED}
ORDER BY created_at, id`;

/**
 * HealthEventStore.quarantineDecisionsBefore ($1 node names, $2 before): per node, the newest
 * event decided Quarantined or Cancelled and the newest decided UnQuarantined stored before $2.
 * Through idx_health_events_quarantined as QUARANTINE_HISTORY_SQL (AlreadyQuarantined, the
 * decision of most decided events, is not asked for): the rows read are the nodes' sessions, not
 * their events.
 */
export const QUARANTINE_DECISIONS_BEFORE_SQL = `SELECT DISTINCT ON (node_name, ${QUARANTINED} = 'UnQuarantined') ${HISTORY_COLUMNS}
FROM health_events
WHERE node_quarantined IS NOT NULL AND node_quarantined IN ${DECISIONS}
  AND node_name = ANY($1) AND created_at < $2 AND ${QUARANTINED} IN ${DECISIONS}
ORDER BY node_name, ${QUARANTINED} = 'UnQuarantined', created_at DESC, id DESC`;

export class SqlFilter {
  readonly clauses: string[] = [];
  readonly values: unknown[] = [];

  add(clause: (placeholder: string) => string, value: unknown): void {
    this.values.push(value);
    this.clauses.push(clause(`$${this.values.length}`));
  }

  where(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

function nodeNameList(names: unknown): string[] {
  if (!Array.isArray(names) || !names.every((name) => typeof name === 'string'))
    throw new ValidationError('filter.nodeNames', 'must be a list of node names');
  return names;
}

export function buildFilter(filter: HealthEventFilter = {}): SqlFilter {
  const sql = new SqlFilter();
  if (filter.nodeName !== undefined) sql.add((p) => `node_name = ${p}`, filter.nodeName);
  if (filter.nodeNames !== undefined) sql.add((p) => `node_name = ANY(${p}::text[])`, nodeNameList(filter.nodeNames));
  if (filter.checkName !== undefined) sql.add((p) => `event_type = ${p}`, filter.checkName);
  if (filter.componentClass !== undefined) sql.add((p) => `severity = ${p}`, filter.componentClass);
  if (filter.agent !== undefined) sql.add((p) => `${AGENT} = ${p}`, filter.agent);
  if (filter.isFatal !== undefined) sql.add((p) => `${IS_FATAL} = ${p}`, filter.isFatal);
  if (filter.isHealthy !== undefined) sql.add((p) => `${IS_HEALTHY} = ${p}`, filter.isHealthy);
  if (filter.nodeQuarantined === null) sql.clauses.push(`COALESCE(${QUARANTINED}, '') = ''`);
  else if (filter.nodeQuarantined !== undefined) sql.add((p) => `${QUARANTINED} = ${p}`, filter.nodeQuarantined);
  if (filter.evictionStatus !== undefined) sql.add((p) => `${EVICTION} = ANY(${p}::text[])`, filter.evictionStatus);
  if (filter.faultRemediated === null) sql.clauses.push(`${REMEDIATED} IS NULL`);
  else if (filter.faultRemediated !== undefined) sql.add((p) => `${REMEDIATED} = ${p}`, filter.faultRemediated);
  if (filter.recommendedAction !== undefined)
    sql.add((p) => `recommended_action = ANY(${p}::text[])`, filter.recommendedAction);
  sql.clauses.push(
    ...searchClauses(filter, (value) => {
      sql.values.push(value);
      return `$${sql.values.length}`;
    }),
  );
  if (filter.from) sql.add((p) => `created_at >= ${p}`, filter.from);
  if (filter.to) sql.add((p) => `created_at < ${p}`, filter.to);
  return sql;
}

export function pageLimit(page?: PageRequest): number {
  const limit = page?.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new ValidationError('page.limit', 'must be a whole number from 1 to 10000');
  return limit;
}
