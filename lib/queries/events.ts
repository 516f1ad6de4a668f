// The Events page's read model: one page of the events matching a search, newest first (keyset
// paging), or the same events counted per node, from the datastore through the store SDK.
import type { AppContext } from '@/lib/context/app-context';
import {
  storeErrorCode,
  ValidationError,
  type DataStore,
  type HealthEventWithStatus,
  type NodeEventGroup,
  type PageCursor,
} from '@/lib/store';

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

/**
 * A search that failed, as the API answers it and the page shows it: a value the store refused
 * (400, named as the URL names it: a cursor of another datastore's ids is `after`), a search the
 * datastore stopped at its time limit (504, the store's message says to narrow it; the store's
 * code 'search-timeout', lib/store/event-search.ts), or the datastore unavailable (503).
 */
export function searchFailure(error: unknown): { status: number; error: string } {
  if (error instanceof ValidationError) {
    const field = error.field === 'recordId' || error.field.startsWith('page.after') ? 'after' : error.field;
    return { status: 400, error: `${field}: ${error.problem}` };
  }
  if (storeErrorCode(error) === 'search-timeout') return { status: 504, error: (error as Error).message };
  return { status: 503, error: `events are unavailable: ${(error as Error).message}` };
}
