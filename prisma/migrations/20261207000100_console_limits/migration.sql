-- The console's limits, kept here so that they hold across every replica on this database rather
-- than once per process (issue 18). Each row is read and changed by one statement
-- (INSERT ... ON CONFLICT DO UPDATE ... WHERE), so replicas racing on one account or user queue on
-- its row and never both pass a limit. Rows past their expiry count for nothing and are deleted by
-- the console as it goes (lib/auth/sign-in-throttle.ts, lib/security/shared-rate-limiter.ts).

-- Sign-in attempts in a row per account name (lib/auth/sign-in-throttle.ts): five free, then each
-- further attempt waits twice as long as the one before, up to 15 minutes; a success deletes the
-- row, a day without attempts forgets it. Keyed by a hash of the name as typed (trimmed, lower
-- case): names that do not exist are counted too, and a password typed into the name field by
-- mistake is not kept readable.
CREATE TABLE IF NOT EXISTS console_sign_in_attempts (
    name_hash     CHAR(64)    NOT NULL PRIMARY KEY,
    -- Attempts counted since the last success (counted before the password is checked).
    attempts      INTEGER     NOT NULL,
    last_at       TIMESTAMPTZ NOT NULL,
    -- last_at + the delay `attempts` earn: the next attempt is refused before this.
    blocked_until TIMESTAMPTZ NOT NULL,
    -- last_at + a day: from then the row counts nothing and may be deleted.
    forget_at     TIMESTAMPTZ NOT NULL
);
-- For the sweep of forgotten rows.
CREATE INDEX IF NOT EXISTS idx_console_sign_in_attempts_forget ON console_sign_in_attempts (forget_at);

-- Sliding-window rate limits (lib/security/shared-rate-limiter.ts; today the changes per user per
-- minute, CONSOLE_MUTATION_RATE_LIMIT): one row per limit and key, holding the times of the events
-- counted in the last window. Times rather than a count per fixed window, since a fixed window lets
-- a user make twice the limit within a minute across its boundary. At most `limit` times are kept.
CREATE TABLE IF NOT EXISTS console_rate_windows (
    limiter    VARCHAR(50)   NOT NULL,
    key        TEXT          NOT NULL,
    hits       TIMESTAMPTZ[] NOT NULL,
    -- The newest hit + the window: from then the row counts nothing and may be deleted.
    expires_at TIMESTAMPTZ   NOT NULL,
    PRIMARY KEY (limiter, key)
);
-- For the sweep of expired rows.
CREATE INDEX IF NOT EXISTS idx_console_rate_windows_expires ON console_rate_windows (expires_at);
