-- Webhook alerts (issue 19, lib/alerts): where alerts go, what is raised, and every attempt to send
-- one. Several replicas run on one database and each sees the same change feed and lag samples, so
-- an alert is stored once under a key naming its occurrence (a CONTACT_SUPPORT event's record id; a
-- condition's episode), and only the replica whose insert made the row creates its deliveries. Any
-- replica sends a delivery that is due, after claiming it (FOR UPDATE SKIP LOCKED, claimed_until):
-- one send per attempt whichever replicas run (docs/decisions.md, "Alerts").

-- Webhook destinations an admin configures on /admin/alerts.
CREATE TABLE IF NOT EXISTS console_alert_destinations (
    id          UUID         NOT NULL PRIMARY KEY,
    name        VARCHAR(100) NOT NULL UNIQUE,
    -- http or https only (checked by the console before it is stored).
    url         TEXT         NOT NULL,
    -- 'slack' (Slack-compatible {text, blocks}) or 'json' (the alert's fields).
    format      VARCHAR(10)  NOT NULL,
    -- The alert kinds sent here (lib/alerts/alert-kinds.ts).
    kinds       TEXT[]       NOT NULL,
    enabled     BOOLEAN      NOT NULL DEFAULT TRUE,
    -- Alerts raised before this time are logged as muted here, not sent.
    muted_until TIMESTAMPTZ,
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    updated_at  TIMESTAMPTZ  NOT NULL DEFAULT NOW()
);

-- The alerts' own settings, one row (absent: the defaults).
CREATE TABLE IF NOT EXISTS console_alert_settings (
    singleton                 BOOLEAN     NOT NULL PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    -- A consumer is at risk once its oldest unread change would leave the changelog (or the
    -- oplog window) within this many seconds.
    event_loss_within_seconds INTEGER     NOT NULL,
    updated_at                TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- A condition (a consumer at risk, a stalled consumer, the breaker tripped) per subject: raised
-- by the one replica whose update turned it active, which then stores the alert of that episode.
CREATE TABLE IF NOT EXISTS console_alert_conditions (
    kind       VARCHAR(40) NOT NULL,
    subject    TEXT        NOT NULL,
    active     BOOLEAN     NOT NULL,
    episode    INTEGER     NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (kind, subject)
);

-- Every alert raised, once per occurrence.
CREATE TABLE IF NOT EXISTS console_alerts (
    id             BIGSERIAL   NOT NULL PRIMARY KEY,
    occurrence_key TEXT        NOT NULL UNIQUE,
    kind           VARCHAR(40) NOT NULL,
    subject        TEXT        NOT NULL,
    title          TEXT        NOT NULL,
    summary        TEXT        NOT NULL,
    details        JSONB       NOT NULL,
    raised_at      TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_console_alerts_raised ON console_alerts (raised_at DESC);

-- One alert to one destination: pending until sent, failed after the last attempt.
CREATE TABLE IF NOT EXISTS console_alert_deliveries (
    id              BIGSERIAL   NOT NULL PRIMARY KEY,
    alert_id        BIGINT      NOT NULL REFERENCES console_alerts (id) ON DELETE CASCADE,
    destination_id  UUID        NOT NULL REFERENCES console_alert_destinations (id) ON DELETE CASCADE,
    -- pending, delivered, failed
    status          VARCHAR(12) NOT NULL,
    attempts        INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- A replica sending it holds it until then; past it, another may take it.
    claimed_until   TIMESTAMPTZ,
    UNIQUE (alert_id, destination_id)
);
CREATE INDEX IF NOT EXISTS idx_console_alert_deliveries_due ON console_alert_deliveries (next_attempt_at)
    WHERE status = 'pending';

-- The delivery log: every attempt (and every alert a mute held back), newest first per destination.
CREATE TABLE IF NOT EXISTS console_alert_attempts (
    id             BIGSERIAL   NOT NULL PRIMARY KEY,
    destination_id UUID        NOT NULL REFERENCES console_alert_destinations (id) ON DELETE CASCADE,
    -- null for a test send from the admin page.
    alert_id       BIGINT      REFERENCES console_alerts (id) ON DELETE CASCADE,
    alert_kind     VARCHAR(40) NOT NULL,
    alert_title    TEXT        NOT NULL,
    attempt        INTEGER     NOT NULL,
    at             TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- delivered, retrying, failed, muted
    outcome        VARCHAR(12) NOT NULL,
    status_code    INTEGER,
    error          TEXT,
    duration_ms    INTEGER
);
CREATE INDEX IF NOT EXISTS idx_console_alert_attempts_destination ON console_alert_attempts (destination_id, at DESC);
