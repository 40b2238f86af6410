-- Generated from src/everreach/db/migrations/versions/0008_message_features.py by `python -m everreach.db.supabase_sql`: do not edit; change the revision and regenerate.
-- message_features and evidence_reviews: what each message says, read once by the writer; the user's verdicts.

CREATE TABLE message_features (
    message_id UUID NOT NULL,
    contact_id UUID NOT NULL,
    sent_at TIMESTAMP WITH TIME ZONE NOT NULL,
    is_outbound BOOLEAN NOT NULL,
    automated BOOLEAN NOT NULL,
    meaningful BOOLEAN NOT NULL,
    length INTEGER NOT NULL,
    question BOOLEAN NOT NULL,
    self_disclosure BOOLEAN NOT NULL,
    emotion BOOLEAN NOT NULL,
    intents JSONB NOT NULL,
    fit_signals JSONB NOT NULL,
    excerpt TEXT NOT NULL,
    model_key TEXT NOT NULL,
    CONSTRAINT message_features_pkey PRIMARY KEY (message_id),
    FOREIGN KEY(message_id) REFERENCES instagram_messages (id) ON DELETE CASCADE,
    FOREIGN KEY(contact_id) REFERENCES instagram_contacts (id) ON DELETE CASCADE
);

CREATE INDEX idx_message_features_contact_sent ON message_features (contact_id, sent_at);

CREATE TABLE evidence_reviews (
    id UUID DEFAULT gen_random_uuid() NOT NULL,
    contact_id UUID NOT NULL,
    evidence_id TEXT NOT NULL,
    verdict TEXT NOT NULL,
    reviewed_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT evidence_reviews_pkey PRIMARY KEY (id),
    CONSTRAINT evidence_reviews_contact_id_evidence_id_key UNIQUE (contact_id, evidence_id),
    CONSTRAINT evidence_reviews_verdict_check CHECK (verdict IN ('dismissed', 'confirmed')),
    FOREIGN KEY(contact_id) REFERENCES instagram_contacts (id) ON DELETE CASCADE
);

CREATE FUNCTION message_features_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.contact_id IS NULL OR NEW.sent_at IS NULL THEN
    DELETE FROM message_features WHERE message_id = NEW.id;
  ELSE
    UPDATE message_features
    SET contact_id = NEW.contact_id, sent_at = NEW.sent_at,
        model_key = CASE WHEN (OLD.message_text, OLD.message_type, OLD.is_outbound, OLD.sent_by_automation) IS DISTINCT FROM (NEW.message_text, NEW.message_type, NEW.is_outbound, NEW.sent_by_automation) THEN '' ELSE model_key END
    WHERE message_id = NEW.id;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER message_features_follow AFTER UPDATE OF contact_id, sent_at, message_text, message_type, is_outbound, sent_by_automation ON instagram_messages FOR EACH ROW WHEN ((OLD.contact_id, OLD.sent_at, OLD.message_text, OLD.message_type, OLD.is_outbound, OLD.sent_by_automation) IS DISTINCT FROM (NEW.contact_id, NEW.sent_at, NEW.message_text, NEW.message_type, NEW.is_outbound, NEW.sent_by_automation)) EXECUTE FUNCTION message_features_follow();

CREATE TABLE IF NOT EXISTS alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

DELETE FROM alembic_version;

INSERT INTO alembic_version (version_num) VALUES ('0008');
