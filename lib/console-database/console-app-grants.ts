// What the console's app role may do in a database whose tables another role (the owner) owns:
// read and write rows, but only append to and read the audit log, and only read the migration
// records. Without ownership it can neither disable the audit log's triggers nor set
// session_replication_role, so the append-only rule holds against the app itself.
//
// Granted again after every migration run instead of through default privileges: a table a later
// migration adds gets its grants at the next start either way, and a grant someone added by hand
// (UPDATE on the audit log) is taken back.
import type pg from 'pg';

/** Tables the app only reads and appends to. */
export const APPEND_ONLY_TABLES = ['console_audit_log'];

/** Tables only migrations write: the console's and NVSentinel's migration records. */
export const MIGRATION_RECORD_TABLES = ['_prisma_migrations', 'nvsentinel_schema_migrations'];

/**
 * Sets `appRole`'s rights on every table and sequence of `schema` (run by the owner or a
 * superuser), in one transaction so the role never holds more, or less, half-way.
 */
export async function grantConsoleAppRole(client: pg.ClientBase, appRole: string, schema = 'public'): Promise<void> {
  const role = client.escapeIdentifier(appRole);
  const namespace = client.escapeIdentifier(schema);
  const existing = async (tables: string[]) => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT c.oid::regclass::text AS name FROM pg_class c
        WHERE c.relnamespace = $1::regnamespace AND c.relname = ANY($2::text[]) AND c.relkind IN ('r', 'p')`,
      [schema, tables],
    );
    return rows.map((row) => row.name);
  };
  await client.query('BEGIN');
  try {
    await client.query(`GRANT USAGE ON SCHEMA ${namespace} TO ${role}`);
    await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${namespace} FROM ${role}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${namespace} TO ${role}`);
    for (const table of await existing(APPEND_ONLY_TABLES))
      await client.query(`REVOKE UPDATE, DELETE ON ${table} FROM ${role}`);
    for (const table of await existing(MIGRATION_RECORD_TABLES))
      await client.query(`REVOKE INSERT, UPDATE, DELETE ON ${table} FROM ${role}`);
    // nextval needs USAGE; no setval (UPDATE), so ids cannot be wound back.
    await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${namespace} FROM ${role}`);
    await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${namespace} TO ${role}`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
