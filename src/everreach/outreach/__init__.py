"""Outreach: a human-paced queue, a worker that sends each row at most once, and sender adapters."""
