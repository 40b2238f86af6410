-- Generated from src/everreach/db/migrations/versions/0010_task_orders.py by `python -m everreach.db.supabase_sql`: do not edit; change the revision and regenerate.
-- The weekly tasks' and attention's reads: indexes for rewarm, next planned touch and a contact's open message.

CREATE INDEX idx_contacts_rewarm ON instagram_contacts (coalesce(resonance_score, 0) DESC, id, relationship_score);

CREATE INDEX idx_contacts_planned ON instagram_contacts (next_planned_touch, id);

CREATE INDEX idx_outreach_contact_status ON outreach_queue (contact_id, status);

CREATE TABLE IF NOT EXISTS alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

DELETE FROM alembic_version;

INSERT INTO alembic_version (version_num) VALUES ('0010');
