-- NVSentinel's own PostgreSQL schema (its store-client migrations 1-3), written so that it is a
-- no-op on a database NVSentinel already created: every statement is IF NOT EXISTS, triggers are
-- created only when missing, and the trigger function is the one NVSentinel's migration 2
-- installs (change row + pg_notify on 'nvsentinel_changes').
-- Recording versions 1-3 in nvsentinel_schema_migrations lets NVSentinel's components, which
-- refuse to start below schema version 3, run against a database this project created.

CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

CREATE TABLE IF NOT EXISTS nvsentinel_schema_migrations (
    version     BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS maintenance_events (
    id                       UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    event_id                 VARCHAR(255) UNIQUE NOT NULL,
    csp                      VARCHAR(50) NOT NULL,
    cluster_name             VARCHAR(255) NOT NULL,
    node_name                VARCHAR(255),
    status                   VARCHAR(50) NOT NULL,
    csp_status               VARCHAR(50),
    scheduled_start_time     TIMESTAMPTZ,
    actual_end_time          TIMESTAMPTZ,
    event_received_timestamp TIMESTAMPTZ NOT NULL,
    last_updated_timestamp   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    document                 JSONB NOT NULL,
    created_at               TIMESTAMPTZ DEFAULT NOW(),
    updated_at               TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX IF NOT EXISTS idx_maintenance_events_event_id ON maintenance_events (event_id);
CREATE INDEX IF NOT EXISTS idx_maintenance_events_csp_cluster ON maintenance_events (csp, cluster_name);
CREATE INDEX IF NOT EXISTS idx_maintenance_events_node_status ON maintenance_events (node_name, status);
CREATE INDEX IF NOT EXISTS idx_maintenance_events_status_scheduled ON maintenance_events (status, scheduled_start_time)
    WHERE scheduled_start_time IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_maintenance_events_status_actual_end ON maintenance_events (status, actual_end_time)
    WHERE actual_end_time IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_maintenance_events_received_desc ON maintenance_events (csp, cluster_name, event_received_timestamp DESC);
CREATE INDEX IF NOT EXISTS idx_maintenance_events_last_updated ON maintenance_events (last_updated_timestamp DESC);
CREATE INDEX IF NOT EXISTS idx_maintenance_events_csp_status ON maintenance_events (csp_status) WHERE csp_status IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_maintenance_events_document_gin ON maintenance_events USING GIN (document);

CREATE TABLE IF NOT EXISTS health_events (
    id                          UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    node_name                   VARCHAR(255) NOT NULL,
    event_type                  VARCHAR(100),
    severity                    VARCHAR(50),
    recommended_action          VARCHAR(100),
    node_quarantined            VARCHAR(50),
    user_pods_eviction_status   VARCHAR(50) DEFAULT 'NotStarted',
    user_pods_eviction_message  TEXT,
    fault_remediated            BOOLEAN,
    last_remediation_timestamp  TIMESTAMPTZ,
    document                    JSONB NOT NULL,
    created_at                  TIMESTAMPTZ DEFAULT NOW(),
    updated_at                  TIMESTAMPTZ DEFAULT NOW()
);
ALTER TABLE health_events ADD COLUMN IF NOT EXISTS quarantine_finish_timestamp TIMESTAMPTZ;
ALTER TABLE health_events ADD COLUMN IF NOT EXISTS drain_finish_timestamp TIMESTAMPTZ;

CREATE INDEX IF NOT EXISTS idx_health_events_node_name ON health_events (node_name);
CREATE INDEX IF NOT EXISTS idx_health_events_node_type ON health_events (node_name, event_type);
CREATE INDEX IF NOT EXISTS idx_health_events_quarantined ON health_events (node_quarantined) WHERE node_quarantined IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_health_events_eviction_status ON health_events (user_pods_eviction_status);
CREATE INDEX IF NOT EXISTS idx_health_events_created_desc ON health_events (created_at DESC);
CREATE INDEX IF NOT EXISTS idx_health_events_created_id ON health_events (created_at, id);
CREATE INDEX IF NOT EXISTS idx_health_events_updated_desc ON health_events (updated_at DESC);
CREATE INDEX IF NOT EXISTS idx_health_events_document_gin ON health_events USING GIN (document);
CREATE UNIQUE INDEX IF NOT EXISTS healthevent_idempotency_key_unique
    ON health_events ((document #>> '{healthevent,metadata,idempotencyKey}'))
    WHERE (document #>> '{healthevent,metadata,idempotencyKey}') IS NOT NULL;

CREATE TABLE IF NOT EXISTS datastore_changelog (
    id          BIGSERIAL PRIMARY KEY,
    table_name  VARCHAR(100) NOT NULL,
    record_id   UUID NOT NULL,
    operation   VARCHAR(20) NOT NULL,
    old_values  JSONB,
    new_values  JSONB,
    changed_at  TIMESTAMPTZ DEFAULT NOW(),
    processed   BOOLEAN DEFAULT FALSE
);
CREATE INDEX IF NOT EXISTS idx_changelog_unprocessed ON datastore_changelog (changed_at) WHERE processed = FALSE;
CREATE INDEX IF NOT EXISTS idx_changelog_table_record ON datastore_changelog (table_name, record_id);
CREATE INDEX IF NOT EXISTS idx_changelog_resume ON datastore_changelog (table_name, changed_at, id) WHERE processed = FALSE;

CREATE TABLE IF NOT EXISTS resume_tokens (
    client_name  VARCHAR(255) PRIMARY KEY,
    resume_token JSONB NOT NULL,
    last_updated TIMESTAMPTZ DEFAULT NOW()
);

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

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'health_events_changes'
                   AND tgrelid = 'health_events'::regclass) THEN
        CREATE TRIGGER health_events_changes
            AFTER INSERT OR UPDATE OR DELETE ON health_events
            FOR EACH ROW EXECUTE FUNCTION log_table_changes();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'maintenance_events_changes'
                   AND tgrelid = 'maintenance_events'::regclass) THEN
        CREATE TRIGGER maintenance_events_changes
            AFTER INSERT OR UPDATE OR DELETE ON maintenance_events
            FOR EACH ROW EXECUTE FUNCTION log_table_changes();
    END IF;
END $$;

INSERT INTO nvsentinel_schema_migrations (version, description) VALUES
    (1, 'initial schema'),
    (2, 'reconcile runtime schema'),
    (3, 'health event idempotency index')
ON CONFLICT (version) DO NOTHING;
