// Named views as the browser sees them: which pages a view may keep (each keeps its filter in its
// URL), and one saved view as the Views menu and the /views page list it.
import type { Permission } from '@/lib/auth/roles';

import { EVENT_PARAMS } from './events-view';

/** The pages a view may keep, the parameters each reads from its URL, and who may see it. */
export const VIEW_PAGES = {
  '/nodes': {
    label: 'Nodes',
    permission: 'dashboard:read',
    // page is a position in the list, not a filter: a view opens on the first page.
    params: ['state', 'agent', 'check', 'q', 'disagree', 'optedOut', 'sort', 'dir', 'pageSize'],
    position: ['page'],
  },
  '/events': {
    label: 'Events',
    permission: 'dashboard:read',
    // The search's own parameters (events-view.ts), less its page cursor: a view opens on the first page.
    params: EVENT_PARAMS.filter((param) => param !== 'after'),
    position: ['after'],
  },
  '/throughput': { label: 'Throughput', permission: 'dashboard:read', params: ['range', 'by'], position: [] },
  '/audit': {
    label: 'Audit',
    permission: 'audit:read',
    params: ['actor', 'action', 'outcome', 'target', 'requestId', 'from', 'to'],
    position: ['before'],
  },
} as const satisfies Record<
  string,
  { label: string; permission: Permission; params: readonly string[]; position: readonly string[] }
>;

export type ViewPath = keyof typeof VIEW_PAGES;
export const VIEW_PATHS = Object.keys(VIEW_PAGES) as ViewPath[];

export const isViewPath = (path: string): path is ViewPath => Object.hasOwn(VIEW_PAGES, path);

/** A view's name: 1 to 80 characters of letters, digits, spaces and - _ . , : ( ) / # & + ' */
export const VIEW_NAME_MAX = 80;
/** How many views one user may keep. */
export const VIEWS_PER_USER = 100;

export interface SavedViewRow {
  id: string;
  name: string;
  path: ViewPath;
  /** The page's query string without '?' ('' for the page unfiltered). */
  query: string;
  shared: boolean;
  ownerId: string;
  /** The owner's username (email for single sign-on accounts). */
  ownerName: string;
  /** The signed-in user's own view (an admin's list holds others' too). */
  mine: boolean;
  updatedAt: string;
}

/** Where a view opens: its page with its filter. */
export const viewHref = (view: Pick<SavedViewRow, 'path' | 'query'>) =>
  view.query ? `${view.path}?${view.query}` : view.path;

/** The view's stable link, which opens it for anyone allowed to (its owner, or anyone once shared). */
export const viewLink = (id: string) => `/views/${id}`;
