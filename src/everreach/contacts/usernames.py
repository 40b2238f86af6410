"""Instagram usernames as EverReach stores them."""

from __future__ import annotations


def normalise_username(raw: str) -> str:
    """Instagram usernames are case-insensitive; store them lower-case without a leading @."""
    return raw.strip().lstrip("@").lower()


def placeholder_username(igsid: str) -> str:
    """The username a contact known only by its Instagram-scoped id gets until the real one is known."""
    return f"ig_{igsid}".lower()
