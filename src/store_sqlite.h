/*
 * store_sqlite.h - what the SQLite engine (store_sqlite.c) offers beyond
 * store.h: its connection, for the unit tests that look at what the engine
 * set on it (journal mode, syncs). No program needs it.
 */
#ifndef STORE_SQLITE_H
#define STORE_SQLITE_H

#include "store.h"

struct sqlite3;

/* The connection of an open SQLite store; NULL for any other. */
struct sqlite3 *store_sqlite_db(const struct store *s);

#endif
