-- roles.sql - the database and the two roles sse uses, run once by a
-- PostgreSQL superuser:
--
--   sudo -u postgres psql -v ON_ERROR_STOP=1 -f conf/postgresql/roles.sql
--
-- sse_writer owns the tables: sse-push, run as it, creates and upgrades
-- the schema on first use. sse_reader is what the responders log in as:
-- it may read the tables and nothing else (the responders also set their
-- sessions read-only). Give both a password, or map them in pg_hba.conf:
--
--   \password sse_writer
--   \password sse_reader
CREATE ROLE sse_writer LOGIN;
CREATE ROLE sse_reader LOGIN;
CREATE DATABASE sse OWNER sse_writer;
\connect sse
-- Tables sse_writer creates later are readable by sse_reader at once.
ALTER DEFAULT PRIVILEGES FOR ROLE sse_writer IN SCHEMA public
    GRANT SELECT ON TABLES TO sse_reader;
GRANT USAGE ON SCHEMA public TO sse_reader;
