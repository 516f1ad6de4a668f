// NVSentinel's release rule, as fault-quarantine applies it: it tracks every (agent, componentClass,
// checkName, entity, error code) of the events it quarantined for in the quarantineHealthEvent
// annotation, and a healthy event removes the keys it matches: same agent, component class and
// check; an entity it lists (none listed: every entity of the check); an error code it lists (none
// listed: any) (fault-quarantine/pkg/healthEventsAnnotation/health_events_annotation_map.go:29-41,
// 200-240, 288-340, lalitadithya/NVSentinel @ 42672ae). When no key is left it uncordons
// (reconciler.go:1391-1431). One quirk decides what "released" means for an event naming several
// entities: the annotation is saved as whole events, and read back with every key of each
// (:369-409), so a key removed while another key of the same event is left comes back at the next
// read (reconciler.go:1553-1602). A tracked event therefore leaves only when one healthy event
// matches all of its keys at once: names all its entities, or none. Pure.
import type { ClusterNode, TrackedEvent } from '@/lib/cluster/cluster-node';

import type { NodeEventRow } from './node-detail-view';

/** One key fault-quarantine tracks (health_events_annotation_map.go:29-41, without node and version). */
interface TrackedKey {
  agent: string;
  componentClass: string;
  checkName: string;
  entity: { type: string; value: string } | null;
  errorCode: string;
}

/** The keys of the tracked events: one per (entity, error code), as createEventKeys makes them (:80-131). */
export function trackedKeys(events: TrackedEvent[]): TrackedKey[] {
  const keys = new Map<string, TrackedKey>();
  for (const event of events) {
    const entities = event.entities.length > 0 ? event.entities : [null];
    const codes = event.errorCode.length > 0 ? event.errorCode : [''];
    for (const entity of entities)
      for (const errorCode of codes) {
        const key = {
          agent: event.agent,
          componentClass: event.componentClass,
          checkName: event.checkName,
          entity,
          errorCode,
        };
        keys.set(JSON.stringify(key), key);
      }
  }
  return [...keys.values()];
}

/** keyMatchesEvent (:202-220), or the check-level match of an event naming no entity (:244-258). */
export function matchesKey(key: TrackedKey, event: NodeEventRow): boolean {
  if (event.agent !== key.agent || event.componentClass !== key.componentClass || event.checkName !== key.checkName)
    return false;
  if (event.entities.length > 0) {
    const entity = key.entity;
    if (!entity || !event.entities.some((each) => each.entityType === entity.type && each.entityValue === entity.value))
      return false;
  }
  return event.errorCode.length === 0 || event.errorCode.includes(key.errorCode);
}

export function trackedOf(row: NodeEventRow): TrackedEvent {
  return {
    agent: row.agent,
    checkName: row.checkName,
    componentClass: row.componentClass,
    errorCode: row.errorCode,
    entities: row.entities.map((entity) => ({ type: entity.entityType, value: entity.entityValue })),
    message: row.message,
    isFatal: row.isFatal,
    forced: row.quarantineOverrides?.force === true,
  };
}

/**
 * What the session tracks: the cluster's quarantineHealthEvent annotation when NVSentinel holds the
 * node; else, read from the datastore, the opening event and the unhealthy events NVSentinel
 * added to the session (AlreadyQuarantined).
 */
export function trackedEventsOf(
  opening: NodeEventRow,
  sessionEvents: NodeEventRow[],
  node: ClusterNode | null,
): TrackedEvent[] {
  if (node?.nvsentinelSession) return node.trackedEvents;
  const added = sessionEvents.filter(
    (event) => !event.isHealthy && event.status.nodeQuarantined === 'AlreadyQuarantined',
  );
  return [opening, ...added.reverse()].map(trackedOf);
}
