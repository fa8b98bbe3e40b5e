-- Migration 1 (PostgreSQL): the event table every responder streams from,
-- with the same columns as SQLite's schema/001-events.sql, so the same
-- queries work in psql and in the sqlite3 shell.
--
-- Ids must become visible in id order: a responder reads "every row with
-- id > N", and a sequence would let id 11 commit before id 10, which that
-- read then skips for good. So ids do not come from a sequence: a trigger
-- takes the next one from sse_state.newest, and the row lock that UPDATE
-- holds until commit lines every writer up behind the one before it (psql
-- users included). sse_state.newest is transactional, unlike a sequence:
-- it is the newest id of a committed row, and survives pruning.

-- One row: the schema's version, this database's epoch (a new database, or
-- one restored elsewhere, has another: responders then reset their
-- clients), and the newest id ever assigned.
CREATE TABLE sse_state (
    one            boolean PRIMARY KEY DEFAULT true CHECK (one),
    schema_version integer NOT NULL DEFAULT 0,
    epoch          text NOT NULL DEFAULT gen_random_uuid()::text,
    newest         bigint NOT NULL DEFAULT 0
);
INSERT INTO sse_state DEFAULT VALUES;

CREATE TABLE events (
    -- The SSE "id:" field, given by the trigger below (never reused).
    id      bigint PRIMARY KEY,
    -- When the row was inserted, UTC, ISO 8601 with milliseconds, as text:
    -- the same as SQLite's. Use ts::timestamptz for date arithmetic.
    ts      text NOT NULL
            DEFAULT to_char(now() AT TIME ZONE 'UTC',
                            'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    -- The SSE "event:" field: 'price' for prices, any name for the rest.
    event   text NOT NULL,
    -- Price events only: the ticker and the price exactly as entered
    -- (text, never a binary float). Use price::numeric for arithmetic.
    symbol  text,
    price   text,
    -- The payload exactly as EventSource hands it to the page (event.data).
    data    text NOT NULL,
    CHECK ((event = 'price') = (symbol IS NOT NULL AND price IS NOT NULL))
);

CREATE FUNCTION sse_next_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sse_state SET newest = newest + 1 RETURNING newest INTO NEW.id;
    RETURN NEW;
END
$$;
CREATE TRIGGER events_next_id BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION sse_next_id();

-- A hint for the responders listening on the primary: look now. Delivered
-- at commit, folded to one per transaction, never on a standby (those
-- responders poll).
CREATE FUNCTION sse_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sse_events', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION sse_notify();

-- Latest price per symbol, and one symbol's history by id.
CREATE INDEX events_symbol_id ON events (symbol, id) WHERE symbol IS NOT NULL;
-- One symbol over a time range.
CREATE INDEX events_symbol_ts ON events (symbol, ts) WHERE symbol IS NOT NULL;
-- Pruning by age, and "what happened between 10:00 and 10:05".
CREATE INDEX events_ts ON events (ts);

-- The newest price of every symbol, for people and for dashboard snapshots.
CREATE VIEW latest_prices AS
SELECT e.symbol, e.price, e.ts, e.id,
       (e.data::json ->> 'change')::double precision AS change_pct
  FROM events AS e
  JOIN (SELECT symbol, max(id) AS id FROM events
         WHERE symbol IS NOT NULL GROUP BY symbol) AS m
    ON e.id = m.id;
