-- Generated from src/everreach/db/migrations/versions/0012_search_scan.py by `python -m everreach.db.supabase_sql`: do not edit; change the revision and regenerate.
-- SQLite's newest-first message search scan: an index that holds what the scan reads, in its order.



CREATE TABLE IF NOT EXISTS alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

DELETE FROM alembic_version;

INSERT INTO alembic_version (version_num) VALUES ('0012');
