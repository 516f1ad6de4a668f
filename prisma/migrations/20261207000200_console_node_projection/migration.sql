-- The node projection kept by the console (issue 18): one row per node and the feed checkpoint the
-- rows stand at, written in one transaction, so a start loads one row per node and follows the
-- change feed from that checkpoint instead of reading every event again (lib/projection).
CREATE TABLE IF NOT EXISTS console_projection_state (
    name              TEXT        PRIMARY KEY,
    -- The datastore it was built from (provider and target): another datastore builds it again.
    datastore         TEXT        NOT NULL,
    -- 'building': pages are being read from the datastore; 'live': every page is in.
    phase             TEXT        NOT NULL CHECK (phase IN ('building', 'live')),
    -- Where the kept rows stand in the change feed; while building, where the catch-up starts.
    checkpoint        TEXT        NOT NULL,
    -- The record shape of the rows (NodeRecordData.version): another shape builds it again.
    record_version    INTEGER     NOT NULL,
    nodes_total       INTEGER,
    nodes_built       INTEGER     NOT NULL DEFAULT 0,
    last_built_node   TEXT,
    build_started_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    build_finished_at TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The build's pages: each page of nodes was read at its own moment, and the feed's changes that
-- moment already saw are not applied again to those nodes (the page's checkpoint says which).
CREATE TABLE IF NOT EXISTS console_projection_pages (
    page       INTEGER     PRIMARY KEY,
    checkpoint TEXT        NOT NULL,
    first_node TEXT        NOT NULL,
    last_node  TEXT        NOT NULL,
    nodes      INTEGER     NOT NULL,
    built_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS console_node_projection (
    node_name  TEXT        PRIMARY KEY,
    -- The build page that read the node (NULL: first seen in the feed after the build).
    page       INTEGER,
    record     JSONB       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Who keeps the projection: several console replicas share one database, exactly one writes it
-- (lib/projection/projection-lease.ts). The holder renews before expires_at; another replica
-- takes it over once it expired, with the next epoch. Every write of the projection checks, in its
-- own transaction, that its writer still holds this epoch (a paused old holder cannot write).
CREATE TABLE IF NOT EXISTS console_leases (
    name        TEXT        PRIMARY KEY,
    holder      TEXT        NOT NULL,
    epoch       BIGINT      NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL
);
