/*
 * store_sqlite.c - the event table in an SQLite file: the engine store.c
 * picks for any SSE_DB that is not a URL. Writers keep the file in WAL
 * mode with FULL syncs; readers open it read-only and never write but the
 * -shm file beside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "paths.h"
#include "store_engine.h"
#include "store_sqlite.h"

/* Generated from schema/NNN-*.sql: migration i takes user_version i to i+1. */
extern const char *const store_migrations[];
extern const int store_migrations_count;

/* SQLite's own default (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT): checkpoint
 * once a commit leaves the WAL this many frames long. */
#define WAL_CHECKPOINT_FRAMES	1000

/* The statements a store runs, each prepared on its first use. */
enum lite_query {
	Q_READ_AFTER,
	Q_BOUNDS,
	Q_VERSION,
	Q_READ_BEGIN,
	Q_READ_END,
	Q_LAST_PRICE,
	Q_NEWEST_TS,
	Q_GRANTS,
	Q_INSERT,
	Q_TOPIC_BACK,
	Q_COUNT
};

struct lite {
	sqlite3		*db;
	sqlite3_stmt	*q[Q_COUNT];	/* NULL until first used */
};

static sqlite3 *
db(const struct store *s)
{
	return s->impl != NULL ? ((struct lite *)s->impl)->db : NULL;
}

static int	lite_begin(struct store *s);
static int	lite_commit(struct store *s);
static void	lite_rollback(struct store *s);

/* The first file a store at path needs and this user cannot use as it
 * must, as "'file' (owner U, group G, mode M) is not writable", appended
 * to out; nothing when permissions explain nothing. */
static void
access_problem(const char *path, int writer, struct buf *out)
{
	static const char *const sfx[] = { "", "-shm", "-wal" };
	char file[4096], dir[4096];
	struct stat sb;
	size_t i;

	path_dir(path, dir, sizeof(dir));
	if (access(dir, X_OK) == -1 && stat(dir, &sb) == 0) {
		buf_printf(out, "the directory '%s' (owner %u, group %u, mode "
		    "%04o) does not let uid %u in", dir, (unsigned)sb.st_uid,
		    (unsigned)sb.st_gid, (unsigned)sb.st_mode & 07777,
		    (unsigned)geteuid());
		return;
	}
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		int need = i == 0 && !writer ? R_OK : R_OK | W_OK;

		snprintf(file, sizeof(file), "%s%s", path, sfx[i]);
		if (stat(file, &sb) == -1) {
			/* WAL mode: whoever opens first creates -wal and
			 * -shm beside the database. */
			if (i > 0 && access(dir, W_OK | X_OK) == -1 &&
			    stat(dir, &sb) == 0)
				buf_printf(out, "the directory '%s' (owner "
				    "%u, group %u, mode %04o) does not let uid "
				    "%u create '%s' (WAL mode)", dir,
				    (unsigned)sb.st_uid, (unsigned)sb.st_gid,
				    (unsigned)sb.st_mode & 07777,
				    (unsigned)geteuid(), file);
			if (out->len > 0 || i == 0)
				return;
			continue;
		}
		if (access(file, need) == -1) {
			buf_printf(out, "'%s' (owner %u, group %u, mode "
			    "%04o) is not %s by uid %u", file,
			    (unsigned)sb.st_uid, (unsigned)sb.st_gid,
			    (unsigned)sb.st_mode & 07777, need & W_OK ?
			    "writable" : "readable", (unsigned)geteuid());
			return;
		}
	}
}

/*
 * SQLite says "attempt to write a readonly database" even to a reader that
 * could not create -shm, and names no file: when permissions explain a
 * refusal, say which file and which right instead.
 */
static void
explain_access(struct store *s, const char *path, const char *what)
{
	struct buf why;

	if (path == NULL || path[0] == '\0')
		return;
	buf_init(&why);
	access_problem(path, !(s->flags & STORE_READONLY), &why);
	if (why.len > 0)
		store_seterr(s, "%s: %s: put the writers and the responders in "
		    "one group and the database in a setgid directory of that "
		    "group (README, Permissions)", what, why.data);
	buf_release(&why);
}

