-- Migration 3 (PostgreSQL): names up to 255 bytes, and groups that no user
-- can be, as schema/003-names.sql (read its comment for what changes).
-- PostgreSQL changes a CHECK in place: no table is rebuilt.
ALTER TABLE events DROP CONSTRAINT events_audience_check;
UPDATE events SET audience = 'group:group:' WHERE audience = 'group:';
UPDATE events SET audience = 'group:' || audience
 WHERE audience IN (SELECT audience FROM grants)
   AND left(audience, 6) <> 'group:';
ALTER TABLE events ADD CONSTRAINT events_audience_check
    CHECK (audience IS NULL OR
           (octet_length(audience) BETWEEN 1 AND 255 AND
            audience <> 'group:'));

-- Every granted name becomes a group ('group:' alone the group of that
-- name); rows no user could ever match (a name no REMOTE_USER can be) go.
UPDATE grants SET audience = 'group:group:' WHERE audience = 'group:'
   AND NOT EXISTS (SELECT 1 FROM grants AS g
                    WHERE g."user" = grants."user"
                      AND g.audience = 'group:group:');
INSERT INTO grants ("user", audience)
SELECT "user", 'group:' || audience FROM grants
 WHERE left(audience, 6) <> 'group:'
ON CONFLICT DO NOTHING;
DELETE FROM grants
 WHERE left(audience, 6) <> 'group:'
    OR octet_length("user") NOT BETWEEN 1 AND 255
    OR left("user", 6) = 'group:'
    OR octet_length(audience) NOT BETWEEN 1 AND 255
    OR audience = 'group:';
ALTER TABLE grants
    ADD CONSTRAINT grants_user_check
        CHECK (octet_length("user") BETWEEN 1 AND 255 AND
               left("user", 6) <> 'group:'),
    ADD CONSTRAINT grants_audience_check
        CHECK (octet_length(audience) BETWEEN 1 AND 255 AND
               audience <> 'group:');
