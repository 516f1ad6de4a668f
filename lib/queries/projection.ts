// The Providers page's view of the node projection the console keeps in its own database
// (lib/projection): its build, where it stands, and which replica keeps it.
import type pg from 'pg';

import { PROJECTION_LEASE } from '@/lib/projection/projection-lease';
import { ProjectionTables } from '@/lib/projection/projection-tables';

export interface ProjectionView {
  /** When this view was read (ms since the epoch): ages are told from it. */
  readAt: number;
  /** null: not built yet (the first start on this datastore builds it). */
  phase: 'building' | 'live' | null;
  datastore: string | null;
  nodesBuilt: number;
  nodesTotal: number | null;
  buildStartedAt: number | null;
  buildFinishedAt: number | null;
  /** When the keeper last saved (ms since the epoch). */
  savedAt: number | null;
  keeper: { holder: string; epoch: string; since: number; expiresAt: number; expired: boolean } | null;
}

export async function readProjectionView(pool: pg.Pool): Promise<ProjectionView> {
  const [state, saved, lease] = await Promise.all([
    new ProjectionTables(pool).state(),
    pool.query<{ updated_at: Date }>(`SELECT updated_at FROM console_projection_state WHERE name = 'nodes'`),
    pool.query<{ holder: string; epoch: string; acquired_at: Date; expires_at: Date; expired: boolean }>(
      `SELECT holder, epoch::text AS epoch, acquired_at, expires_at, expires_at <= now() AS expired FROM console_leases WHERE name = $1`,
      [PROJECTION_LEASE],
    ),
  ]);
  const keeper = lease.rows[0];
  return {
    readAt: Date.now(),
    phase: state?.phase ?? null,
    datastore: state?.datastore ?? null,
    nodesBuilt: state?.nodesBuilt ?? 0,
    nodesTotal: state?.nodesTotal ?? null,
    buildStartedAt: state?.buildStartedAt.getTime() ?? null,
    buildFinishedAt: state?.buildFinishedAt?.getTime() ?? null,
    savedAt: saved.rows[0]?.updated_at.getTime() ?? null,
    keeper: keeper
      ? {
          holder: keeper.holder,
          epoch: keeper.epoch,
          since: keeper.acquired_at.getTime(),
          expiresAt: keeper.expires_at.getTime(),
          expired: keeper.expired,
        }
      : null,
  };
}
