// Named views as a user reads them: the Views menu's and /views' list (one's own; an admin's holds
// everyone's, to delete what should go), and where a view's link leads (/views/<id>).
import type { Actor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/roles';
import type { AppContext } from '@/lib/context/app-context';
import { getView, listViews, toViewRow } from '@/lib/saved-views/saved-view-tables';

import { VIEW_PAGES, viewHref, type SavedViewRow } from './saved-views-view';

export async function readSavedViews(context: AppContext, actor: Actor): Promise<SavedViewRow[]> {
  const all = can(actor.role, 'views:delete-any');
  const views = await listViews(context.consolePool(), all ? null : actor.id);
  // An admin's own views first, then others' by owner.
  const rows = views.map((view) => toViewRow(view, actor.id));
  return [...rows.filter((row) => row.mine), ...rows.filter((row) => !row.mine)];
}

export type ViewOpening = { kind: 'open'; href: string } | { kind: 'not-found' } | { kind: 'forbidden'; page: string };

/**
 * Where /views/<id> sends `actor`: the view's page with its filter when the view is theirs, shared,
 * or they are an admin, and their role may see that page. Another user's private view reads as no
 * view at all, so a guessed id confirms nothing.
 */
export async function openSavedView(context: AppContext, actor: Actor, id: string): Promise<ViewOpening> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return { kind: 'not-found' };
  const view = await getView(context.consolePool(), id);
  if (!view) return { kind: 'not-found' };
  if (view.ownerId !== actor.id && !view.shared && !can(actor.role, 'views:delete-any')) return { kind: 'not-found' };
  const page = VIEW_PAGES[view.path];
  if (!page || !can(actor.role, page.permission)) return { kind: 'forbidden', page: page?.label ?? view.path };
  return { kind: 'open', href: viewHref(view) };
}
