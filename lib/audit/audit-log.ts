// The audit log: append and read, nothing else. The table refuses UPDATE, DELETE and TRUNCATE by
// trigger (migration 20261202000000), so this is the whole interface on purpose.
import type pg from 'pg';

import type { AuditEntry, AuditEntryInput, AuditOutcome } from './audit-entry';

// Stored text is cut here: an attacker's 1 MB "reason" is recorded as invalid, not stored whole.
const MAX_TEXT = 2_000;
const clip = (text: string | null): string | null =>
  text === null ? null : text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}… (${text.length} characters)` : text;
// PostgreSQL text cannot hold NUL; everything else is kept as sent (it is rendered as text).
const storable = (text: string | null): string | null => clip(text)?.replaceAll('\u0000', '\\u0000') ?? null;

export async function appendAudit(pool: pg.Pool, entry: AuditEntryInput): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO console_audit_log (actor, actor_role, action, target, reason, state_before, state_after, outcome, detail, request_id, client_address)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id::text`,
    [
      storable(entry.actor),
      entry.actorRole,
      entry.action.slice(0, 100),
      storable(entry.target),
      storable(entry.reason),
      entry.stateBefore === undefined ? null : JSON.stringify(entry.stateBefore),
      entry.stateAfter === undefined ? null : JSON.stringify(entry.stateAfter),
      entry.outcome,
      storable(entry.detail),
      entry.requestId.slice(0, 100),
      entry.clientAddress?.slice(0, 100) ?? null,
    ],
  );
  return rows[0].id;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  /** Other names of that target (a user's id and username): an entry recorded under either matches. */
  targetAliases?: string[];
  outcome?: AuditOutcome;
  /** One request's record (the X-Request-Id every response carries). */
  requestId?: string;
  from?: Date;
  to?: Date;
  /** Entries older than this id (keyset paging, newest first). */
  before?: string;
}

interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  actor_role: string | null;
  action: string;
  target: string | null;
  reason: string | null;
  state_before: unknown;
  state_after: unknown;
  outcome: AuditOutcome;
  detail: string | null;
  request_id: string;
  client_address: string | null;
}

function where(filter: AuditFilter): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    clauses.push(clause.replace('?', `$${params.length}`));
  };
  if (filter.actor) add('actor = ?', filter.actor);
  if (filter.action) add('action = ?', filter.action);
  if (filter.target) add('target = ANY(?)', [filter.target, ...(filter.targetAliases ?? [])]);
  if (filter.outcome) add('outcome = ?', filter.outcome);
  if (filter.requestId) add('request_id = ?', filter.requestId);
  if (filter.from) add('at >= ?', filter.from);
  if (filter.to) add('at < ?', filter.to);
  if (filter.before) add('id < ?', filter.before);
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

const toEntry = (row: AuditRow): AuditEntry => ({
  id: row.id,
  at: row.at.toISOString(),
  actor: row.actor,
  actorRole: row.actor_role,
  action: row.action,
  target: row.target,
  reason: row.reason,
  stateBefore: row.state_before,
  stateAfter: row.state_after,
  outcome: row.outcome,
  detail: row.detail,
  requestId: row.request_id,
  clientAddress: row.client_address,
});

/** Newest first, at most `limit`; page on with `before` = the last id. (Ordered by the column, not
 * by the id::text output, which would sort "999" after "1000".) */
export async function listAudit(pool: pg.Pool, filter: AuditFilter, limit = 100): Promise<AuditEntry[]> {
  const { sql, params } = where(filter);
  params.push(Math.max(1, Math.min(limit, 10_000)));
  const { rows } = await pool.query<AuditRow>(
    `SELECT id::text, at, actor, actor_role, action, target, reason, state_before, state_after, outcome, detail, request_id, client_address
       FROM console_audit_log ${sql} ORDER BY console_audit_log.id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(toEntry);
}

/** Every entry of the filter, newest first, in pages (for the CSV export). */
export async function* eachAudit(pool: pg.Pool, filter: AuditFilter, pageSize = 1_000): AsyncGenerator<AuditEntry> {
  let before = filter.before;
  for (;;) {
    const page = await listAudit(pool, { ...filter, before }, pageSize);
    yield* page;
    if (page.length < pageSize) return;
    before = page[page.length - 1].id;
  }
}

/** The distinct actions and actors, for the page's filter menus. */
export async function auditFacets(pool: pg.Pool): Promise<{ actions: string[]; actors: string[] }> {
  const [actions, actors] = await Promise.all([
    pool.query<{ action: string }>('SELECT DISTINCT action FROM console_audit_log ORDER BY action LIMIT 200'),
    pool.query<{ actor: string }>('SELECT DISTINCT actor FROM console_audit_log ORDER BY actor LIMIT 500'),
  ]);
  return { actions: actions.rows.map((row) => row.action), actors: actors.rows.map((row) => row.actor) };
}
