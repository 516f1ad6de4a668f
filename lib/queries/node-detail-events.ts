// The node page's event table, read a page at a time (newest first, EVENT_PAGE_SIZE events with
// every field), filtered by the store for an entity or fatal only, and one event of the node read
// by its id (a link or a timeline point naming an event the rows shown leave out).
import type { AppContext } from '@/lib/context/app-context';
import { ValidationError, type DataStore, type HealthEventFilter, type PageCursor } from '@/lib/store';

import { toEventRow } from './node-detail-row';
import { EVENT_PAGE_SIZE, type LinkedEvent } from './node-detail-view';
import type { NodeEventsPage, NodeEventsRequest } from './node-detail-events-view';
import type { NodeEventFilter } from './node-gpus-view';

export const isFiltered = (filter: NodeEventFilter) => filter.entity !== null || filter.fatal;

/** The store's filter for the table's: "fatal only" is a fatal failure (a fatal recovery is none). */
function storeFilter(name: string, window: { from: number; to: number }, filter: NodeEventFilter): HealthEventFilter {
  const colon = filter.entity?.indexOf(':') ?? -1;
  return {
    nodeName: name,
    from: new Date(window.from),
    to: new Date(window.to),
    ...(filter.entity && colon > 0
      ? { entity: { entityType: filter.entity.slice(0, colon), entityValue: filter.entity.slice(colon + 1) } }
      : {}),
    ...(filter.fatal ? { isFatal: true, isHealthy: false } : {}),
  };
}

/** One page of the node's events in [from, to) for `filter`, after `older` when given. */
export async function readEventsPage(
  store: DataStore,
  name: string,
  window: { from: number; to: number },
  filter: NodeEventFilter,
  older?: PageCursor,
): Promise<NodeEventsPage> {
  const page = { limit: EVENT_PAGE_SIZE, after: older };
  const read = isFiltered(filter)
    ? await store.healthEvents().find(storeFilter(name, window, filter), page)
    : await store.healthEvents().findByNode(name, { from: new Date(window.from), to: new Date(window.to) }, page);
  return { events: read.items.map(toEventRow), older: read.next ?? null };
}

/** An older page of the table (GET /api/nodes/<name>/events). */
export async function readNodeEvents(
  context: AppContext,
  name: string,
  request: NodeEventsRequest,
): Promise<NodeEventsPage> {
  return readEventsPage(await context.store(), name, request, request.filter, request.older);
}

/**
 * The event `recordId` of the node, read by its id (GET /api/nodes/<name>/events/<recordId>): event
 * null when no event of this node has it; `refused` says why the datastore refused the id.
 */
export async function readNodeEvent(store: DataStore, name: string, recordId: string): Promise<LinkedEvent> {
  try {
    const found = await store.healthEvents().get(recordId);
    const event = found && found.healthEvent.nodeName === name ? toEventRow(found) : null;
    return { recordId, event, refused: null };
  } catch (error) {
    if (error instanceof ValidationError) return { recordId, event: null, refused: error.problem };
    throw error;
  }
}

/** A refusal the store made of a value the route let through (a cursor's id), or the datastore away, as a status and words. */
export function nodeEventsFailure(error: unknown): { status: number; error: string } {
  if (error instanceof ValidationError) {
    const field = error.field === 'recordId' || error.field.startsWith('page.after') ? 'older' : error.field;
    return { status: 400, error: `${field}: ${error.problem}` };
  }
  return { status: 503, error: `the node's events are unavailable: ${(error as Error).message}` };
}
