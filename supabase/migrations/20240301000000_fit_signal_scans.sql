-- How far fit-signal detection has read the messages. Same as Alembic revision 0003 on PostgreSQL.

CREATE TABLE fit_signal_scans (
  name TEXT PRIMARY KEY,
  scanned_through TIMESTAMPTZ,
  fingerprint TEXT NOT NULL,
  updated_at TIMESTAMPTZ DEFAULT NOW()
);
