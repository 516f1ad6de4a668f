// Proof that nothing changed NVSentinel's schema: an event trigger logs every DDL command that
// succeeds in the database from then on (whoever runs it), and a fingerprint of the catalog
// (relations, columns, indexes, triggers, functions, schemas) is compared before and after.
// No vitest import: the browser tests use it too.
import type pg from 'pg';

const CATALOG = `
SELECT md5(string_agg(item, '|' ORDER BY item)) AS fingerprint FROM (
  SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' || COALESCE(pg_get_indexdef(c.oid), '') AS item
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relname <> 'ddl_log'
  UNION ALL
  SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || COALESCE(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT t.tgisinternal
  UNION ALL
  SELECT 'function ' || p.proname || ' ' || md5(p.prosrc) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname = 'public' AND p.proname <> 'log_ddl'
  UNION ALL
  SELECT 'schema ' || nspname FROM pg_namespace
) catalog`;

export async function catalogFingerprint(client: pg.ClientBase): Promise<string> {
  return (await client.query<{ fingerprint: string }>(CATALOG)).rows[0].fingerprint;
}

/** Starts logging DDL (run as a superuser, after the schema under test is in place). */
export async function watchDdl(client: pg.ClientBase): Promise<void> {
  await client.query(`CREATE TABLE ddl_log (at TIMESTAMPTZ DEFAULT clock_timestamp(), tag TEXT, object TEXT)`);
  await client.query(`CREATE FUNCTION log_ddl() RETURNS event_trigger SECURITY DEFINER LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO ddl_log (tag, object) SELECT command_tag, object_identity FROM pg_event_trigger_ddl_commands(); END $$`);
  await client.query(`CREATE EVENT TRIGGER log_every_ddl ON ddl_command_end EXECUTE FUNCTION log_ddl()`);
}

/** The DDL commands logged since watchDdl, as "<tag> <object>". */
export async function loggedDdl(client: pg.ClientBase): Promise<string[]> {
  return (
    await client.query<{ tag: string; object: string | null }>(`SELECT tag, object FROM ddl_log ORDER BY at`)
  ).rows.map((row) => `${row.tag} ${row.object ?? ''}`.trim());
}

export async function stopWatchingDdl(client: pg.ClientBase): Promise<void> {
  await client.query('DROP EVENT TRIGGER IF EXISTS log_every_ddl');
}
