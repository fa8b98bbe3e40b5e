# sse: Server-Sent Events from an SQLite table, for the web servers you run.
# Plain make; see README.md. Variables follow the usual conventions.

VERSION    = 0.1.0
SHELL      = /bin/bash
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SBINDIR   ?= $(PREFIX)/sbin
LIBEXECDIR?= $(PREFIX)/lib/cgi-bin
MANDIR    ?= $(PREFIX)/share/man
DEFAULT_DB?= /var/lib/sse/events.db
CC        ?= cc
PKG_CONFIG?= pkg-config
CFLAGS    ?= -O2 -g

# B is the build directory; SAN=1 builds with ASan+UBSan, WERROR=1 adds -Werror.
B         ?= build
WARN       = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wpointer-arith -Wformat=2 -Wwrite-strings -Wcast-qual \
             -Wundef -Wvla -Wnull-dereference
ifeq ($(WERROR),1)
WARN      += -Werror
endif
ifeq ($(SAN),1)
SANFLAGS   = -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=all
endif
ALL_CPPFLAGS = -D_GNU_SOURCE -DSSE_VERSION='"$(VERSION)"' \
             -DSSE_DEFAULT_DB='"$(DEFAULT_DB)"' -Isrc $(PQ_CFLAGS) \
             $(PG_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP
ALL_LDFLAGS= $(LDFLAGS) $(SANFLAGS)

# libpq is not linked: src/pq_load.c opens it on the first postgresql://
# URL, so the programs start without it (and its 27 libraries).
# zlib: SSE_GZIP (src/gzip.c).
SQLITE_LIBS= $(shell $(PKG_CONFIG) --libs sqlite3 2>/dev/null || echo -lsqlite3) \
             $(PQ_LIBS) -lz
PQ_CFLAGS  = $(shell $(PKG_CONFIG) --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql)
PQ_LIBS    = -ldl
FCGI_LIBS  = $(shell $(PKG_CONFIG) --libs fcgi 2>/dev/null || echo -lfcgi)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

# PG=0 builds without libpq (make static): no PostgreSQL engine is
# registered, and postgresql:// URLs are refused.
PG        ?= 1
ifeq ($(PG),1)
PG_SRC     = src/store_pg.c src/follow_pg.c src/pq_load.c
PG_CPPFLAGS= -DSSE_PG
else
PG_SRC     =
PQ_LIBS    =
endif
CORE_SRC   = src/buf.c src/sse.c src/validate.c src/topic.c src/topicmap.c src/decimal.c src/store.c \
             src/push.c src/responder.c src/log.c src/conn_state.c \
             src/store_sqlite.c \
             src/cors.c \
             src/jsonl.c src/ingest.c src/pending.c src/gzip.c \
             src/request.c src/batch.c src/stream.c src/watch.c src/follow.c \
             src/follow_file.c src/follow_poll.c src/config.c src/status.c $(PG_SRC) \
             src/fcgirec.c src/simulate.c src/clock.c src/paths.c
CORE_OBJ   = $(CORE_SRC:src/%.c=$(B)/core/%.o) $(B)/core/schema.o
UNIT_SRC   = $(wildcard tests/unit/*.c)
UNIT_OBJ   = $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%.o) $(B)/tools/sseparse.o \
             $(B)/tools/sseconn.o $(B)/bench/stats.o $(B)/bench/procstat.o

PROGS      = $(B)/sse-push $(B)/sse.cgi $(B)/sse-fcgi
TOOLS      = $(B)/sseload $(B)/ssebench $(B)/fcgiraw $(B)/envexec \
             $(B)/failepoll.so

all: $(PROGS) $(TOOLS)

$(B)/core/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

SQL_SQLITE = $(sort $(wildcard schema/[0-9]*.sql))
SQL_PG     = $(sort $(wildcard schema/pg/[0-9]*.sql))
$(B)/core/schema.c: schema/embed.awk $(SQL_SQLITE) $(SQL_PG)
	@mkdir -p $(@D)
	awk -f schema/embed.awk $(SQL_SQLITE) > $@
	awk -v name=store_pg_migrations -f schema/embed.awk $(SQL_PG) >> $@

$(B)/core/schema.o: $(B)/core/schema.c
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -Wno-missing-variable-declarations -c -o $@ $<

$(B)/libsse.a: $(CORE_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/push/%.o: push/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(B)/sse-push: $(B)/push/main.o $(B)/libsse.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SQLITE_LIBS)

$(B)/cgi/%.o: cgi/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(B)/sse.cgi: $(B)/cgi/main.o $(B)/cgi/cgi.o $(B)/libsse.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SQLITE_LIBS)

$(B)/fcgi/%.o: fcgi/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -pthread -c -o $@ $<

$(B)/sse-fcgi: $(B)/fcgi/main.o $(B)/fcgi/server.o $(B)/fcgi/conn.o \
    $(B)/fcgi/hub.o $(B)/fcgi/intake.o $(B)/fcgi/listen.o $(B)/libsse.a
	$(CC) $(ALL_LDFLAGS) -pthread -o $@ $^ $(FCGI_LIBS) $(SQLITE_LIBS)

$(B)/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Itests/tools -Ibench $(ALL_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(B)/tools/%.o: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Itests/tools $(ALL_CFLAGS) -c -o $@ $<

$(B)/sseload: $(B)/tools/sseload.o $(B)/tools/sseconn.o $(B)/tools/sseparse.o $(B)/libsse.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(B)/fcgiraw: $(B)/tools/fcgiraw.o $(B)/libsse.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(B)/envexec: $(B)/tools/envexec.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# A shared object without the sanitizers: it is preloaded into a plain
# build only (ASan must come first in a process's libraries).
$(B)/failepoll.so: tests/tools/failepoll.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -std=c11 $(WARN) $(CFLAGS) -shared -fPIC -o $@ $<

$(B)/settings-mdoc: $(B)/tools/settings-mdoc.o $(B)/libsse.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# man: the ENVIRONMENT list of sse-fcgi(8) from src/config.c's table (the
# unit tests fail while the two differ).
# The parts of fcgi/sse-fcgi.8 that src/config.c's table writes, each
# between its markers: the SYNOPSIS flags, the options, the ENVIRONMENT.
MAN_PARTS  = synopsis options settings
man: $(B)/settings-mdoc
	for part in $(MAN_PARTS); do \
	    $(B)/settings-mdoc $$( [ $$part = settings ] && echo environment || echo $$part ) > $(B)/$$part.mdoc && \
	    awk -v gen=$(B)/$$part.mdoc -v part=$$part \
	        'index($$0, ".\\\" " part ": begin") == 1 { print; \
	        while ((getline l < gen) > 0) print l; skip = 1; next } \
	        index($$0, ".\\\" " part ": end") == 1 { skip = 0 } \
	        !skip { print }' \
	        fcgi/sse-fcgi.8 > $(B)/sse-fcgi.8.new && \
	    mv $(B)/sse-fcgi.8.new fcgi/sse-fcgi.8 || exit 1; \
	done

$(B)/bench/%.o: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Itests/tools $(ALL_CFLAGS) -c -o $@ $<

BENCH_OBJ  = $(B)/bench/stats.o $(B)/bench/procstat.o

$(B)/ssebench: $(B)/bench/ssebench.o $(BENCH_OBJ) $(B)/tools/sseconn.o \
    $(B)/tools/sseparse.o $(B)/libsse.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

$(B)/check_all: $(UNIT_OBJ) $(B)/libsse.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(SQLITE_LIBS) -lm

# --- fuzzing (libFuzzer, clang) ---------------------------------------------
# Each harness in tests/fuzz checks a property of one parser of outside input.
# New inputs go to build/fuzz/corpus-NAME; tests/fuzz/corpus/NAME seeds them.
FUZZ         = lastid request frame ingest
FUZZ_SECONDS?= 60
FUZZ_CC     ?= clang

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_SRC) tests/tools/sseparse.c build/core/schema.c
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all $(ALL_CPPFLAGS) -Itests/tools -o $@ $< \
	    $(CORE_SRC) tests/tools/sseparse.c build/core/schema.c $(SQLITE_LIBS)

fuzz: $(FUZZ:%=build/fuzz/fuzz_%)
	@for f in $(FUZZ); do \
		mkdir -p build/fuzz/corpus-$$f; \
		echo "fuzz: $$f for $(FUZZ_SECONDS) s"; \
		build/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
		    -print_final_stats=1 build/fuzz/corpus-$$f \
		    tests/fuzz/corpus/$$f 2>&1 | grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|Done' ; \
		[ $${PIPESTATUS[0]} -eq 0 ] || exit 1; \
	done

# --- tests --------------------------------------------------------------

unit: $(B)/check_all
	$(B)/check_all

# The unit tests under valgrind, in one process so leaks are seen.
valgrind: $(B)/check_all
	CK_FORK=no valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=9 \
	    $(B)/check_all

test: deps
	$(MAKE) WERROR=1 all
	$(MAKE) WERROR=1 unit
	$(MAKE) B=build/san SAN=1 WERROR=1 unit
	$(MAKE) WERROR=1 valgrind
	$(MAKE) fuzz FUZZ_SECONDS=5
	tests/e2e/run.sh build
	$(MAKE) B=build/san SAN=1 WERROR=1 all
	SAN=1 tests/e2e/run.sh build/san t-responders t-lifecycle t-hostile t-faults t-cors t-races t-status t-pg \
	    t-identity t-auth t-topics t-outbox

deps:
	@tests/deps.sh

# --- benchmarks (not part of make test) -----------------------------------
# bench: every scenario at full size, beside the PHP loop and nchan; the
# results and plots land in bench/. bench-quick: the same at small sizes,
# under two minutes, table printed.
bench: all static
	@tests/deps.sh bench
	OUT=build/bench-full bench/run.sh full $(B)
	bench/report.sh build/bench-full
	cp build/bench-full/RESULTS.md build/bench-full/*.png bench/
	awk 'FNR == NR { h = h $$0 "\n"; next } /^<!-- bench:end -->/ { printf "%s", h; skip = 0 } \
	    !skip { print } /^<!-- bench:begin -->/ { skip = 1 }' \
	    build/bench-full/HEADLINE.md README.md > build/README.new && mv build/README.new README.md
	@sed -n '/^| Figure/,/^$$/p' bench/RESULTS.md

# soak: 1,000 clients, 10 events/s, 30 minutes (SOAK_MINUTES=); RSS and
# descriptors every 10 s land in bench/soak.tsv, the verdict in SOAK.md.
SOAK_MINUTES ?= 30
soak: all
	@tests/deps.sh
	bench/soak.sh $(SOAK_MINUTES) $(B)

bench-quick: all
	@tests/deps.sh bench
	OUT=build/bench-quick bench/run.sh quick $(B)
	bench/report.sh build/bench-quick
	@sed -n '/^| Figure/,/^$$/p' build/bench-quick/RESULTS.md

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(B)/sse-push $(DESTDIR)$(BINDIR)/sse-push
	install -m 755 $(B)/sse-fcgi $(DESTDIR)$(SBINDIR)/sse-fcgi
	install -m 755 $(B)/sse.cgi $(DESTDIR)$(LIBEXECDIR)/sse.cgi
	install -m 644 push/sse-push.1 $(DESTDIR)$(MANDIR)/man1/sse-push.1
	install -m 644 fcgi/sse-fcgi.8 $(DESTDIR)$(MANDIR)/man8/sse-fcgi.8
	install -m 644 cgi/sse.cgi.8 $(DESTDIR)$(MANDIR)/man8/sse.cgi.8

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sse-push $(DESTDIR)$(SBINDIR)/sse-fcgi \
	    $(DESTDIR)$(LIBEXECDIR)/sse.cgi \
	    $(DESTDIR)$(MANDIR)/man1/sse-push.1 \
	    $(DESTDIR)$(MANDIR)/man8/sse-fcgi.8 $(DESTDIR)$(MANDIR)/man8/sse.cgi.8
	@# The directories install made, where nothing else is left in them.
	@for d in $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man8; do \
		[ ! -d "$$d" ] || rmdir --ignore-fail-on-non-empty "$$d"; \
	done

# Self-contained binaries for a shared host's cgi-bin: no libfcgi, no
# libsqlite3 needed there.
static:
	$(MAKE) B=build/static LDFLAGS="-static" PG=0 \
	    SQLITE_LIBS="$$($(PKG_CONFIG) --static --libs sqlite3) -lz" \
	    build/static/sse.cgi build/static/sse-push build/static/sse-fcgi
	@file build/static/sse.cgi build/static/sse-push build/static/sse-fcgi

# A live price dashboard on 127.0.0.1, fed by a price simulator.
demo: deps all
	web/demo.sh $(B)

# The Debian package (debian/), built from a copy of the tree under build/deb
# (dpkg-buildpackage writes its results beside the source), then checked with
# lintian where it is installed: build/deb/sse_$(VERSION)_ARCH.deb. The build
# needs what debian/control names: "apt-get build-dep ./" installs it.
deb:
	rm -rf build/deb && mkdir -p build/deb/sse-$(VERSION)
	tar -c --exclude-vcs --exclude=./build --exclude=node_modules \
	    --exclude='*.db' --exclude='*.db-wal' --exclude='*.db-shm' . | \
	    tar -x -C build/deb/sse-$(VERSION)
	cd build/deb/sse-$(VERSION) && dpkg-buildpackage -us -uc -b
	if command -v lintian > /dev/null; then \
	    lintian -I --fail-on error,warning build/deb/sse_$(VERSION)_*.deb; \
	else echo "lintian is not installed: the package is not checked"; fi
.PHONY: deb

clean:
	rm -rf build

.PHONY: man all unit valgrind test fuzz deps bench bench-quick soak install uninstall static demo clean
-include $(wildcard $(B)/*/*.d)
