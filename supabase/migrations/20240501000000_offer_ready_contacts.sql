-- Generated from src/everreach/db/migrations/versions/0005_offer_ready_contacts.py by `python -m everreach.db.supabase_sql`: do not edit; change the revision and regenerate.
-- offer_ready_contacts: contacts in the offer lane as of their last recompute (tasks and listings read it).

CREATE TABLE offer_ready_contacts (
    contact_id UUID NOT NULL,
    marked_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    PRIMARY KEY (contact_id),
    FOREIGN KEY(contact_id) REFERENCES instagram_contacts (id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

DELETE FROM alembic_version;

INSERT INTO alembic_version (version_num) VALUES ('0005');
