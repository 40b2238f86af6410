-- Generated from src/everreach/db/migrations/versions/0011_list_orders.py by `python -m everreach.db.supabase_sql`: do not edit; change the revision and regenerate.
-- The contact list's order by score: an index in that order, ties by handle.

CREATE INDEX idx_contacts_score_username ON instagram_contacts (relationship_score DESC, instagram_username);

CREATE TABLE IF NOT EXISTS alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

DELETE FROM alembic_version;

INSERT INTO alembic_version (version_num) VALUES ('0011');
