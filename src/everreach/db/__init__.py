"""Storage: engines, sessions, models and migrations for SQLite and PostgreSQL."""
