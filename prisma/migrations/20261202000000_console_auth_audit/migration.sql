-- Sign-in, roles and the audit log (the console's own tables; NVSentinel never reads them).

-- Better Auth's tables (its column names, camelCase, so its Kysely adapter needs no mapping).
-- role: viewer | operator | admin (lib/auth/roles.ts); banned = the account is disabled.
CREATE TABLE IF NOT EXISTS console_user (
    "id"              TEXT PRIMARY KEY,
    "name"            TEXT NOT NULL,
    "email"           TEXT NOT NULL UNIQUE,
    "emailVerified"   BOOLEAN NOT NULL,
    "image"           TEXT,
    "createdAt"       TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt"       TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "username"        TEXT UNIQUE,
    "displayUsername" TEXT,
    "role"            TEXT,
    "banned"          BOOLEAN,
    "banReason"       TEXT,
    "banExpires"      TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS console_session (
    "id"             TEXT PRIMARY KEY,
    "expiresAt"      TIMESTAMPTZ NOT NULL,
    "token"          TEXT NOT NULL UNIQUE,
    "createdAt"      TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt"      TIMESTAMPTZ NOT NULL,
    "ipAddress"      TEXT,
    "userAgent"      TEXT,
    "userId"         TEXT NOT NULL REFERENCES console_user ("id") ON DELETE CASCADE,
    "impersonatedBy" TEXT
);
CREATE INDEX IF NOT EXISTS "console_session_userId_idx" ON console_session ("userId");

CREATE TABLE IF NOT EXISTS console_account (
    "id"                    TEXT PRIMARY KEY,
    "accountId"             TEXT NOT NULL,
    "providerId"            TEXT NOT NULL,
    "userId"                TEXT NOT NULL REFERENCES console_user ("id") ON DELETE CASCADE,
    "accessToken"           TEXT,
    "refreshToken"          TEXT,
    "idToken"               TEXT,
    "accessTokenExpiresAt"  TIMESTAMPTZ,
    "refreshTokenExpiresAt" TIMESTAMPTZ,
    "scope"                 TEXT,
    "password"              TEXT,
    "createdAt"             TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt"             TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "console_account_userId_idx" ON console_account ("userId");

CREATE TABLE IF NOT EXISTS console_verification (
    "id"         TEXT PRIMARY KEY,
    "identifier" TEXT NOT NULL,
    "value"      TEXT NOT NULL,
    "expiresAt"  TIMESTAMPTZ NOT NULL,
    "createdAt"  TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt"  TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS "console_verification_identifier_idx" ON console_verification ("identifier");

-- Settings the console generates once and keeps (the session-signing secret when
-- BETTER_AUTH_SECRET is not set).
CREATE TABLE IF NOT EXISTS console_settings (
    key        VARCHAR(100) PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- Every attempt to change something, allowed or not. Append-only: the triggers below refuse
-- UPDATE, DELETE and TRUNCATE, so not even a bug in the app can rewrite history.
CREATE TABLE IF NOT EXISTS console_audit_log (
    id             BIGSERIAL PRIMARY KEY,
    at             TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    actor          TEXT NOT NULL,
    actor_role     VARCHAR(20),
    action         VARCHAR(100) NOT NULL,
    target         TEXT,
    reason         TEXT,
    state_before   JSONB,
    state_after    JSONB,
    outcome        VARCHAR(20) NOT NULL CHECK (outcome IN ('ok', 'denied', 'invalid', 'error')),
    detail         TEXT,
    request_id     VARCHAR(100) NOT NULL,
    client_address VARCHAR(100)
);
CREATE INDEX IF NOT EXISTS idx_console_audit_log_at ON console_audit_log (at DESC, id DESC);
CREATE INDEX IF NOT EXISTS idx_console_audit_log_target ON console_audit_log (target, at DESC);
CREATE INDEX IF NOT EXISTS idx_console_audit_log_actor ON console_audit_log (actor, at DESC);

CREATE OR REPLACE FUNCTION console_audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'console_audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS console_audit_log_no_change ON console_audit_log;
CREATE TRIGGER console_audit_log_no_change BEFORE UPDATE OR DELETE ON console_audit_log
    FOR EACH ROW EXECUTE FUNCTION console_audit_log_append_only();
DROP TRIGGER IF EXISTS console_audit_log_no_truncate ON console_audit_log;
CREATE TRIGGER console_audit_log_no_truncate BEFORE TRUNCATE ON console_audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION console_audit_log_append_only();
