// The Events page's read model: one page of the events matching a search, newest first (keyset
// paging), or the same events counted per node, from the datastore through the store SDK.
import type { AppContext } from '@/lib/context/app-context';
import type { DataStore, HealthEventWithStatus, NodeEventGroup, PageCursor } from '@/lib/store';

import type { EventSearch } from './events-filter';
import { NODE_GROUPS_SHOWN, type EventSearchRow, type EventSearchView, type NodeGroupRow } from './events-view';
import { toEventRow } from './node-detail-row';

export function toSearchRow(event: HealthEventWithStatus): EventSearchRow {
  return { ...toEventRow(event), nodeName: event.healthEvent.nodeName };
}

export function toGroupRow(group: NodeEventGroup): NodeGroupRow {
  return {
    nodeName: group.nodeName,
    count: group.count,
    fatal: group.fatal,
    firstAt: group.firstAt.getTime(),
    lastAt: group.lastAt.getTime(),
    entities: group.entities,
  };
}

/** The `after` parameter that continues from this cursor (events-filter.ts reads it back). */
export const cursorText = (cursor: PageCursor) => `${cursor.createdAt}_${cursor.recordId}`;

export async function searchEvents(store: DataStore, search: EventSearch, now = Date.now()): Promise<EventSearchView> {
  const answer = {
    params: search.params,
    window: { from: search.filter.from.getTime(), to: search.filter.to.getTime() },
    provider: store.provider,
    readAt: now,
  };
  if (search.view === 'nodes') {
    const { groups, truncated } = await store.healthEvents().groupByNode(search.filter, { limit: NODE_GROUPS_SHOWN });
    return { ...answer, view: 'nodes', nodes: groups.map(toGroupRow), truncated };
  }
  const page = await store.healthEvents().find(search.filter, { limit: search.limit, after: search.after });
  return {
    ...answer,
    view: 'events',
    events: page.items.map(toSearchRow),
    next: page.next ? cursorText(page.next) : null,
  };
}

export async function readEventSearch(context: AppContext, search: EventSearch): Promise<EventSearchView> {
  return searchEvents(await context.store(), search);
}
