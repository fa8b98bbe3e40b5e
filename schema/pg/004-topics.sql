-- Migration 4 (PostgreSQL): topics, and topics that finish, as
-- schema/004-topics.sql (read its comment for the rules). The column
-- sorts bytewise (COLLATE "C"), as SQLite does, so 'jobs/*' is one range
-- of the index whatever the database's collation.
ALTER TABLE events ADD COLUMN topic text COLLATE "C"
    CHECK (topic IS NULL OR
           (octet_length(topic) BETWEEN 1 AND 255 AND
            topic ~ '^[A-Za-z0-9_~-][A-Za-z0-9._~-]*(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*$'));
ALTER TABLE events ADD COLUMN closes integer NOT NULL DEFAULT 0
    CHECK (closes IN (0, 1));
ALTER TABLE events ADD CONSTRAINT events_closes_topic
    CHECK (closes = 0 OR topic IS NOT NULL);
CREATE INDEX events_topic_id ON events (topic, id) WHERE topic IS NOT NULL;
UPDATE events SET topic = 'prices/' || symbol
 WHERE octet_length(symbol) <= 248
   AND symbol ~ '^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$';
