-- Generated from src/everreach/db/migrations/versions/0003_fit_signal_scans.py by `python -m everreach.db.supabase_sql`: do not edit; change the revision and regenerate.
-- fit_signal_scans: how far fit-signal detection has read the messages, so recompute scans only new ones.

CREATE TABLE fit_signal_scans (
    name TEXT NOT NULL,
    scanned_through TIMESTAMP WITH TIME ZONE,
    fingerprint TEXT NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT now(),
    PRIMARY KEY (name)
);

CREATE TABLE IF NOT EXISTS alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

DELETE FROM alembic_version;

INSERT INTO alembic_version (version_num) VALUES ('0003');
