// The search fields of a health-event filter (an error code, an entity, the start of a node name)
// as MongoDB query clauses over NVSentinel's lowercase layout (errorcode is an array of strings,
// entitiesimpacted an array of {entitytype, entityvalue}: data-models/pkg/protos/health_event.pb.go
// as the Go driver encodes it). Pure, so mingo runs the same clauses in the unit tests.
import type { Document } from 'mongodb';

import { searchFields } from '../../../event-search';
import type { HealthEventFilter } from '../../../health-event-store';

/** Every character a regular expression gives a meaning to, escaped: the prefix is only text. */
const literal = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

export function searchMatchClauses(filter: HealthEventFilter): Document[] {
  const { errorCode, entity, nodePrefix } = searchFields(filter);
  const clauses: Document[] = [];
  // An array field equals a value when one of its elements does.
  if (errorCode !== undefined) clauses.push({ 'healthevent.errorcode': errorCode });
  if (entity !== undefined)
    clauses.push({
      'healthevent.entitiesimpacted': {
        $elemMatch: { entitytype: entity.entityType, entityvalue: entity.entityValue },
      },
    });
  // Anchored and case-sensitive, so an index on healthevent.nodename can serve it.
  if (nodePrefix !== undefined) clauses.push({ 'healthevent.nodename': { $regex: `^${literal(nodePrefix)}` } });
  return clauses;
}
