"""The relationship engine: scores, stages, lanes, fit signals and next best actions (DESIGN.md §3)."""
