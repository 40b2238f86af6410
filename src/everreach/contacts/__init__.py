"""Contacts: lookup by username or id, usernames, identity merge, the spam flag and the message counters."""
