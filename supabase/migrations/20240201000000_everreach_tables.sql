-- Generated from src/everreach/db/migrations/versions/0002_everreach_tables.py by `python -m everreach.db.supabase_sql`: do not edit; change the revision and regenerate.
-- EverReach's own tables (stage history, events, fit-signal phrases and matches, identities, attempts)
-- and the message search index (pg_trgm GIN on PostgreSQL, FTS5 trigram on SQLite).

CREATE TABLE stage_history (
    id UUID DEFAULT gen_random_uuid() NOT NULL,
    contact_id UUID NOT NULL,
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    source TEXT DEFAULT 'auto' NOT NULL,
    changed_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(contact_id) REFERENCES instagram_contacts (id) ON DELETE CASCADE
);

CREATE INDEX idx_stage_history_contact ON stage_history (contact_id, changed_at);

CREATE TABLE relationship_events (
    id UUID DEFAULT gen_random_uuid() NOT NULL,
    contact_id UUID NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT,
    metadata JSONB DEFAULT '{}',
    occurred_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now(),
    PRIMARY KEY (id),
    FOREIGN KEY(contact_id) REFERENCES instagram_contacts (id) ON DELETE CASCADE
);

CREATE INDEX idx_relationship_events_contact ON relationship_events (contact_id, kind);

CREATE TABLE fit_signal_phrases (
    id UUID DEFAULT gen_random_uuid() NOT NULL,
    fit_signal_id UUID NOT NULL,
    phrase TEXT NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (fit_signal_id, phrase),
    FOREIGN KEY(fit_signal_id) REFERENCES fit_signals (id) ON DELETE CASCADE
);

CREATE TABLE fit_signal_matches (
    id UUID DEFAULT gen_random_uuid() NOT NULL,
    contact_id UUID NOT NULL,
    fit_signal_id UUID NOT NULL,
    message_id UUID NOT NULL,
    matched_phrase TEXT NOT NULL,
    similarity FLOAT NOT NULL,
    matched_on TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (fit_signal_id, message_id),
    FOREIGN KEY(contact_id) REFERENCES instagram_contacts (id) ON DELETE CASCADE,
    FOREIGN KEY(fit_signal_id) REFERENCES fit_signals (id) ON DELETE CASCADE,
    FOREIGN KEY(message_id) REFERENCES instagram_messages (id) ON DELETE CASCADE
);

CREATE INDEX idx_fit_signal_matches_contact ON fit_signal_matches (contact_id);

CREATE TABLE contact_identities (
    id UUID DEFAULT gen_random_uuid() NOT NULL,
    contact_id UUID NOT NULL,
    provider TEXT NOT NULL,
    external_id TEXT NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (provider, external_id),
    FOREIGN KEY(contact_id) REFERENCES instagram_contacts (id) ON DELETE CASCADE
);

CREATE INDEX idx_contact_identities_contact ON contact_identities (contact_id);

CREATE TABLE message_external_ids (
    external_id TEXT NOT NULL,
    message_id UUID NOT NULL,
    provider TEXT DEFAULT 'instagram' NOT NULL,
    PRIMARY KEY (external_id),
    FOREIGN KEY(message_id) REFERENCES instagram_messages (id) ON DELETE CASCADE
);

CREATE INDEX idx_message_external_ids_message ON message_external_ids (message_id);

CREATE TABLE outreach_attempts (
    id UUID DEFAULT gen_random_uuid() NOT NULL,
    queue_id UUID NOT NULL,
    worker_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    claimed_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    finished_at TIMESTAMP WITH TIME ZONE,
    outcome TEXT,
    error TEXT,
    PRIMARY KEY (id),
    FOREIGN KEY(queue_id) REFERENCES outreach_queue (id) ON DELETE CASCADE
);

CREATE INDEX idx_outreach_attempts_queue ON outreach_attempts (queue_id);

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX idx_messages_text_trgm ON instagram_messages USING gin (message_text gin_trgm_ops);

CREATE TABLE IF NOT EXISTS alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

DELETE FROM alembic_version;

INSERT INTO alembic_version (version_num) VALUES ('0002');
