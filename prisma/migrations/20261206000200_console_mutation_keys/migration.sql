-- Idempotency keys of changes: a replayed request (the same server action posted twice, a script
-- retrying after a timeout) with a key already seen from the same user is answered with the first
-- answer and not run again. Kept a day (lib/mutations/idempotency.ts deletes older keys).
CREATE TABLE IF NOT EXISTS console_mutation_keys (
    actor_id    TEXT         NOT NULL,
    key         VARCHAR(100) NOT NULL,
    action      VARCHAR(100) NOT NULL,
    target      TEXT,
    -- SHA-256 of the change's input: the same key with other values is another change, refused.
    input_hash  CHAR(64)     NOT NULL,
    request_id  VARCHAR(100) NOT NULL,
    -- NULL while the first request is still running.
    result      JSONB,
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, key)
);
CREATE INDEX IF NOT EXISTS idx_console_mutation_keys_created ON console_mutation_keys (created_at);
