// The search fields of a health-event filter (an error code, an entity, the start of a node name)
// as SQL over NVSentinel's `health_events`, without any index of our own (no DDL on NVSentinel's
// database):
//   - errorCode and entity are JSONB containment (`document @> …`), which NVSentinel's GIN index
//     `idx_health_events_document_gin` (jsonb_ops, migrations/00001_initial_schema.sql) can serve;
//     inside a short time range the planner walks `idx_health_events_created_desc` newest first and
//     checks each row instead (the one-hour XID search; docs/benchmarks.md, "Event search");
//   - each is asked in both key casings NVSentinel has stored: camelCase from its PostgreSQL
//     writer (Go encoding/json of the proto's json tags: errorCode, entitiesImpacted, entityType,
//     entityValue), lowercase from MongoDB-era documents — the same reason its own
//     idx_health_events_recovery_identity COALESCEs the two spellings;
//   - nodePrefix is `starts_with(node_name, …)`: no LIKE pattern to escape, and a `%` or `_` in
//     the text is only text.
import { searchFields } from '../../event-search';
import type { HealthEventFilter } from '../../health-event-store';

/** A containment test in both key casings, each document bound as a parameter. */
function contains(bind: (value: unknown) => string, camel: object, lower: object): string {
  return `(document @> ${bind(JSON.stringify(camel))}::jsonb OR document @> ${bind(JSON.stringify(lower))}::jsonb)`;
}

/** The WHERE clauses of the filter's search fields; `bind` adds a parameter and returns its placeholder. */
export function searchClauses(filter: HealthEventFilter, bind: (value: unknown) => string): string[] {
  const { errorCode, entity, nodePrefix } = searchFields(filter);
  const clauses: string[] = [];
  if (errorCode !== undefined)
    clauses.push(
      contains(bind, { healthevent: { errorCode: [errorCode] } }, { healthevent: { errorcode: [errorCode] } }),
    );
  if (entity !== undefined)
    clauses.push(
      contains(
        bind,
        { healthevent: { entitiesImpacted: [{ entityType: entity.entityType, entityValue: entity.entityValue }] } },
        { healthevent: { entitiesimpacted: [{ entitytype: entity.entityType, entityvalue: entity.entityValue }] } },
      ),
    );
  if (nodePrefix !== undefined) clauses.push(`starts_with(node_name, ${bind(nodePrefix)})`);
  return clauses;
}
