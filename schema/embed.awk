# embed.awk - turn schema/NNN-*.sql (in order) into the C array of migrations
# that store.c applies: migration i takes PRAGMA user_version from i to i+1.
BEGIN { print "/* Generated from the schema .sql files by schema/embed.awk: do not edit. */"
        print "const char *const store_migrations[] = {" }
FNR == 1 { if (NR != 1) print ","; n++ }
{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print "\t\"" $0 "\\n\"" }
END { print "};"; print "const int store_migration_count = " n ";" }
