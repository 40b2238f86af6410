-- Generated from src/everreach/db/migrations/versions/0007_contacts_to_rescore.py by `python -m everreach.db.supabase_sql`: do not edit; change the revision and regenerate.
-- contacts_to_rescore and recompute_marks: a full recompute re-reads only the messages that changed.

CREATE TABLE contacts_to_rescore (
    contact_id UUID NOT NULL,
    CONSTRAINT contacts_to_rescore_pkey PRIMARY KEY (contact_id)
);

CREATE TABLE recompute_marks (
    name TEXT NOT NULL,
    computed_at TIMESTAMP WITH TIME ZONE NOT NULL,
    rules TEXT NOT NULL,
    CONSTRAINT recompute_marks_pkey PRIMARY KEY (name)
);

CREATE FUNCTION contacts_to_rescore_mark_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO contacts_to_rescore (contact_id)
  SELECT DISTINCT id FROM changed_rows WHERE id IS NOT NULL
  ON CONFLICT (contact_id) DO NOTHING;
  RETURN NULL;
END
$$;

CREATE FUNCTION contacts_to_rescore_mark_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO contacts_to_rescore (contact_id)
  SELECT DISTINCT contact_id FROM changed_rows WHERE contact_id IS NOT NULL
  ON CONFLICT (contact_id) DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER contacts_to_rescore_new_contact AFTER INSERT ON instagram_contacts REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_to_rescore_mark_contacts();

CREATE TRIGGER contacts_to_rescore_insert AFTER INSERT ON instagram_messages REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_to_rescore_mark_messages();

CREATE TRIGGER contacts_to_rescore_update_new AFTER UPDATE ON instagram_messages REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_to_rescore_mark_messages();

CREATE TRIGGER contacts_to_rescore_update_old AFTER UPDATE ON instagram_messages REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_to_rescore_mark_messages();

CREATE TRIGGER contacts_to_rescore_delete AFTER DELETE ON instagram_messages REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_to_rescore_mark_messages();

CREATE TABLE IF NOT EXISTS alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

DELETE FROM alembic_version;

INSERT INTO alembic_version (version_num) VALUES ('0007');
