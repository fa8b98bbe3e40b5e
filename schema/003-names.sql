-- Migration 3: names up to 255 bytes, and groups that no user can be.
--
-- A user name is what the web server signed in (REMOTE_USER): OpenID
-- Connect's "sub@issuer" runs past the old 64 bytes. An audience is a
-- user's name, or "group:" and a group's name; the responders refuse a
-- REMOTE_USER that starts with "group:", so registering as "ops" never
-- hears the group "group:ops".
--
-- Before this version a group was a bare name that users held grants for,
-- and the user of that name heard it too. Every name the grants table
-- hands out becomes a group here, in grants and in the events sent to it;
-- a grant that named a user on purpose (alice reads bob's) becomes the
-- group of that name: give bob it too with
--   INSERT INTO grants VALUES ('bob', 'group:bob');
--
-- SQLite cannot change a CHECK in place: the two tables are rebuilt (the
-- 12 steps of "Making Other Kinds Of Table Schema Changes"), keeping every
-- id and the AUTOINCREMENT counter, which pruning may have left above
-- max(id). Your own views keep reading the table (legacy_alter_table:
-- the rename below leaves them as they are written), and sse-push makes
-- your own indexes and triggers on the rebuilt tables again.
PRAGMA legacy_alter_table = ON;
DROP VIEW latest_prices;
CREATE TABLE events_new (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    ts      TEXT NOT NULL
            DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    event   TEXT NOT NULL,
    symbol  TEXT,
    price   TEXT,
    data    TEXT NOT NULL,
    -- NULL: a public event. Else a user's name, or 'group:' || a group's.
    audience TEXT
            CHECK (audience IS NULL OR
                   (length(CAST(audience AS BLOB)) BETWEEN 1 AND 255 AND
                    audience <> 'group:')),
    CHECK ((event = 'price') = (symbol IS NOT NULL AND price IS NOT NULL))
);
INSERT INTO events_new (id, ts, event, symbol, price, data, audience)
SELECT id, ts, event, symbol, price, data,
       CASE WHEN audience = 'group:' THEN 'group:group:'
            WHEN audience IN (SELECT audience FROM grants)
             AND substr(audience, 1, 6) <> 'group:'
            THEN 'group:' || audience ELSE audience END
  FROM events ORDER BY id;
DELETE FROM sqlite_sequence WHERE name = 'events_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'events_new', seq FROM sqlite_sequence WHERE name = 'events';
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_symbol_id ON events (symbol, id) WHERE symbol IS NOT NULL;
CREATE INDEX events_symbol_ts ON events (symbol, ts) WHERE symbol IS NOT NULL;
CREATE INDEX events_ts ON events (ts);
CREATE VIEW latest_prices AS
SELECT e.symbol, e.price, e.ts, e.id,
       json_extract(e.data, '$.change') AS change_pct
  FROM events AS e
  JOIN (SELECT symbol, max(id) AS id FROM events
         WHERE symbol IS NOT NULL GROUP BY symbol) AS m
    ON e.id = m.id;

-- Who hears which audience besides the user of that name, e.g.
--   INSERT INTO grants VALUES ('alice', 'group:ops');
-- A stream reads its user's grants when it starts and again every
-- heartbeat (SSE_HEARTBEAT): a revoked grant stops delivery within that.
CREATE TABLE grants_new (
    user     TEXT NOT NULL
             CHECK (length(CAST(user AS BLOB)) BETWEEN 1 AND 255 AND
                    substr(user, 1, 6) <> 'group:'),
    audience TEXT NOT NULL
             CHECK (length(CAST(audience AS BLOB)) BETWEEN 1 AND 255 AND
                    audience <> 'group:'),
    PRIMARY KEY (user, audience)
) WITHOUT ROWID;
-- Rows no user could ever match (a name no REMOTE_USER can be) go. The
-- name 'group:' alone, which no user can be now, becomes the group of that
-- name ('group:group:'), in events above and here.
INSERT OR IGNORE INTO grants_new (user, audience)
SELECT user, CASE WHEN audience = 'group:' THEN 'group:group:'
                  WHEN substr(audience, 1, 6) = 'group:' THEN audience
                  ELSE 'group:' || audience END
  FROM grants
 WHERE length(CAST(user AS BLOB)) BETWEEN 1 AND 255
   AND substr(user, 1, 6) <> 'group:'
   AND (length(CAST(audience AS BLOB)) BETWEEN 1 AND 249 OR
        substr(audience, 1, 6) = 'group:' AND
        length(CAST(audience AS BLOB)) <= 255);
DROP TABLE grants;
ALTER TABLE grants_new RENAME TO grants;
PRAGMA legacy_alter_table = OFF;