/* Map an SQLite result code to ours and record what failed. */
static int
fail(struct store *s, int rc, const char *what)
{
	int code, errnum;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:	code = STORE_BUSY; break;
	case SQLITE_CANTOPEN:	code = STORE_ACCESS; break;
	case SQLITE_PERM:
	case SQLITE_READONLY:
	case SQLITE_AUTH:	code = STORE_ACCESS; break;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:	code = STORE_CORRUPT; break;
	case SQLITE_FULL:	code = STORE_FULL; break;
	case SQLITE_IOERR:	code = STORE_IO; break;
	default:		code = STORE_ERR; break;
	}
	/* For I/O errors SQLite's words do not say why; the system's error
	 * does ("No space left on device"). */
	errnum = db(s) && (code == STORE_IO || code == STORE_FULL) ?
	    sqlite3_system_errno(db(s)) : 0;
	store_seterr(s, "%s: %s%s%s%s", what, db(s) ? sqlite3_errmsg(db(s)) :
	    sqlite3_errstr(rc), errnum ? " (" : "", errnum ? strerror(errnum) :
	    "", errnum ? ")" : "");
	if (code == STORE_ACCESS && db(s) != NULL)
		explain_access(s, sqlite3_db_filename(db(s), "main"), what);
	return code;
}

static int
exec(struct store *s, const char *sql, const char *what)
{
	int rc = sqlite3_exec(db(s), sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? STORE_OK : fail(s, rc, what);
}

static int
user_version(struct store *s, int *v)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db(s), "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*v = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? STORE_OK : fail(s, rc, "cannot read schema");
}

/*
 * A migration may rebuild a table (SQLite changes a CHECK no other way),
 * and dropping the old one drops the indexes and triggers people made on
 * it. Their SQL is kept aside first, and whatever of it the migrations did
 * not make again themselves is run again after; one that no longer fits
 * the new table fails the upgrade, which then changes nothing.
 */
static int
keep_own_objects(struct store *s)
{
	return exec(s, "CREATE TEMP TABLE sse_kept AS SELECT name, sql"
	    " FROM main.sqlite_master WHERE type IN ('index', 'trigger')"
	    " AND sql IS NOT NULL", "cannot read the schema");
}

static int
remake_own_objects(struct store *s)
{
	sqlite3_stmt *st;
	int rc, code = STORE_OK;

	rc = sqlite3_prepare_v2(db(s), "SELECT name, sql FROM temp.sse_kept"
	    " WHERE name NOT IN (SELECT name FROM main.sqlite_master)", -1,
	    &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, "cannot read the schema");
	while (code == STORE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char what[160];

		snprintf(what, sizeof(what), "cannot make '%s' again on the "
		    "upgraded table", (const char *)sqlite3_column_text(st, 0));
		code = exec(s, (const char *)sqlite3_column_text(st, 1), what);
	}
	if (code == STORE_OK && rc != SQLITE_DONE)
		code = fail(s, rc, "cannot read the schema");
	sqlite3_finalize(st);
	return code != STORE_OK ? code : exec(s, "DROP TABLE temp.sse_kept",
	    "cannot drop a temporary table");
}

/* Bring a writable database up to the current schema in one transaction. */
static int
lite_upgrade(struct store *s)
{
	struct buf sql;
	int v, rc, i;

	if ((rc = lite_begin(s)) != STORE_OK)
		return rc;
	if ((rc = user_version(s, &v)) != STORE_OK)
		goto out;
	if ((rc = store_version_check(s, v)) != STORE_OK)
		goto out;
	if (v > 0 && v < store_migrations_count &&
	    (rc = keep_own_objects(s)) != STORE_OK)
		goto out;
	for (i = v; i < store_migrations_count; i++) {
		if ((rc = exec(s, store_migrations[i], "cannot create schema"))
		    != STORE_OK)
			goto out;
	}
	if (v > 0 && v < store_migrations_count &&
	    (rc = remake_own_objects(s)) != STORE_OK)
		goto out;
	if (v < store_migrations_count) {
		buf_init(&sql);
		rc = buf_printf(&sql, "PRAGMA user_version = %d",
		    store_migrations_count) == -1 ? STORE_ERR :
		    exec(s, sql.data, "cannot set schema version");
		buf_release(&sql);
		if (rc != STORE_OK)
			goto out;
	}
	return lite_commit(s);
out:
	lite_rollback(s);
	return rc;
}

