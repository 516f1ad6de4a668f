-- NVSentinel schema version 2: the finish timestamps, the reader's resume index, and the trigger
-- function again, now notifying 'nvsentinel_changes' for every change row. One transaction.
BEGIN;

ALTER TABLE health_events ADD COLUMN IF NOT EXISTS quarantine_finish_timestamp TIMESTAMPTZ;
ALTER TABLE health_events ADD COLUMN IF NOT EXISTS drain_finish_timestamp TIMESTAMPTZ;

CREATE INDEX IF NOT EXISTS idx_changelog_resume ON datastore_changelog (table_name, changed_at, id)
    WHERE processed = FALSE;

CREATE OR REPLACE FUNCTION log_table_changes() RETURNS TRIGGER AS $$
DECLARE
    changelog_id BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO datastore_changelog (table_name, record_id, operation, old_values)
        VALUES (TG_TABLE_NAME, OLD.id, TG_OP, to_jsonb(OLD))
        RETURNING id INTO changelog_id;
        PERFORM pg_notify('nvsentinel_changes',
            json_build_object('id', changelog_id, 'table', TG_TABLE_NAME, 'operation', TG_OP)::text);
        RETURN OLD;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO datastore_changelog (table_name, record_id, operation, old_values, new_values)
        VALUES (TG_TABLE_NAME, NEW.id, TG_OP, to_jsonb(OLD), to_jsonb(NEW))
        RETURNING id INTO changelog_id;
        PERFORM pg_notify('nvsentinel_changes',
            json_build_object('id', changelog_id, 'table', TG_TABLE_NAME, 'operation', TG_OP)::text);
        RETURN NEW;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO datastore_changelog (table_name, record_id, operation, new_values)
        VALUES (TG_TABLE_NAME, NEW.id, TG_OP, to_jsonb(NEW))
        RETURNING id INTO changelog_id;
        PERFORM pg_notify('nvsentinel_changes',
            json_build_object('id', changelog_id, 'table', TG_TABLE_NAME, 'operation', TG_OP)::text);
        RETURN NEW;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

INSERT INTO nvsentinel_schema_migrations (version, description)
VALUES (2, 'reconcile historical Go runtime DDL')
ON CONFLICT (version) DO NOTHING;

COMMIT;
