-- schema-pg.sql - the example shop's own tables, in the PostgreSQL database
-- that holds events: psql -d sse -f schema-pg.sql (as sse_writer, or grant
-- the shop's role INSERT on events and USAGE on events_id_seq).
CREATE TABLE orders (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item  text NOT NULL
);
CREATE TABLE stock (
    item  text PRIMARY KEY,
    units integer NOT NULL CHECK (units >= 0)
);
