#!/usr/bin/python3
"""order.py - take an order and announce it in the same transaction (the
outbox pattern): the event is streamed if and only if the order commits.

A CGI program: POST item=NAME. ORDERS_DB is the events database, a path
(Python's sqlite3) or a postgresql:// URL (psycopg 3). The app's own tables
(here orders and stock) live beside events, in the same SQLite file or the
same PostgreSQL database.
"""
import json
import os
import sys
import urllib.parse


class OutOfStock(Exception):
    pass


def connect(where):
    """A connection in autocommit mode, so BEGIN and COMMIT are ours, and
    the placeholder its driver takes."""
    if where.startswith("postgresql://"):
        import psycopg
        return psycopg.connect(where, autocommit=True), "%s", "BEGIN"
    import sqlite3
    # timeout: wait up to 10 s for the lock. BEGIN IMMEDIATE takes it at
    # once; a deferred BEGIN that reads first can fail on its first write.
    db = sqlite3.connect(where, timeout=10, isolation_level=None)
    return db, "?", "BEGIN IMMEDIATE"


def order(db, mark, begin, item):
    def run(sql, *args):
        return db.execute(sql.replace("?", mark), args)

    run(begin)
    try:
        oid = run("INSERT INTO orders (item) VALUES (?) RETURNING id",
                  item).fetchone()[0]
        # The event: event and data are required; topic, audience optional.
        run("INSERT INTO events (event, topic, data) VALUES (?, ?, ?)",
            "order", f"orders/{oid}", json.dumps({"id": oid, "item": item}))
        # The last step may still fail (no stock left): the event goes too.
        if run("UPDATE stock SET units = units - 1"
               " WHERE item = ? AND units > 0", item).rowcount != 1:
            raise OutOfStock(f"no {item} left")
        run("COMMIT")
    except BaseException:
        run("ROLLBACK")
        raise
    return oid


def main():
    where = os.environ["ORDERS_DB"]
    length = int(os.environ.get("CONTENT_LENGTH") or 0)
    form = urllib.parse.parse_qs(sys.stdin.read(length))
    item = form.get("item", [""])[0]
    db, mark, begin = connect(where)
    try:
        status, body = "200 OK", {"id": order(db, mark, begin, item)}
    except OutOfStock as e:
        status, body = "409 Conflict", {"error": str(e)}
    except Exception as e:
        status, body = "500 Internal Server Error", {"error": str(e)}
    db.close()
    if not where.startswith("postgresql://") and status.startswith("200"):
        # Optional, SQLite only: touching the -wal tells the responders at
        # once; without it they find the row on a recheck, a few ms later.
        try:
            os.utime(where + "-wal")
        except OSError:
            pass
    sys.stdout.write(f"Status: {status}\r\nContent-Type: application/json"
                     f"\r\n\r\n{json.dumps(body)}\n")


main()
