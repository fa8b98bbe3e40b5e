-- Migration 1 (PostgreSQL): the event table every responder streams from,
-- with the same columns as SQLite's schema/001-events.sql, so the same
-- queries work in psql and in the sqlite3 shell.
--
-- Ids must become visible in id order: a responder reads "every row with
-- id > N", and plain sequence ids would let id 11 commit before id 10,
-- which that read then skips for good. So a trigger takes a transaction
-- lock (pg_advisory_xact_lock, key 7365650001) before it draws each id:
-- writers, psql users included, take turns from their first insert to
-- their commit, and ids commit in order. A rolled-back writer leaves a gap,
-- which costs nothing; so does a crash (a sequence skips ahead up to 32).
-- The newest id is max(id), or the newest id pruning took (sse_state.floor,
-- kept by the delete triggers): ids never go back, even after pruning.

-- One row: the schema's version, this database's epoch (a new database, or
-- one restored elsewhere, has another: responders then reset their
-- clients), and the newest id deleted so far.
CREATE TABLE sse_state (
    one            boolean PRIMARY KEY DEFAULT true CHECK (one),
    schema_version integer NOT NULL DEFAULT 0,
    epoch          text NOT NULL DEFAULT gen_random_uuid()::text,
    floor          bigint NOT NULL DEFAULT 0
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

CREATE SEQUENCE events_id_seq OWNED BY events.id;
CREATE FUNCTION sse_next_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Held until commit; taking it again in the same transaction is cheap.
    PERFORM pg_advisory_xact_lock(7365650001);
    NEW.id := nextval('events_id_seq');
    RETURN NEW;
END
$$;
CREATE TRIGGER events_next_id BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION sse_next_id();

-- Deleted rows keep the newest id from going back (a table pruned empty
-- still says how far it got).
CREATE FUNCTION sse_pruned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sse_state SET floor = greatest(floor, (SELECT max(id) FROM gone));
    RETURN NULL;
END
$$;
CREATE TRIGGER events_pruned AFTER DELETE ON events
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION sse_pruned();
CREATE FUNCTION sse_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sse_state SET floor = greatest(floor, (SELECT max(id) FROM events));
    RETURN NULL;
END
$$;
CREATE TRIGGER events_truncated BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION sse_truncated();

-- The newest id ever committed, for people and for the responders.
CREATE VIEW sse_newest AS
SELECT greatest((SELECT max(id) FROM events), floor) AS newest FROM sse_state;

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
