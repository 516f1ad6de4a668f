-- Webhook alerts, two follow-ups (docs/decisions.md, "Alerts: a rate per destination, and the
-- engine's heartbeat"). Additive only: a console of the previous version keeps working on it.

-- At most this many sends a minute to a destination (a sliding minute, kept across replicas in
-- console_rate_windows); alerts over it are folded into one summary delivery, never dropped.
ALTER TABLE console_alert_destinations ADD COLUMN IF NOT EXISTS max_per_minute INTEGER NOT NULL DEFAULT 20
    CHECK (max_per_minute BETWEEN 1 AND 600);

-- status 'folded': over the destination's rate, waiting for its summary; 'summarized' once one
-- carried it (summary_alert_id). A summary's own delivery has summary = TRUE and is never folded.
ALTER TABLE console_alert_deliveries ADD COLUMN IF NOT EXISTS summary BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE console_alert_deliveries ADD COLUMN IF NOT EXISTS summary_alert_id BIGINT
    REFERENCES console_alerts (id) ON DELETE SET NULL;
ALTER TABLE console_alert_deliveries ADD COLUMN IF NOT EXISTS folded_at TIMESTAMPTZ;
CREATE INDEX IF NOT EXISTS idx_console_alert_deliveries_folded ON console_alert_deliveries (destination_id, id)
    WHERE status = 'folded';

-- Each replica's alert engine says it runs: the Alerts page shows which run and when one last
-- looked for due deliveries, so a stopped engine is seen, not taken for a quiet log.
CREATE TABLE IF NOT EXISTS console_alert_engines (
    -- host name and process id: one row per server process.
    replica      TEXT        NOT NULL PRIMARY KEY,
    started_at   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- The engine's last look for due deliveries (every second while it runs).
    beat_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- Set when the engine stopped (the server shut down): not running, and said so.
    stopped_at   TIMESTAMPTZ
);
