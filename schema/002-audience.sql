-- Migration 2: private events. An event with an audience reaches only the
-- streams of a private endpoint (SSE_PRIVATE) whose signed-in user
-- (REMOTE_USER, as the web server authenticated it) is that audience, or
-- holds a grant for it; an event without one (NULL) reaches everyone.
ALTER TABLE events ADD COLUMN audience TEXT
    CHECK (audience IS NULL OR length(CAST(audience AS BLOB)) BETWEEN 1 AND 64);

-- Who hears which audience besides the user of that name, e.g.
--   INSERT INTO grants VALUES ('alice', 'ops');
-- A stream reads its user's grants when it starts: a change takes effect at
-- the client's next reconnect (within SSE_LIFETIME).
CREATE TABLE grants (
    user     TEXT NOT NULL,
    audience TEXT NOT NULL,
    PRIMARY KEY (user, audience)
) WITHOUT ROWID;
