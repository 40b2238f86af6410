"""Relationship model v2 (DESIGN.md §3): every rule once, as pure functions over per-message facts and records."""