/* Open, and read the schema version; a newer one than ours is refused. */
static int
open_versioned(struct store *s, const char *path, int oflags, int busy_ms,
    int *v)
{
	/* NOMUTEX: a store belongs to one thread (store.h), so SQLite's
	 * per-connection locking is work for nothing (2 % of a batch). */
	struct lite *l = s->impl;
	int rc = sqlite3_open_v2(path, &l->db, oflags | SQLITE_OPEN_NOMUTEX,
	    NULL);

	*v = 0;
	if (rc != SQLITE_OK) {
		/* Before a file is open SQLite knows no name to explain. */
		rc = fail(s, rc, "cannot open database");
		if (rc == STORE_ACCESS)
			explain_access(s, path, "cannot open database");
		return rc;
	}
	sqlite3_busy_timeout(db(s), busy_ms);
	if ((rc = user_version(s, v)) != STORE_OK)
		return rc;
	return store_version_check(s, *v);
}

/* Anyone may switch a database out of WAL with the sqlite3 shell; readers
 * and the writer would then block each other. The writer puts it back. */
static int
ensure_wal(struct store *s)
{
	sqlite3_stmt *st;
	int rc, wal = 0;

	rc = sqlite3_prepare_v2(db(s), "PRAGMA journal_mode", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *mode = sqlite3_column_text(st, 0);
		wal = mode != NULL && strcmp((const char *)mode, "wal") == 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return fail(s, rc, "cannot read journal mode");
	return wal ? STORE_OK : exec(s, "PRAGMA journal_mode = WAL",
	    "cannot enable WAL");
}

/*
 * A new database is made here, not by SQLite, which would give it 0644
 * whatever the umask; -wal and -shm copy its mode (and, under a default
 * ACL, its group bits are the ACL's mask). Read-write for the group always,
 * others as the umask or the ACL says: every writer and responder in the
 * group (a setgid directory's: README, Permissions; or named in the
 * directory's ACL) can then write -wal and -shm whoever made those first.
 */
static int
create_group_writable(struct store *s, const char *path)
{
	struct stat sb;
	int fd;

	if (path[0] == '\0' || strcmp(path, ":memory:") == 0)
		return STORE_OK;	/* SQLite's names for no file */
	if ((fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) ==
	    -1)
		return STORE_OK;	/* there already, or SQLite says why */
	if (fstat(fd, &sb) == -1 || ((sb.st_mode & 0660) != 0660 &&
	    fchmod(fd, (sb.st_mode & 07777) | 0660) == -1)) {
		store_seterr(s, "cannot set the mode of the new database: %s",
		    strerror(errno));
		close(fd);
		unlink(path);
		return STORE_ACCESS;
	}
	close(fd);
	return STORE_OK;
}

/*
 * SQLite calls this after each commit to the WAL, once the commit is in
 * -shm and the write lock is released: the first moment a reader sees the
 * rows. Nothing inotify reports happens then (-shm is mapped memory, and
 * the frames' writes came before their sync), so a responder woken by the
 * frames looked a sync too early and found the rows only on a recheck.
 * Setting the -wal's times now gives every watcher an IN_ATTRIB at the
 * right moment. Writers that do not (the sqlite3 shell, an application)
 * are still found by the rechecks. A WAL hook replaces SQLite's automatic
 * checkpoint, so this does that too, as SQLite's own hook would.
 */
static int
committed(void *arg, sqlite3 *d, const char *name, int frames)
{
	const char *file = sqlite3_db_filename(d, name);

	(void)arg;
	if (file != NULL && file[0] != '\0')
		(void)utimensat(AT_FDCWD, sqlite3_filename_wal(file), NULL, 0);
	if (frames >= WAL_CHECKPOINT_FRAMES)
		(void)sqlite3_wal_checkpoint_v2(d, name,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

static int
open_writer(struct store *s, const char *path, int busy_ms, int *version)
{
	int rc, v;

	if ((rc = create_group_writable(s, path)) != STORE_OK)
		return rc;
	if ((rc = open_versioned(s, path, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, busy_ms, &v)) != STORE_OK)
		return rc;
	/* An id printed is an event kept: FULL syncs the WAL at every commit,
	 * so a power loss cannot take back a row a client has seen, nor hand
	 * its id out again. Said here, not left to the build's default. */
	if ((rc = exec(s, "PRAGMA synchronous = FULL",
	    "cannot set synchronous")) != STORE_OK)
		return rc;
	/* Only possible before the first table exists; lets prune give space back. */
	if (v == 0 && (rc = exec(s, "PRAGMA auto_vacuum = INCREMENTAL",
	    "cannot set auto_vacuum")) != STORE_OK)
		return rc;
	*version = v;
	if ((rc = ensure_wal(s)) != STORE_OK)
		return rc;
	sqlite3_wal_hook(db(s), committed, NULL);
	return STORE_OK;
}

static int
open_reader(struct store *s, const char *path, int busy_ms, int *version)
{
	struct stat sb;

	/* SQLite's read-only open reports a missing file as "unable to open". */
	if (stat(path, &sb) == -1 && errno != EACCES) {
		store_seterr(s, "cannot open database: %s", strerror(errno));
		return errno == ENOENT ? STORE_MISSING : STORE_ACCESS;
	}
	/* Likewise SQLite says "unable to open" where the reason is "Permission
	 * denied". */
	if (access(path, R_OK) == -1) {
		char what[128];

		snprintf(what, sizeof(what), "cannot open database: %s",
		    strerror(errno));
		store_seterr(s, "%s", what);
		explain_access(s, path, what);
		return STORE_ACCESS;
	}
	return open_versioned(s, path, SQLITE_OPEN_READONLY, busy_ms,
	    version);
}

/* What a reader reads of a row, in the order emit_rows() takes it. */
#define ROW_COLUMNS	"id, event, symbol, data, audience, topic, closes"

static const char *const query_sql[Q_COUNT] = {
	[Q_READ_AFTER] = "SELECT " ROW_COLUMNS
	    " FROM events WHERE id > ?1 ORDER BY id LIMIT ?2",
	[Q_BOUNDS] = "SELECT (SELECT min(id) FROM events),"
	    " (SELECT seq FROM sqlite_sequence WHERE name = 'events')",
	[Q_VERSION] = "PRAGMA data_version",
	[Q_READ_BEGIN] = "BEGIN",
	[Q_READ_END] = "COMMIT",
	[Q_LAST_PRICE] = "SELECT price FROM events WHERE symbol = ?1"
	    " ORDER BY id DESC LIMIT 1",
	[Q_NEWEST_TS] = "SELECT ts FROM events ORDER BY id DESC LIMIT 1",
	[Q_GRANTS] = "SELECT audience FROM grants WHERE user = ?1"
	    " ORDER BY audience LIMIT ?2",
	[Q_INSERT] = "INSERT INTO events (ts, event, symbol, price, data,"
	    " audience, topic, closes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[Q_TOPIC_BACK] = "SELECT id, closes, audience FROM events"
	    " WHERE topic = ?1 ORDER BY id DESC LIMIT ?2",
};

/*
 * The statement for q, prepared on first use, or NULL with the error set.
 * Preparing all six up front was a quarter of a single sse-push's
 * instructions, and one push needs one or two of them.
 */
static sqlite3_stmt *
query(struct store *s, enum lite_query q)
{
	struct lite *l = s->impl;
	int rc;

	if (l->q[q] != NULL)
		return l->q[q];
	rc = sqlite3_prepare_v3(l->db, query_sql[q], -1,
	    SQLITE_PREPARE_PERSISTENT, &l->q[q], NULL);
	if (rc != SQLITE_OK) {
		fail(s, rc, "cannot prepare query");
		return NULL;
	}
	return l->q[q];
}

/* A reader checks at open that the table is there and readable, so that a
 * wrong file is refused at once rather than on the first read. */
static int
prepare_reader(struct store *s)
{
	int q;

	for (q = Q_READ_AFTER; q <= Q_READ_END; q++)
		if (query(s, (enum lite_query)q) == NULL)
			return STORE_ERR;
	return STORE_OK;
}

/* Step st, a query of ROW_COLUMNS, calling fn for each row; resets st
 * (which ends its read transaction: WAL can checkpoint). */
static int
emit_rows(struct store *s, sqlite3_stmt *st, store_row_fn fn, void *ctx)
{
	struct row r;
	int rc, n = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		r.event = (const char *)sqlite3_column_text(st, 1);
		r.symbol = (const char *)sqlite3_column_text(st, 2);
		r.data = (const char *)sqlite3_column_text(st, 3);
		r.data_len = (size_t)sqlite3_column_bytes(st, 3);
		r.audience = (const char *)sqlite3_column_text(st, 4);
		r.topic = (const char *)sqlite3_column_text(st, 5);
		r.closes = sqlite3_column_int(st, 6) != 0;
		if (r.event == NULL)
			r.event = "message";
		if (r.data == NULL)
			r.data = "";
		n++;
		if (fn(ctx, &r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? n : fail(s, rc, "cannot read events");
}

/* The rows of some topics: a statement of its own, made for this read
 * (its shape depends on the patterns), through the (topic, id) index. */
static int
read_topics(struct store *s, int64_t after, int limit,
    const struct topics *topics, store_row_fn fn, void *ctx)
{
	char vals[TOPICS_MAX * 2][TOPIC_MAX + 1], cond[1024], sql[1200];
	sqlite3_stmt *st;
	int rc, i, n;

	if ((n = store_topics_sql(topics, '?', 3, cond, sizeof(cond), vals))
	    < 0) {
		store_seterr(s, "cannot read events: too many topics");
		return STORE_ERR;
	}
	snprintf(sql, sizeof(sql), "SELECT " ROW_COLUMNS " FROM events"
	    " WHERE id > ?1 AND %s ORDER BY id LIMIT ?2", cond);
	if ((rc = sqlite3_prepare_v2(db(s), sql, -1, &st, NULL)) != SQLITE_OK)
		return fail(s, rc, "cannot read events");
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, limit);
	for (i = 0; i < n; i++)
		sqlite3_bind_text(st, 3 + i, vals[i], -1, SQLITE_STATIC);
	rc = emit_rows(s, st, fn, ctx);
	sqlite3_finalize(st);
	return rc;
}

static int
lite_read_after(struct store *s, int64_t after, int limit,
    const struct topics *topics, store_row_fn fn, void *ctx)
{
	sqlite3_stmt *st;

	if (topics != NULL)
		return read_topics(s, after, limit, topics, fn, ctx);
	if ((st = query(s, Q_READ_AFTER)) == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, limit);
	return emit_rows(s, st, fn, ctx);
}

static int
lite_topic_back(struct store *s, const char *topic, int limit,
    store_tail_fn fn, void *ctx)
{
	struct store_tail t;
	sqlite3_stmt *st;
	int rc, n = 0;

	if ((st = query(s, Q_TOPIC_BACK)) == NULL)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t.id = sqlite3_column_int64(st, 0);
		t.closes = sqlite3_column_int(st, 1) != 0;
		t.audience = (const char *)sqlite3_column_text(st, 2);
		n++;
		if (fn(ctx, &t) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? n : fail(s, rc, "cannot read a topic");
}

static int
lite_bounds(struct store *s, int64_t *oldest, int64_t *newest)
{
	sqlite3_stmt *st;
	int rc;

	st = query(s, Q_BOUNDS);
	if (st == NULL)
		return STORE_ERR;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*newest = sqlite3_column_int64(st, 1);	/* NULL reads as 0 */
		*oldest = sqlite3_column_type(st, 0) == SQLITE_NULL ?
		    *newest + 1 : sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_reset(st);
	return rc == SQLITE_OK ? STORE_OK : fail(s, rc, "cannot read bounds");
}

static int
lite_newest_ts(struct store *s, char *ts, size_t tssz)
{
	sqlite3_stmt *st;
	const char *v;
	int rc;

	ts[0] = '\0';
	if ((st = query(s, Q_NEWEST_TS)) == NULL)
		return STORE_ERR;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    (v = (const char *)sqlite3_column_text(st, 0)) != NULL &&
	    strlen(v) < tssz)
		strcpy(ts, v);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK :
	    fail(s, rc, "cannot read the newest event");
}

/* Run a statement that returns no rows. */
static int
step_once(struct store *s, enum lite_query q, const char *what)
{
	sqlite3_stmt *st = query(s, q);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : fail(s, rc, what);
}

static int
lite_read_span(struct store *s, int64_t after, int limit,
    const struct topics *topics, store_row_fn fn, void *ctx,
    int64_t *oldest, int64_t *newest)
{
	int rc, n;

	/* A deferred BEGIN takes its snapshot at the first read below. */
	if ((rc = step_once(s, Q_READ_BEGIN, "cannot begin read"))
	    != STORE_OK)
		return rc;
	if ((n = lite_bounds(s, oldest, newest)) == STORE_OK)
		n = lite_read_after(s, after, limit, topics, fn, ctx);
	if ((rc = step_once(s, Q_READ_END, "cannot end read")) != STORE_OK) {
		if (!sqlite3_get_autocommit(db(s)))
			sqlite3_exec(db(s), "ROLLBACK", NULL, NULL, NULL);
		return n < 0 ? n : rc;
	}
	return n;
}

static int
lite_data_version(struct store *s, int64_t *v)
{
	sqlite3_stmt *st;
	int rc;

	st = query(s, Q_VERSION);
	if (st == NULL)
		return STORE_ERR;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*v = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_reset(st);
	return rc == SQLITE_OK ? STORE_OK :
	    fail(s, rc, "cannot read data version");
}

static int
lite_begin(struct store *s)
{
	/* IMMEDIATE takes the write lock up front, so the busy handler waits
	 * for it instead of failing later on a read-to-write upgrade. */
	return exec(s, "BEGIN IMMEDIATE", "cannot begin transaction");
}

static int
lite_commit(struct store *s)
{
	return exec(s, "COMMIT", "cannot commit");
}

static void
lite_rollback(struct store *s)
{
	if (db(s) != NULL && !sqlite3_get_autocommit(db(s)))
		sqlite3_exec(db(s), "ROLLBACK", NULL, NULL, NULL);
}

/* Run the insert st with its parameters bound; sets *id. */
static int
step_insert(struct store *s, sqlite3_stmt *st, int64_t *id)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return fail(s, rc, "cannot insert event");
	*id = sqlite3_last_insert_rowid(db(s));
	return STORE_OK;
}

static int
lite_insert(struct store *s, const char *ts, const struct store_event *e,
    int64_t *id)
{
	sqlite3_stmt *st;

	if ((st = query(s, Q_INSERT)) == NULL)
		return STORE_ERR;
	/* A NULL pointer binds SQL NULL. */
	sqlite3_bind_text(st, 1, ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, e->price, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e->data, (int)e->len, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, e->audience, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, e->topic, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, e->closes);
	return step_insert(s, st, id);
}

static int
lite_grants(struct store *s, const char *user, int limit, store_name_fn fn,
    void *ctx)
{
	sqlite3_stmt *st;
	const char *name;
	int rc, n = 0;

	st = query(s, Q_GRANTS);
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((name = (const char *)sqlite3_column_text(st, 0)) == NULL)
			continue;
		n++;
		if (fn(ctx, name) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? n : fail(s, rc, "cannot read grants");
}

static int
lite_last_price(struct store *s, const char *symbol, char *out,
    size_t outsz, int *found)
{
	sqlite3_stmt *st;
	const char *p;
	int rc;

	st = query(s, Q_LAST_PRICE);
	*found = 0;
	out[0] = '\0';
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (p = (const char *)sqlite3_column_text(st, 0))
	    != NULL) {
		/* Longer than any price we write: someone's own text, which
		 * no change can be computed from. */
		if (strlen(p) < outsz)
			strcpy(out, p);
		*found = 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK :
	    fail(s, rc, "cannot read previous price");
}

/* SQL of one prune step (see store_engine.h); the condition on topics, if
 * any, is cond, with its parameters from ?2 on. */
static void
prune_sql(char *sql, size_t sz, int by_age, const char *cond)
{
	if (cond == NULL)
		snprintf(sql, sz, "%s", by_age ?
		    "DELETE FROM events WHERE ts < strftime('%Y-%m-%dT%H:%M:%fZ',"
		    " 'now', '-' || ?1 || ' seconds')" :
		    "DELETE FROM events WHERE id <= (SELECT id FROM events"
		    " ORDER BY id DESC LIMIT 1 OFFSET ?1)");
	else if (by_age)
		snprintf(sql, sz, "DELETE FROM events WHERE %s AND topic IN"
		    " (SELECT topic FROM events WHERE %s GROUP BY topic"
		    " HAVING max(ts) < strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ',"
		    " 'now', '-' || ?1 || ' seconds'))", cond, cond);
	else
		snprintf(sql, sz, "DELETE FROM events WHERE %s AND id <="
		    " (SELECT e.id FROM events AS e WHERE e.topic ="
		    " events.topic ORDER BY e.id DESC LIMIT 1 OFFSET ?1)", cond);
}

static int
lite_prune_step(struct store *s, int by_age, int64_t arg,
    const struct topics *topics, int64_t *n)
{
	char vals[TOPICS_MAX * 2][TOPIC_MAX + 1], cond[1024], sql[2600];
	sqlite3_stmt *st;
	int rc, i, nv = 0;

	if (topics != NULL && (nv = store_topics_sql(topics, '?', 2, cond,
	    sizeof(cond), vals)) < 0) {
		store_seterr(s, "cannot prune: too many topics");
		return STORE_ERR;
	}
	prune_sql(sql, sizeof(sql), by_age, topics != NULL ? cond : NULL);
	if ((rc = sqlite3_prepare_v2(db(s), sql, -1, &st, NULL)) != SQLITE_OK)
		return fail(s, rc, "cannot prune");
	sqlite3_bind_int64(st, 1, arg);
	for (i = 0; i < nv; i++)
		sqlite3_bind_text(st, 2 + i, vals[i], -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(s, rc, "cannot prune");
	*n += sqlite3_changes(db(s));
	return STORE_OK;
}

/* Give freed pages back to the file system; failure here is harmless. */
static void
lite_compact(struct store *s)
{
	sqlite3_exec(db(s), "PRAGMA incremental_vacuum", NULL, NULL, NULL);
}

static int
lite_claims(const char *path)
{
	return !store_is_pg(path);
}

static int
lite_open(struct store *s, const char *path, int flags, int busy_ms,
    int *version)
{
	int rc;

	if ((s->impl = calloc(1, sizeof(struct lite))) == NULL) {
		store_seterr(s, "out of memory");
		return STORE_ERR;
	}
	rc = (flags & STORE_READONLY) ? open_reader(s, path, busy_ms, version) :
	    open_writer(s, path, busy_ms, version);
	/* "unable to open database file" on a read-only file system (SQLite
	 * cannot create the -wal and -shm files) deserves the real reason. */
	if (rc != STORE_OK && !(flags & STORE_READONLY) &&
	    access(path, W_OK) == -1 && errno == EROFS) {
		store_seterr(s, "%s", strerror(EROFS));
		rc = STORE_ACCESS;
	}
	return rc;
}

static void
lite_close(struct store *s)
{
	struct lite *l = s->impl;
	int q;

	if (l == NULL)
		return;
	for (q = 0; q < Q_COUNT; q++)
		sqlite3_finalize(l->q[q]);
	sqlite3_close(l->db);
	free(l);
	s->impl = NULL;
}

sqlite3 *
store_sqlite_db(const struct store *s)
{
	return s->engine == &store_sqlite_engine ? db(s) : NULL;
}

const struct store_engine store_sqlite_engine = {
	.name		= "sqlite",
	.claims		= lite_claims,
	.quote_path	= 1,
	.open		= lite_open,
	.upgrade	= lite_upgrade,
	.ready		= prepare_reader,
	.close		= lite_close,
	.read_after	= lite_read_after,
	.read_span	= lite_read_span,
	.topic_back	= lite_topic_back,
	.bounds		= lite_bounds,
	.newest_ts	= lite_newest_ts,
	.data_version	= lite_data_version,
	.begin		= lite_begin,
	.commit		= lite_commit,
	.rollback	= lite_rollback,
	.insert		= lite_insert,
	.grants		= lite_grants,
	.last_price	= lite_last_price,
	.prune_step	= lite_prune_step,
	.compact	= lite_compact,
};
