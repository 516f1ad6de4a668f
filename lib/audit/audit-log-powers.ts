// Whether the role the console connects as could rewrite its own audit log. The append-only
// triggers stop UPDATE, DELETE and TRUNCATE, but not a role that can step past them: a superuser
// (session_replication_role = replica), the table's owner or a member of it (ALTER TABLE … DISABLE
// TRIGGER). The hash chain then shows the change afterwards; this says beforehand that it is possible.
import type pg from 'pg';

interface PowersRow {
  role: string;
  superuser: boolean;
  create_role: boolean;
  server_version: number;
  owner: string;
  owner_member: boolean;
  privileges: string[];
}

/**
 * One sentence naming what lets the connected role rewrite `console_audit_log` (the one in its
 * search_path), or null when it can only read and append (or the table does not exist yet).
 */
export async function auditLogRewritePowers(queryable: pg.Pool | pg.ClientBase): Promise<string | null> {
  const { rows } = await queryable.query<PowersRow>(
    `SELECT current_user::text AS role, r.rolsuper AS superuser, r.rolcreaterole AS create_role,
            current_setting('server_version_num')::int AS server_version,
            t.relowner::regrole::text AS owner,
            pg_has_role(current_user, t.relowner, 'MEMBER') AS owner_member,
            ARRAY(SELECT p FROM unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE']) p WHERE has_table_privilege(t.oid, p)) AS privileges
       FROM pg_roles r, pg_class t
      WHERE r.rolname = current_user AND t.oid = to_regclass('console_audit_log')`,
  );
  const found = rows[0];
  if (!found) return null;
  const powers: string[] = [];
  if (found.superuser) {
    powers.push(
      'is a superuser (it can step past the append-only triggers: SET session_replication_role = replica, or ALTER TABLE … DISABLE TRIGGER)',
    );
  } else {
    if (found.owner === found.role) powers.push('owns console_audit_log (it can disable or drop its triggers)');
    else if (found.owner_member)
      powers.push(`is a member of console_audit_log's owner ${found.owner} (it can disable or drop its triggers)`);
    // Before PostgreSQL 16, CREATEROLE could grant itself membership in any role that is not a superuser.
    else if (found.create_role && found.server_version < 160000)
      powers.push(`has CREATEROLE (before PostgreSQL 16 it can make itself a member of the owner ${found.owner})`);
    if (found.privileges.length > 0 && found.owner !== found.role && !found.owner_member) {
      powers.push(`holds ${found.privileges.join(', ')} on console_audit_log (only the triggers stand in the way)`);
    }
  }
  return powers.length > 0 ? `role ${found.role} ${powers.join('; ')}` : null;
}
