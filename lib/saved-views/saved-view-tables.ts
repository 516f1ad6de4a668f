// Named views' rows in the console database (prisma/migrations/20261207000600_console_saved_views),
// written only through lib/actions/saved-view-mutations.ts and read by lib/queries/saved-views.ts.
import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import { VIEWS_PER_USER, type SavedViewRow, type ViewPath } from '@/lib/queries/saved-views-view';

export interface SavedView {
  id: string;
  ownerId: string;
  ownerName: string;
  name: string;
  path: ViewPath;
  query: string;
  shared: boolean;
  updatedAt: Date;
}

interface ViewRecord {
  id: string;
  owner_id: string;
  owner_name: string | null;
  name: string;
  path: ViewPath;
  query: string;
  shared: boolean;
  updated_at: Date;
}

const toView = (row: ViewRecord): SavedView => ({
  id: row.id,
  ownerId: row.owner_id,
  ownerName: row.owner_name ?? row.owner_id,
  name: row.name,
  path: row.path,
  query: row.query,
  shared: row.shared,
  updatedAt: row.updated_at,
});

export const toViewRow = (view: SavedView, actorId: string): SavedViewRow => ({
  id: view.id,
  name: view.name,
  path: view.path,
  query: view.query,
  shared: view.shared,
  ownerId: view.ownerId,
  ownerName: view.ownerName,
  mine: view.ownerId === actorId,
  updatedAt: view.updatedAt.toISOString(),
});

const SELECT = `SELECT v.id, v.owner_id, COALESCE(u.username, u.email) AS owner_name, v.name, v.path, v.query,
                       v.shared, v.updated_at
                  FROM console_saved_views v LEFT JOIN console_user u ON u.id = v.owner_id`;

export async function getView(pool: pg.Pool, id: string): Promise<SavedView | null> {
  const { rows } = await pool.query<ViewRecord>(`${SELECT} WHERE v.id = $1`, [id]);
  return rows[0] ? toView(rows[0]) : null;
}

/** One owner's views by name, or (ownerId null) everyone's, by owner then name. */
export async function listViews(pool: pg.Pool, ownerId: string | null): Promise<SavedView[]> {
  const { rows } = await pool.query<ViewRecord>(
    ownerId === null
      ? `${SELECT} ORDER BY owner_name, lower(v.name)`
      : `${SELECT} WHERE v.owner_id = $1 ORDER BY lower(v.name)`,
    ownerId === null ? [] : [ownerId],
  );
  return rows.map(toView);
}

/** The owner has a view of this name (any case) already: the unique index refused it. */
export class ViewNameTaken extends Error {}
/** The owner keeps VIEWS_PER_USER views already. */
export class TooManyViews extends Error {}

const nameTaken = (error: unknown, name: string) =>
  (error as { code?: string }).code === '23505'
    ? new ViewNameTaken(`you have a view named "${name}" already; choose another name or rename that one`)
    : error;

/**
 * Stores a new view unless its owner keeps VIEWS_PER_USER already. The count and the insert run under
 * a lock per owner, so two saves at once cannot both take the last place.
 */
export async function createView(
  pool: pg.Pool,
  fields: { ownerId: string; name: string; path: ViewPath; query: string },
): Promise<SavedView> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('console_saved_views:' || $1))", [fields.ownerId]);
    const { rows: counted } = await client.query<{ count: string }>(
      'SELECT count(*) AS count FROM console_saved_views WHERE owner_id = $1',
      [fields.ownerId],
    );
    if (Number(counted[0].count) >= VIEWS_PER_USER)
      throw new TooManyViews(
        `you keep ${VIEWS_PER_USER} views already, the most one user may; delete one you no longer use first`,
      );
    const id = randomUUID();
    await client.query(
      'INSERT INTO console_saved_views (id, owner_id, name, path, query) VALUES ($1, $2, $3, $4, $5)',
      [id, fields.ownerId, fields.name, fields.path, fields.query],
    );
    await client.query('COMMIT');
    return (await getView(pool, id))!;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw nameTaken(error, fields.name);
  } finally {
    client.release();
  }
}

/** null when there is no such view. */
export async function renameView(pool: pg.Pool, id: string, name: string): Promise<SavedView | null> {
  try {
    const { rowCount } = await pool.query(
      'UPDATE console_saved_views SET name = $2, updated_at = NOW() WHERE id = $1',
      [id, name],
    );
    return rowCount ? getView(pool, id) : null;
  } catch (error) {
    throw nameTaken(error, name);
  }
}

export async function shareView(pool: pg.Pool, id: string, shared: boolean): Promise<SavedView | null> {
  const { rowCount } = await pool.query(
    'UPDATE console_saved_views SET shared = $2, updated_at = NOW() WHERE id = $1',
    [id, shared],
  );
  return rowCount ? getView(pool, id) : null;
}

export async function deleteView(pool: pg.Pool, id: string): Promise<boolean> {
  const { rowCount } = await pool.query('DELETE FROM console_saved_views WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}
