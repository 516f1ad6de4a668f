-- Roll-ups for the Throughput page (issue 18): health events counted per minute, quarter-hour and
-- hour of their creation, separately by agent, check, component class and severity (each row one
-- value of one of them, with fatality), kept by the replica that keeps the node projection, in the
-- same transaction as the projection's rows and checkpoint (lib/projection/event-counts.ts), and
-- backfilled by its build. Charts read these instead of every event.
CREATE TABLE IF NOT EXISTS console_event_counts (
    -- 60: a minute's row (kept two days); 900: a quarter-hour's; 3600: an hour's.
    span_seconds INTEGER     NOT NULL CHECK (span_seconds IN (60, 900, 3600)),
    -- 'agent', 'checkName', 'componentClass' or 'severity' (fatal, unhealthy, healthy).
    dimension    TEXT        NOT NULL,
    bucket       TIMESTAMPTZ NOT NULL,
    value        TEXT        NOT NULL,
    is_fatal     BOOLEAN     NOT NULL,
    count        BIGINT      NOT NULL,
    PRIMARY KEY (span_seconds, dimension, bucket, value, is_fatal)
);

-- Which roll-ups a kept projection carries (0: none, built before they existed): a projection
-- without the console's current roll-ups is built again, which backfills them.
ALTER TABLE console_projection_state ADD COLUMN IF NOT EXISTS rollup_version INTEGER NOT NULL DEFAULT 0;
