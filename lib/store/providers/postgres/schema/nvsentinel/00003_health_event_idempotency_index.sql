-- NVSentinel schema version 3: one idempotency key per health event (the deployment platform
-- connector's batches). nvsentinel:no-transaction — the index is built CONCURRENTLY so inserts go on,
-- and a failed or cancelled build leaves an INVALID index, which the check below refuses.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS healthevent_idempotency_key_unique
    ON health_events ((document #>> '{healthevent,metadata,idempotencyKey}'))
    WHERE (document #>> '{healthevent,metadata,idempotencyKey}') IS NOT NULL;

DO $$
DECLARE
    index_unique BOOLEAN;
    index_valid BOOLEAN;
    index_columns SMALLINT;
BEGIN
    SELECT i.indisunique, i.indisvalid, i.indnatts INTO index_unique, index_valid, index_columns
    FROM pg_index i JOIN pg_class idx ON idx.oid = i.indexrelid
    WHERE idx.relname = 'healthevent_idempotency_key_unique' AND i.indrelid = to_regclass('health_events');
    IF NOT FOUND THEN
        RAISE EXCEPTION 'index healthevent_idempotency_key_unique does not exist on health_events';
    END IF;
    IF NOT index_valid THEN
        RAISE EXCEPTION 'index healthevent_idempotency_key_unique is INVALID'
            USING HINT = 'DROP INDEX CONCURRENTLY IF EXISTS healthevent_idempotency_key_unique; then apply this file again';
    END IF;
    IF NOT index_unique OR index_columns <> 1 THEN
        RAISE EXCEPTION 'index healthevent_idempotency_key_unique exists with a different definition';
    END IF;
END
$$;

INSERT INTO nvsentinel_schema_migrations (version, description)
VALUES (3, 'health event idempotency index')
ON CONFLICT (version) DO NOTHING;
