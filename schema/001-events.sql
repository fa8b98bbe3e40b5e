-- Migration 1: the event table every responder streams from.
--
-- One row is one Server-Sent Event. Its id is the SSE "id:" field: with
-- AUTOINCREMENT an id is never reused, even after pruning, and since SQLite
-- has one writer at a time, ids become visible in increasing order, so
-- "every row with id > N" never skips a row that commits later.
CREATE TABLE events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    -- When the row was inserted, UTC, ISO 8601 with milliseconds: readable,
    -- sorts as text, and SQLite's date functions take it as it is.
    ts      TEXT NOT NULL
            DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- The SSE "event:" field: 'price' for prices, any name for the rest.
    event   TEXT NOT NULL,
    -- Price events only: the ticker and the price exactly as entered
    -- ('189.51' stays '189.51': TEXT, never a binary float). Use
    -- CAST(price AS REAL) for arithmetic.
    symbol  TEXT,
    price   TEXT,
    -- The payload exactly as EventSource hands it to the page (event.data).
    data    TEXT NOT NULL,
    CHECK ((event = 'price') = (symbol IS NOT NULL AND price IS NOT NULL))
);

-- Latest price per symbol, and one symbol's history by id.
CREATE INDEX events_symbol_id ON events (symbol, id) WHERE symbol IS NOT NULL;
-- One symbol over a time range.
CREATE INDEX events_symbol_ts ON events (symbol, ts) WHERE symbol IS NOT NULL;
-- Pruning by age, and "what happened between 10:00 and 10:05".
CREATE INDEX events_ts ON events (ts);

-- The newest price of every symbol, for people and for dashboard snapshots.
CREATE VIEW latest_prices AS
SELECT e.symbol, e.price, e.ts, e.id,
       json_extract(e.data, '$.change') AS change_pct
  FROM events AS e
  JOIN (SELECT symbol, max(id) AS id FROM events
         WHERE symbol IS NOT NULL GROUP BY symbol) AS m
    ON e.id = m.id;
