// Named views (the Views menu, /views and POST/DELETE /api/views...): save the page and filter shown,
// rename, share by link, delete. Each runs through run-mutation.ts, so each attempt is one audit row
// (views.create, views.rename, views.share, views.delete), refused ones included. A view is its
// owner's: only the owner renames or shares it; the owner or an admin deletes it.
import type { Actor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/roles';
import { VIEW_PAGES, viewHref } from '@/lib/queries/saved-views-view';
import {
  createView,
  deleteView,
  getView,
  renameView,
  shareView,
  TooManyViews,
  ViewNameTaken,
  type SavedView,
} from '@/lib/saved-views/saved-view-tables';

import { rawField, type Mutation, type MutationOutcome } from './mutation';
import {
  parseCreateView,
  parseRenameView,
  parseShareView,
  parseViewId,
  type CreateViewInput,
  type RenameViewInput,
  type ShareViewInput,
  type ViewIdInput,
} from './saved-view-input';

/** A view as the audit log keeps it. */
const recorded = (view: SavedView) => ({
  name: view.name,
  owner: view.ownerName,
  page: viewHref(view),
  shared: view.shared,
});

const targetOf = (id: string | null) => (id ? `view/${id}` : null);

const notFound = (id: string): MutationOutcome => ({
  ok: false,
  outcome: 'invalid',
  status: 404,
  error: `no view with id ${id}`,
});

/** The view when `actor` may change it this way, else the refusal (a private view of another user reads as absent). */
async function ownView(
  id: string,
  actor: Actor,
  pool: Parameters<typeof getView>[0],
  adminMay: boolean,
): Promise<{ ok: true; view: SavedView } | { ok: false; outcome: MutationOutcome }> {
  const view = await getView(pool, id);
  if (!view) return { ok: false, outcome: notFound(id) };
  const admin = can(actor.role, 'views:delete-any');
  if (view.ownerId === actor.id || (adminMay && admin)) return { ok: true, view };
  // Someone else's private view is not confirmed to exist (admins see every view); a shared one is known by its link.
  if (!view.shared && !admin) return { ok: false, outcome: notFound(id) };
  return {
    ok: false,
    outcome: {
      ok: false,
      outcome: 'denied',
      status: 403,
      error: `view "${view.name}" is ${view.ownerName}'s; only its owner may ${adminMay ? 'delete it (or an admin)' : 'change it'}`,
      before: recorded(view),
    },
  };
}

const refusal = (error: unknown): MutationOutcome => {
  if (error instanceof ViewNameTaken) return { ok: false, outcome: 'invalid', status: 409, error: error.message };
  if (error instanceof TooManyViews) return { ok: false, outcome: 'invalid', status: 409, error: error.message };
  throw error;
};

export const createViewMutation: Mutation<CreateViewInput> = {
  action: 'views.create',
  permission: 'views:save',
  parse: parseCreateView,
  rawTarget: (input) => {
    const name = rawField(input, 'name');
    return name ? `view/${name.slice(0, 100)}` : null;
  },
  target: (value) => `view/${value.name}`,
  run: async (value, actor, context) => {
    // The page's own permission: a view of a page the user may not see would be a link to a 403.
    const page = VIEW_PAGES[value.path];
    if (!can(actor.role, page.permission))
      return {
        ok: false,
        outcome: 'denied',
        status: 403,
        error: `your role (${actor.role}) may not see the ${page.label} page`,
      };
    try {
      const view = await createView(context.consolePool(), { ownerId: actor.id, ...value });
      return {
        ok: true,
        message: `View "${view.name}" saved: ${page.label}${view.query ? ` filtered by ${view.query}` : ', unfiltered'}`,
        after: { id: view.id, ...recorded(view) },
        target: `view/${view.id}`,
      };
    } catch (error) {
      return refusal(error);
    }
  },
};

export const renameViewMutation: Mutation<RenameViewInput> = {
  action: 'views.rename',
  permission: 'views:save',
  parse: parseRenameView,
  rawTarget: (input) => targetOf(rawField(input, 'id')),
  target: (value) => `view/${value.id}`,
  run: async ({ id, name }, actor, context) => {
    const pool = context.consolePool();
    const own = await ownView(id, actor, pool, false);
    if (!own.ok) return own.outcome;
    try {
      const after = await renameView(pool, id, name);
      if (!after) return notFound(id);
      return {
        ok: true,
        message: `View "${own.view.name}" renamed "${after.name}"`,
        before: recorded(own.view),
        after: recorded(after),
      };
    } catch (error) {
      return { ...refusal(error), before: recorded(own.view) } as MutationOutcome;
    }
  },
};

export const shareViewMutation: Mutation<ShareViewInput> = {
  action: 'views.share',
  permission: 'views:save',
  parse: parseShareView,
  rawTarget: (input) => targetOf(rawField(input, 'id')),
  target: (value) => `view/${value.id}`,
  run: async ({ id, shared }, actor, context) => {
    const pool = context.consolePool();
    const own = await ownView(id, actor, pool, false);
    if (!own.ok) return own.outcome;
    const after = await shareView(pool, id, shared);
    if (!after) return notFound(id);
    return {
      ok: true,
      message: shared
        ? `View "${after.name}" shared: anyone signed in who may see the ${VIEW_PAGES[after.path].label} page opens its link`
        : `View "${after.name}" is private again: its link opens for you only`,
      before: recorded(own.view),
      after: recorded(after),
    };
  },
};

export const deleteViewMutation: Mutation<ViewIdInput> = {
  action: 'views.delete',
  permission: 'views:save',
  parse: parseViewId,
  rawTarget: (input) => targetOf(rawField(input, 'id')),
  target: (value) => `view/${value.id}`,
  run: async ({ id }, actor, context) => {
    const pool = context.consolePool();
    const own = await ownView(id, actor, pool, true);
    if (!own.ok) return own.outcome;
    if (!(await deleteView(pool, id))) return notFound(id);
    return {
      ok: true,
      message: `View "${own.view.name}"${own.view.ownerId === actor.id ? '' : ` of ${own.view.ownerName}`} deleted`,
      before: recorded(own.view),
    };
  },
};
