-- Generated from src/everreach/db/migrations/versions/0009_dashboard_reads.py by `python -m everreach.db.supabase_sql`: do not edit; change the revision and regenerate.
-- dashboard_counts (the dashboard's totals, kept by triggers) and the contact name search index.

CREATE TABLE dashboard_counts (
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    n BIGINT NOT NULL,
    CONSTRAINT dashboard_counts_pkey PRIMARY KEY (name, key)
);

CREATE TABLE dashboard_count_journal (
    id BIGSERIAL NOT NULL,
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    d BIGINT NOT NULL,
    xid BIGINT DEFAULT 0 NOT NULL,
    CONSTRAINT dashboard_count_journal_pkey PRIMARY KEY (id)
);

CREATE INDEX idx_dashboard_count_journal_xid ON dashboard_count_journal (xid);

ALTER TABLE dashboard_count_journal ALTER COLUMN xid SET DEFAULT (pg_current_xact_id()::text::bigint);

CREATE FUNCTION dashboard_counts_contacts_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO dashboard_count_journal (name, key, d) SELECT name, key, sum(d) FROM (SELECT NULL::text AS name, NULL::text AS key, NULL::bigint AS d WHERE false UNION ALL SELECT 'contacts', '', 1 FROM new_rows n UNION ALL SELECT 'stage', coalesce(n.relationship_stage, ''), 1 FROM new_rows n UNION ALL SELECT 'score', coalesce(CAST(n.relationship_score AS TEXT), ''), 1 FROM new_rows n UNION ALL SELECT 'spam', '', 1 * (CASE WHEN coalesce(n.tags @> ARRAY['spam'], false) THEN 1 ELSE 0 END) FROM new_rows n UNION ALL SELECT 'born', coalesce(to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(n.relationship_stage, ''), 1 FROM new_rows n) AS r GROUP BY name, key HAVING sum(d) <> 0;
RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_counts_contacts_added AFTER INSERT ON instagram_contacts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_contacts_added();

CREATE FUNCTION dashboard_counts_contact_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO dashboard_count_journal (name, key, d) SELECT name, key, sum(d) FROM (SELECT NULL::text AS name, NULL::text AS key, NULL::bigint AS d WHERE false UNION ALL SELECT 'contacts', '', -1  UNION ALL SELECT 'stage', coalesce(OLD.relationship_stage, ''), -1  UNION ALL SELECT 'score', coalesce(CAST(OLD.relationship_score AS TEXT), ''), -1  UNION ALL SELECT 'spam', '', -1 * (CASE WHEN coalesce(OLD.tags @> ARRAY['spam'], false) THEN 1 ELSE 0 END)  UNION ALL SELECT 'born', coalesce(to_char(OLD.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(OLD.relationship_stage, ''), -1  UNION ALL SELECT 'moved', coalesce(to_char(h.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(to_char(OLD.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(h.from_stage, '') || '|' || coalesce(h.to_stage, ''), -1 FROM stage_history h WHERE h.contact_id = OLD.id) AS r GROUP BY name, key HAVING sum(d) <> 0;
RETURN OLD;
END
$$;

CREATE TRIGGER dashboard_counts_contact_removed BEFORE DELETE ON instagram_contacts FOR EACH ROW EXECUTE FUNCTION dashboard_counts_contact_removed();

CREATE FUNCTION dashboard_counts_contact_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO dashboard_count_journal (name, key, d) SELECT name, key, sum(d) FROM (SELECT NULL::text AS name, NULL::text AS key, NULL::bigint AS d WHERE false UNION ALL SELECT 'stage', coalesce(OLD.relationship_stage, ''), -1 UNION ALL SELECT 'stage', coalesce(NEW.relationship_stage, ''), 1 UNION ALL SELECT 'born', coalesce(to_char(OLD.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(OLD.relationship_stage, ''), -1 UNION ALL SELECT 'born', coalesce(to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(NEW.relationship_stage, ''), 1 UNION ALL SELECT 'score', coalesce(CAST(OLD.relationship_score AS TEXT), ''), -1 UNION ALL SELECT 'score', coalesce(CAST(NEW.relationship_score AS TEXT), ''), 1) AS r GROUP BY name, key HAVING sum(d) <> 0;
RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_counts_contact_changed AFTER UPDATE OF relationship_stage, relationship_score, created_at ON instagram_contacts FOR EACH ROW WHEN ((OLD.relationship_stage, OLD.relationship_score, OLD.created_at) IS DISTINCT FROM (NEW.relationship_stage, NEW.relationship_score, NEW.created_at) AND current_setting('everreach.counts_paused', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION dashboard_counts_contact_changed();

CREATE FUNCTION dashboard_counts_contact_spam() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO dashboard_count_journal (name, key, d) SELECT name, key, sum(d) FROM (SELECT NULL::text AS name, NULL::text AS key, NULL::bigint AS d WHERE false UNION ALL SELECT 'spam', '', (CASE WHEN coalesce(NEW.tags @> ARRAY['spam'], false) THEN 1 ELSE 0 END) - (CASE WHEN coalesce(OLD.tags @> ARRAY['spam'], false) THEN 1 ELSE 0 END)) AS r GROUP BY name, key HAVING sum(d) <> 0;
RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_counts_contact_spam AFTER UPDATE OF tags ON instagram_contacts FOR EACH ROW WHEN ((CASE WHEN coalesce(OLD.tags @> ARRAY['spam'], false) THEN 1 ELSE 0 END) IS DISTINCT FROM (CASE WHEN coalesce(NEW.tags @> ARRAY['spam'], false) THEN 1 ELSE 0 END)) EXECUTE FUNCTION dashboard_counts_contact_spam();

CREATE FUNCTION dashboard_counts_contact_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO dashboard_count_journal (name, key, d) SELECT name, key, sum(d) FROM (SELECT NULL::text AS name, NULL::text AS key, NULL::bigint AS d WHERE false UNION ALL SELECT 'moved', coalesce(to_char(h.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(to_char(OLD.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(h.from_stage, '') || '|' || coalesce(h.to_stage, ''), -1 FROM stage_history h WHERE h.contact_id = OLD.id UNION ALL SELECT 'moved', coalesce(to_char(h.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(h.from_stage, '') || '|' || coalesce(h.to_stage, ''), 1 FROM stage_history h WHERE h.contact_id = OLD.id) AS r GROUP BY name, key HAVING sum(d) <> 0;
RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_counts_contact_created AFTER UPDATE OF created_at ON instagram_contacts FOR EACH ROW WHEN ((OLD.created_at) IS DISTINCT FROM (NEW.created_at)) EXECUTE FUNCTION dashboard_counts_contact_created();

CREATE FUNCTION dashboard_counts_changes_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO dashboard_count_journal (name, key, d) SELECT name, key, sum(d) FROM (SELECT NULL::text AS name, NULL::text AS key, NULL::bigint AS d WHERE false UNION ALL SELECT 'moved', coalesce(to_char(n.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(n.from_stage, '') || '|' || coalesce(n.to_stage, ''), 1 FROM new_rows n JOIN instagram_contacts c ON c.id = n.contact_id) AS r GROUP BY name, key HAVING sum(d) <> 0;
RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_counts_changes_added AFTER INSERT ON stage_history REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_changes_added();

CREATE FUNCTION dashboard_counts_changes_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO dashboard_count_journal (name, key, d) SELECT name, key, sum(d) FROM (SELECT NULL::text AS name, NULL::text AS key, NULL::bigint AS d WHERE false UNION ALL SELECT 'moved', coalesce(to_char(o.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(o.from_stage, '') || '|' || coalesce(o.to_stage, ''), -1 FROM old_rows o JOIN instagram_contacts c ON c.id = o.contact_id) AS r GROUP BY name, key HAVING sum(d) <> 0;
RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_counts_changes_removed AFTER DELETE ON stage_history REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_changes_removed();

CREATE FUNCTION dashboard_counts_change_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO dashboard_count_journal (name, key, d) SELECT name, key, sum(d) FROM (SELECT NULL::text AS name, NULL::text AS key, NULL::bigint AS d WHERE false UNION ALL SELECT 'moved', coalesce(to_char(OLD.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(OLD.from_stage, '') || '|' || coalesce(OLD.to_stage, ''), -1 FROM instagram_contacts c WHERE c.id = OLD.contact_id UNION ALL SELECT 'moved', coalesce(to_char(NEW.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(NEW.from_stage, '') || '|' || coalesce(NEW.to_stage, ''), 1 FROM instagram_contacts c WHERE c.id = NEW.contact_id) AS r GROUP BY name, key HAVING sum(d) <> 0;
RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_counts_change_changed AFTER UPDATE OF contact_id, changed_at, from_stage, to_stage ON stage_history FOR EACH ROW WHEN ((OLD.contact_id, OLD.changed_at, OLD.from_stage, OLD.to_stage) IS DISTINCT FROM (NEW.contact_id, NEW.changed_at, NEW.from_stage, NEW.to_stage)) EXECUTE FUNCTION dashboard_counts_change_changed();

CREATE FUNCTION dashboard_counts_messages_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO dashboard_count_journal (name, key, d) SELECT name, key, sum(d) FROM (SELECT NULL::text AS name, NULL::text AS key, NULL::bigint AS d WHERE false UNION ALL SELECT 'messages', '', 1 FROM new_rows n UNION ALL SELECT 'outbound', '', 1 * (CASE WHEN n.is_outbound THEN 1 ELSE 0 END) FROM new_rows n) AS r GROUP BY name, key HAVING sum(d) <> 0;
RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_counts_messages_added AFTER INSERT ON instagram_messages REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_messages_added();

CREATE FUNCTION dashboard_counts_messages_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO dashboard_count_journal (name, key, d) SELECT name, key, sum(d) FROM (SELECT NULL::text AS name, NULL::text AS key, NULL::bigint AS d WHERE false UNION ALL SELECT 'messages', '', -1 FROM old_rows o UNION ALL SELECT 'outbound', '', -1 * (CASE WHEN o.is_outbound THEN 1 ELSE 0 END) FROM old_rows o) AS r GROUP BY name, key HAVING sum(d) <> 0;
RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_counts_messages_removed AFTER DELETE ON instagram_messages REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_messages_removed();

CREATE FUNCTION dashboard_counts_message_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO dashboard_count_journal (name, key, d) SELECT name, key, sum(d) FROM (SELECT NULL::text AS name, NULL::text AS key, NULL::bigint AS d WHERE false UNION ALL SELECT 'outbound', '', (CASE WHEN NEW.is_outbound THEN 1 ELSE 0 END) - (CASE WHEN OLD.is_outbound THEN 1 ELSE 0 END)) AS r GROUP BY name, key HAVING sum(d) <> 0;
RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_counts_message_changed AFTER UPDATE OF is_outbound ON instagram_messages FOR EACH ROW WHEN ((OLD.is_outbound) IS DISTINCT FROM (NEW.is_outbound)) EXECUTE FUNCTION dashboard_counts_message_changed();

CREATE FUNCTION dashboard_counts_conversations_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO dashboard_count_journal (name, key, d) SELECT name, key, sum(d) FROM (SELECT NULL::text AS name, NULL::text AS key, NULL::bigint AS d WHERE false UNION ALL SELECT 'conversations', '', 1 FROM new_rows n) AS r GROUP BY name, key HAVING sum(d) <> 0;
RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_counts_conversations_added AFTER INSERT ON instagram_conversations REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_conversations_added();

CREATE FUNCTION dashboard_counts_conversations_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO dashboard_count_journal (name, key, d) SELECT name, key, sum(d) FROM (SELECT NULL::text AS name, NULL::text AS key, NULL::bigint AS d WHERE false UNION ALL SELECT 'conversations', '', -1 FROM old_rows o) AS r GROUP BY name, key HAVING sum(d) <> 0;
RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_counts_conversations_removed AFTER DELETE ON instagram_conversations REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_conversations_removed();

CREATE INDEX idx_contacts_username_trgm ON instagram_contacts USING gin (instagram_username gin_trgm_ops);

CREATE INDEX idx_contacts_display_name_trgm ON instagram_contacts USING gin (display_name gin_trgm_ops);

INSERT INTO dashboard_counts (name, key, n) SELECT name, key, sum(d) FROM (SELECT NULL AS name, NULL AS key, NULL AS d WHERE 1 = 0 UNION ALL SELECT 'contacts', '', 1 FROM instagram_contacts UNION ALL SELECT 'stage', coalesce(instagram_contacts.relationship_stage, ''), 1 FROM instagram_contacts UNION ALL SELECT 'score', coalesce(CAST(instagram_contacts.relationship_score AS TEXT), ''), 1 FROM instagram_contacts UNION ALL SELECT 'spam', '', 1 * (CASE WHEN coalesce(instagram_contacts.tags @> ARRAY['spam'], false) THEN 1 ELSE 0 END) FROM instagram_contacts UNION ALL SELECT 'born', coalesce(to_char(instagram_contacts.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(instagram_contacts.relationship_stage, ''), 1 FROM instagram_contacts UNION ALL SELECT 'moved', coalesce(to_char(h.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '') || '|' || coalesce(h.from_stage, '') || '|' || coalesce(h.to_stage, ''), 1 FROM stage_history h JOIN instagram_contacts c ON c.id = h.contact_id UNION ALL SELECT 'messages', '', 1 FROM instagram_messages UNION ALL SELECT 'outbound', '', 1 * (CASE WHEN instagram_messages.is_outbound THEN 1 ELSE 0 END) FROM instagram_messages UNION ALL SELECT 'conversations', '', 1 FROM instagram_conversations) AS r GROUP BY name, key HAVING sum(d) <> 0;

CREATE INDEX idx_contacts_stage_username ON instagram_contacts (relationship_stage, instagram_username);

CREATE INDEX idx_messages_sent_id ON instagram_messages (sent_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

DELETE FROM alembic_version;

INSERT INTO alembic_version (version_num) VALUES ('0009');
