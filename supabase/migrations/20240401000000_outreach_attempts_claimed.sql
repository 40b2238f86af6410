-- Generated from src/everreach/db/migrations/versions/0004_outreach_attempts_claimed.py by `python -m everreach.db.supabase_sql`: do not edit; change the revision and regenerate.
-- idx_outreach_attempts_claimed: the worker reads the latest attempts on every claim (pacing caps and gap).

CREATE INDEX idx_outreach_attempts_claimed ON outreach_attempts (claimed_at);
