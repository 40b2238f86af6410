"""Default data (`everreach seed`): patterns, templates, fit signals, and the user's known handles."""
