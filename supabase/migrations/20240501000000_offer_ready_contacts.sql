-- Contacts in the offer lane as of their last recompute (tasks and listings read it). Same as Alembic 0005.

CREATE TABLE offer_ready_contacts (
  contact_id UUID PRIMARY KEY REFERENCES instagram_contacts(id) ON DELETE CASCADE,
  marked_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
