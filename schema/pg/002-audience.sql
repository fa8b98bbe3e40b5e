-- Migration 2 (PostgreSQL): private events, as schema/002-audience.sql.
-- An event with an audience reaches only the streams of a private endpoint
-- (SSE_PRIVATE) whose signed-in user (REMOTE_USER) is that audience, or
-- holds a grant for it; an event without one (NULL) reaches everyone.
ALTER TABLE events ADD COLUMN audience text
    CHECK (audience IS NULL OR octet_length(audience) BETWEEN 1 AND 64);

-- Who hears which audience besides the user of that name, e.g.
--   INSERT INTO grants VALUES ('alice', 'ops');
-- ("user" is a reserved word in PostgreSQL: quote it in queries.)
CREATE TABLE grants (
    "user"   text NOT NULL,
    audience text NOT NULL,
    PRIMARY KEY ("user", audience)
);
