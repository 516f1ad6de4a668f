-- Commit-safe change feed (see docs/decisions.md, "Reading the changelog below the visibility
-- horizon"). Changelog ids and changed_at are assigned before commit, so a reader that pages by
-- either can pass over a row whose transaction commits late. Recording the writing transaction's
-- id lets the feed deliver only rows whose transaction is below the oldest still-running one.
--
-- Additive and safe for NVSentinel's writers: the column is filled by its default, which NVSentinel's
-- trigger never names. It is added without a default first so existing rows are not rewritten
-- (they stay NULL and sort first, as transaction 0: every one of them committed long ago).
ALTER TABLE datastore_changelog ADD COLUMN IF NOT EXISTS txid xid8;
ALTER TABLE datastore_changelog ALTER COLUMN txid SET DEFAULT pg_current_xact_id();

CREATE INDEX IF NOT EXISTS idx_changelog_commit_order
    ON datastore_changelog ((COALESCE(txid, '0'::xid8)), id);
