-- EverReach's own tables and the message search index. Same as Alembic revision 0002 on PostgreSQL.
-- The seven seed tables are left exactly as they are; everything here is additive.

CREATE TABLE stage_history (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  contact_id UUID NOT NULL REFERENCES instagram_contacts(id) ON DELETE CASCADE,
  from_stage TEXT,
  to_stage TEXT NOT NULL,
  reason TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT 'auto',
  changed_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_stage_history_contact ON stage_history(contact_id, changed_at);

CREATE TABLE relationship_events (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  contact_id UUID NOT NULL REFERENCES instagram_contacts(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  detail TEXT,
  metadata JSONB DEFAULT '{}',
  occurred_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  created_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX idx_relationship_events_contact ON relationship_events(contact_id, kind);

CREATE TABLE fit_signal_phrases (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  fit_signal_id UUID NOT NULL REFERENCES fit_signals(id) ON DELETE CASCADE,
  phrase TEXT NOT NULL,
  UNIQUE(fit_signal_id, phrase)
);

CREATE TABLE fit_signal_matches (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  contact_id UUID NOT NULL REFERENCES instagram_contacts(id) ON DELETE CASCADE,
  fit_signal_id UUID NOT NULL REFERENCES fit_signals(id) ON DELETE CASCADE,
  message_id UUID NOT NULL REFERENCES instagram_messages(id) ON DELETE CASCADE,
  matched_phrase TEXT NOT NULL,
  similarity DOUBLE PRECISION NOT NULL,
  matched_on TIMESTAMPTZ NOT NULL,
  created_at TIMESTAMPTZ DEFAULT NOW(),
  UNIQUE(fit_signal_id, message_id)
);
CREATE INDEX idx_fit_signal_matches_contact ON fit_signal_matches(contact_id);

CREATE TABLE contact_identities (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  contact_id UUID NOT NULL REFERENCES instagram_contacts(id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  external_id TEXT NOT NULL,
  created_at TIMESTAMPTZ DEFAULT NOW(),
  UNIQUE(provider, external_id)
);
CREATE INDEX idx_contact_identities_contact ON contact_identities(contact_id);

CREATE TABLE message_external_ids (
  external_id TEXT PRIMARY KEY,
  message_id UUID NOT NULL REFERENCES instagram_messages(id) ON DELETE CASCADE,
  provider TEXT NOT NULL DEFAULT 'instagram'
);
CREATE INDEX idx_message_external_ids_message ON message_external_ids(message_id);

CREATE TABLE outreach_attempts (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  queue_id UUID NOT NULL REFERENCES outreach_queue(id) ON DELETE CASCADE,
  worker_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  claimed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  finished_at TIMESTAMPTZ,
  outcome TEXT,
  error TEXT
);
CREATE INDEX idx_outreach_attempts_queue ON outreach_attempts(queue_id);

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX idx_messages_text_trgm ON instagram_messages USING gin (message_text gin_trgm_ops);
