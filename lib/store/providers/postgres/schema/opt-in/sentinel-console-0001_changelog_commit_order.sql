-- Sentinel Console, opt-in migration 0001: the change feed's commit-order column.
--
-- For a DBA, never applied by the console itself. NVSentinel's migration job applies files named
-- NNNNN_*.sql and records their version in nvsentinel_schema_migrations; this file is named apart
-- so it can never be taken for one of NVSentinel's, and it records nothing in that table.
-- nvsentinel:no-transaction — apply with: psql -X -v ON_ERROR_STOP=1 -f <this file>
--
-- Without it the console's change feed reads NVSentinel's changelog in id order and tracks ids
-- whose transaction has not committed yet (docs/decisions.md, "A change feed without DDL"). With
-- it, each changelog row carries the transaction that wrote it, so the feed reads in commit order
-- and no id gap has to be waited out. Additive: NVSentinel's trigger never names the column, its
-- default fills it, and rows written before stay NULL (read as transaction 0: long committed).
-- In one transaction, so no row is written between the column and its default (it would read as
-- transaction 0, long committed, and sort before rows it may follow).
BEGIN;
ALTER TABLE datastore_changelog ADD COLUMN IF NOT EXISTS txid xid8;
ALTER TABLE datastore_changelog ALTER COLUMN txid SET DEFAULT pg_current_xact_id();
COMMIT;

-- CONCURRENTLY: NVSentinel's writers keep inserting while the index is built.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_changelog_commit_order
    ON datastore_changelog ((COALESCE(txid, '0'::xid8)), id);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relname = 'idx_changelog_commit_order' AND i.indisvalid) THEN
        RAISE EXCEPTION 'index idx_changelog_commit_order is missing or INVALID'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS idx_changelog_commit_order; then apply this file again';
    END IF;
END
$$;
