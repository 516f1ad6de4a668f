-- This project's own tables for the change feed (prefix console_; NVSentinel never reads them).

-- Every consumer the store SDK knows, beside its position in NVSentinel's resume_tokens.
-- last_seen_at is a heartbeat from a running feed (tells a stopped consumer from a stalled one);
-- position_lost_at is set when changelog retention removed rows the consumer had not read.
CREATE TABLE IF NOT EXISTS console_consumers (
    client_name          VARCHAR(255) PRIMARY KEY,
    registered_at        TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    last_seen_at         TIMESTAMPTZ,
    position_lost_at     TIMESTAMPTZ,
    position_lost_reason TEXT
);

-- Events a consumer's handler kept failing on. Stored, visible, retryable.
CREATE TABLE IF NOT EXISTS console_dead_letters (
    id               BIGSERIAL PRIMARY KEY,
    client_name      VARCHAR(255) NOT NULL,
    position         TEXT NOT NULL,
    table_name       VARCHAR(100) NOT NULL,
    record_id        UUID,
    operation        VARCHAR(20) NOT NULL,
    change           JSONB NOT NULL,
    error            TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    first_failed_at  TIMESTAMPTZ NOT NULL,
    last_failed_at   TIMESTAMPTZ NOT NULL,
    status           VARCHAR(20) NOT NULL DEFAULT 'dead'
                     CHECK (status IN ('dead', 'retry_requested', 'retrying', 'resolved')),
    retry_requested_at TIMESTAMPTZ,
    resolved_at      TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS idx_console_dead_letters_client_status ON console_dead_letters (client_name, status, id);

-- How far changelog retention has removed rows, in commit order (txid, id).
CREATE TABLE IF NOT EXISTS console_changelog_retention (
    singleton        BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    removed_through_txid xid8 NOT NULL,
    removed_through_id   BIGINT NOT NULL,
    removed_rows     BIGINT NOT NULL DEFAULT 0,
    last_run_at      TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
