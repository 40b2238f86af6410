-- The outreach worker reads the latest attempts on every claim (pacing). Same as Alembic revision 0004.

CREATE INDEX idx_outreach_attempts_claimed ON outreach_attempts(claimed_at);
