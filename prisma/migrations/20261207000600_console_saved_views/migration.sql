-- Named views (issue 19, lib/saved-views): a console page and its filter (the query string the page
-- keeps in its URL), saved by a user under a name. Private to its owner unless shared, when any
-- signed-in user who may see the page opens it by its link (/views/<id>); admins may delete any
-- (docs/decisions.md, "Saved views"). The console's own rows: nothing of NVSentinel's.
CREATE TABLE IF NOT EXISTS console_saved_views (
    id          UUID         NOT NULL PRIMARY KEY,
    owner_id    TEXT         NOT NULL REFERENCES console_user (id) ON DELETE CASCADE,
    name        VARCHAR(80)  NOT NULL,
    -- One of the pages a view may keep: /nodes, /events, /throughput, /audit.
    path        VARCHAR(40)  NOT NULL,
    -- The page's query string without '?', checked against that page's parameters before it is stored.
    query       TEXT         NOT NULL DEFAULT '',
    shared      BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    updated_at  TIMESTAMPTZ  NOT NULL DEFAULT NOW()
);
-- A name is the owner's handle on a view: one of each per owner, compared without case.
CREATE UNIQUE INDEX IF NOT EXISTS idx_console_saved_views_owner_lower_name ON console_saved_views (owner_id, lower(name));
