-- Generated from src/everreach/db/migrations/versions/0004_outreach_attempts_claimed.py by `python -m everreach.db.supabase_sql`: do not edit; change the revision and regenerate.
-- idx_outreach_attempts_claimed: the worker reads the latest attempts on every claim (pacing caps and gap).

CREATE INDEX idx_outreach_attempts_claimed ON outreach_attempts (claimed_at);

CREATE TABLE IF NOT EXISTS alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

DELETE FROM alembic_version;

INSERT INTO alembic_version (version_num) VALUES ('0004');
