-- Generated from src/everreach/db/migrations/versions/0006_contact_ranks.py by `python -m everreach.db.supabase_sql`: do not edit; change the revision and regenerate.
-- contact_ranks: the contacts in score order with last touch and spam flag, kept by triggers (tasks, attention).

CREATE TABLE contact_ranks (
    minus_score INTEGER NOT NULL,
    contact_id UUID NOT NULL,
    last_meaningful_touch TIMESTAMP WITH TIME ZONE,
    is_spam BOOLEAN NOT NULL,
    CONSTRAINT contact_ranks_pkey PRIMARY KEY (minus_score, contact_id) INCLUDE (last_meaningful_touch, is_spam)
);

CREATE FUNCTION contact_ranks_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM contact_ranks
    WHERE minus_score = coalesce(-OLD.relationship_score, 1) AND contact_id = OLD.id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO contact_ranks (minus_score, contact_id, last_meaningful_touch, is_spam)
    VALUES (coalesce(-NEW.relationship_score, 1), NEW.id, NEW.last_meaningful_touch,
            coalesce(NEW.tags @> ARRAY['spam'], false));
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER contact_ranks_insert AFTER INSERT ON instagram_contacts FOR EACH ROW EXECUTE FUNCTION contact_ranks_sync();

CREATE TRIGGER contact_ranks_delete AFTER DELETE ON instagram_contacts FOR EACH ROW EXECUTE FUNCTION contact_ranks_sync();

CREATE TRIGGER contact_ranks_update AFTER UPDATE OF id, relationship_score, last_meaningful_touch, tags ON instagram_contacts FOR EACH ROW WHEN ((OLD.id, OLD.relationship_score, OLD.last_meaningful_touch, OLD.tags) IS DISTINCT FROM (NEW.id, NEW.relationship_score, NEW.last_meaningful_touch, NEW.tags) AND current_setting('everreach.ranks_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION contact_ranks_sync();

INSERT INTO contact_ranks (minus_score, contact_id, last_meaningful_touch, is_spam) SELECT coalesce(-relationship_score, 1), id, last_meaningful_touch, coalesce(tags @> ARRAY['spam'], false) FROM instagram_contacts;

CREATE TABLE IF NOT EXISTS alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

DELETE FROM alembic_version;

INSERT INTO alembic_version (version_num) VALUES ('0006');
