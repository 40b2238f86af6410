"""EverReach: a local-first, relationship-first CRM for Instagram DMs."""

__version__ = "0.1.0"
