// The Audit page's read model: a page of entries (newest first), the filter menus, the next page,
// and the usernames of the users its entries name by id. A change of a user is recorded as
// user/<username> once the user is found, but with the id the request sent when refused before that
// (bare, as sent); the page shows the username, and a filter on either finds all of them.
import type pg from 'pg';

import { auditFacets, listAudit, type AuditFilter } from '@/lib/audit/audit-log';
import type { AuditEntry } from '@/lib/audit/audit-entry';
import type { AppContext } from '@/lib/context/app-context';

import { AUDIT_PAGE_SIZE, userTargetKey, type AuditPage } from './audit-view';

export async function readAuditPage(context: AppContext, filter: AuditFilter): Promise<AuditPage> {
  const pool = context.consolePool();
  const [entries, facets] = await Promise.all([
    listAudit(pool, await withUserAliases(pool, filter), AUDIT_PAGE_SIZE + 1),
    auditFacets(pool),
  ]);
  const more = entries.length > AUDIT_PAGE_SIZE;
  const shown = more ? entries.slice(0, AUDIT_PAGE_SIZE) : entries;
  return {
    entries: shown,
    facets,
    users: await userNames(pool, shown.flatMap(userIdsOf)),
    nextBefore: more ? shown[shown.length - 1].id : null,
  };
}

/**
 * The filter with a user's other names: user/<username> (or user/<email>) also finds what was
 * recorded as user/<id> or the bare id, and a filter on the id (either way) finds user/<username>.
 */
export async function withUserAliases(pool: pg.Pool, filter: AuditFilter): Promise<AuditFilter> {
  const target = filter.target;
  if (!target) return filter;
  const named = target.startsWith('user/') ? target.slice('user/'.length) : null;
  // A bare target is a node's name as often as not: it is taken for a user only as an id.
  const { rows } = await pool.query<{ id: string; name: string | null }>(
    named === null
      ? 'SELECT id, username AS name FROM console_user WHERE id = $1'
      : 'SELECT id, username AS name FROM console_user WHERE id = $1 OR username = $1 OR email = $1',
    [named ?? target],
  );
  const aliases = rows.flatMap((row) => [row.id, `user/${row.id}`, ...(row.name ? [`user/${row.name}`] : [])]);
  return { ...filter, targetAliases: [...new Set(aliases)].filter((alias) => alias !== target) };
}

/** The ids an entry may hold: its target's, and a user change's states' (a creation's new id). */
function userIdsOf(entry: AuditEntry): string[] {
  const ids = [userTargetKey(entry.action, entry.target)];
  if (entry.action.startsWith('user.'))
    for (const state of [entry.stateBefore, entry.stateAfter])
      if (typeof state === 'object' && state !== null && 'id' in state && typeof state.id === 'string')
        ids.push(state.id);
  return ids.filter((id): id is string => id !== null);
}

/** Usernames (an email when a user has none) of the ids that are users'. */
async function userNames(pool: pg.Pool, ids: string[]): Promise<Record<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return {};
  const { rows } = await pool.query<{ id: string; name: string }>(
    'SELECT id, coalesce(username, email) AS name FROM console_user WHERE id = ANY($1::text[])',
    [unique],
  );
  return Object.fromEntries(rows.map((row) => [row.id, row.name]));
}
