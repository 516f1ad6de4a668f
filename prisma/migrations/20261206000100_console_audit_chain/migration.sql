-- The audit log as a hash chain: each entry carries the hash of the one before it and its own,
-- sha256 over that hash and the entry's content, so an entry rewritten or removed behind the
-- append-only triggers (by a superuser: session_replication_role = replica, or the triggers
-- disabled) breaks the chain from there on, and the Audit page says where.
--
-- chain_seq is the order entries were chained in: an advisory lock makes appends take their turn,
-- so the chain is total even when ids (drawn before the lock) arrive out of order.
ALTER TABLE console_audit_log ADD COLUMN IF NOT EXISTS chain_seq BIGINT;
ALTER TABLE console_audit_log ADD COLUMN IF NOT EXISTS prev_hash TEXT;
ALTER TABLE console_audit_log ADD COLUMN IF NOT EXISTS hash TEXT;

-- What an entry's hash covers: every column but the chain's own, in one canonical text.
CREATE OR REPLACE FUNCTION console_audit_log_content(entry console_audit_log) RETURNS TEXT AS $$
    SELECT jsonb_build_array(entry.id, to_char(entry.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), entry.actor,
        entry.actor_role, entry.action, entry.target, entry.reason, entry.state_before, entry.state_after, entry.outcome,
        entry.detail, entry.request_id, entry.client_address)::text;
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION console_audit_log_entry_hash(previous TEXT, entry console_audit_log) RETURNS TEXT AS $$
    SELECT encode(sha256(convert_to(previous || '|' || console_audit_log_content(entry), 'UTF8')), 'hex');
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION console_audit_log_chain() RETURNS trigger AS $$
DECLARE
    last_seq BIGINT;
    last_hash TEXT;
BEGIN
    -- One append at a time, until this transaction ends (key: 'audit chain').
    PERFORM pg_advisory_xact_lock(7468214593);
    SELECT chain_seq, hash INTO last_seq, last_hash FROM console_audit_log
     WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
    NEW.chain_seq := COALESCE(last_seq, 0) + 1;
    NEW.prev_hash := COALESCE(last_hash, '');
    NEW.hash := console_audit_log_entry_hash(NEW.prev_hash, NEW);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Entries written before: chained once, in id order (the append-only trigger steps aside for it).
ALTER TABLE console_audit_log DISABLE TRIGGER console_audit_log_no_change;
DO $$
DECLARE
    entry console_audit_log;
    previous TEXT := '';
    seq BIGINT := 0;
BEGIN
    FOR entry IN SELECT * FROM console_audit_log WHERE chain_seq IS NULL ORDER BY id LOOP
        seq := seq + 1;
        entry.chain_seq := seq;
        entry.prev_hash := previous;
        entry.hash := console_audit_log_entry_hash(previous, entry);
        UPDATE console_audit_log SET chain_seq = entry.chain_seq, prev_hash = entry.prev_hash, hash = entry.hash WHERE id = entry.id;
        previous := entry.hash;
    END LOOP;
END
$$;
ALTER TABLE console_audit_log ENABLE TRIGGER console_audit_log_no_change;

DROP TRIGGER IF EXISTS console_audit_log_chain ON console_audit_log;
CREATE TRIGGER console_audit_log_chain BEFORE INSERT ON console_audit_log
    FOR EACH ROW EXECUTE FUNCTION console_audit_log_chain();
CREATE UNIQUE INDEX IF NOT EXISTS idx_console_audit_log_chain_seq ON console_audit_log (chain_seq);
