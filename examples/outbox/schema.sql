-- schema.sql - the example shop's own tables, in the SQLite file that holds
-- events (one transaction cannot span two files): run once with
-- sqlite3 events.db < schema.sql after sse-push has created the database.
CREATE TABLE orders (
    id    INTEGER PRIMARY KEY,
    item  TEXT NOT NULL
);
CREATE TABLE stock (
    item  TEXT PRIMARY KEY,
    units INTEGER NOT NULL CHECK (units >= 0)
);
