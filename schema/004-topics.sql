-- Migration 4: topics, and topics that finish.
--
-- A topic names the stream a row belongs to: 'jobs/42', 'chat/7f3a',
-- 'prices/AAPL'. Segments joined by single '/', each of A-Z a-z 0-9 . _ ~ -
-- and not starting with '.'; 1 to 255 bytes. These are the characters a
-- URL carries as they are, so '/sse/jobs/42' and '?topic=jobs/42' name the
-- row's topic exactly; no pattern character ('*') can be part of one.
-- NULL: a row of no topic. A stream that asks for no topic receives every
-- row, of a topic or of none, as it did before topics.
ALTER TABLE events ADD COLUMN topic TEXT
    CHECK (topic IS NULL OR
           (length(CAST(topic AS BLOB)) BETWEEN 1 AND 255 AND
            topic NOT GLOB '*[^A-Za-z0-9._~/-]*' AND
            topic NOT GLOB '.*' AND topic NOT GLOB '*/.*' AND
            topic NOT GLOB '/*' AND topic NOT GLOB '*/' AND
            topic NOT GLOB '*//*'));

-- 1: this row is its topic's last: a stream on that topic ends after it,
-- and a client that comes back with nothing newer is told 204 No Content,
-- which stops EventSource for good. A later row opens the topic again.
ALTER TABLE events ADD COLUMN closes INTEGER NOT NULL DEFAULT 0
    CHECK (closes IN (0, 1) AND (closes = 0 OR topic IS NOT NULL));

-- One topic's rows in id order: a client resuming jobs/42 reads those
-- alone, however large the table; 'jobs/*' is one range of it.
CREATE INDEX events_topic_id ON events (topic, id) WHERE topic IS NOT NULL;

-- Prices are published under prices/SYMBOL (sse-push does it), so
-- '/sse/prices/AAPL' and '?symbols=AAPL' are the same stream.
UPDATE events SET topic = 'prices/' || symbol
 WHERE symbol IS NOT NULL AND symbol <> ''
   AND length(CAST(symbol AS BLOB)) <= 248
   AND symbol NOT GLOB '*[^A-Za-z0-9._~-]*' AND symbol NOT GLOB '.*';
