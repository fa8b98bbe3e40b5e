# embed.awk - turn schema/NNN-*.sql (in order) into the C array of migrations
# that store.c applies: migration i takes PRAGMA user_version from i to i+1.
# -v name=store_pg_migrations names the array (schema/pg/ for PostgreSQL,
# whose sse_state.schema_version counts the same way).
BEGIN { if (name == "") name = "store_migrations"
        print "/* Generated from the schema .sql files by schema/embed.awk: do not edit. */"
        print "const char *const " name "[] = {" }
FNR == 1 { if (NR != 1) print ","; n++ }
{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print "\t\"" $0 "\\n\"" }
END { print "};"; print "const int " name "_count = " n ";" }
