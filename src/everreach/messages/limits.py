"""How long a stored message text may be: the one rule every message writer applies (import, webhook, browser
sync, outreach), so a message cuts and dedupes the same way whichever path brought it.

The seed's unique btree index (contact_id, message_text, sent_at) rejects index rows over ~2700 bytes on
PostgreSQL. Longer texts are cut at MAX_TEXT_BYTES UTF-8 bytes (on both engines, so dedupe behaves the same)
and the full text is kept in raw_data["full_text"].
"""

from __future__ import annotations

MAX_TEXT_BYTES = 2000
TRUNCATION_MARK = " …"


def fit_text(text: str) -> tuple[str, bool]:
    """Cut text longer than MAX_TEXT_BYTES (UTF-8) on a character boundary; True when cut."""
    if len(text) * 4 <= MAX_TEXT_BYTES:  # fast path: cannot exceed the limit
        return text, False
    # surrogatepass: a lone surrogate (not storable, scrubbed elsewhere) must not make the cut itself fail; its
    # bytes are no valid UTF-8, so the decode below drops it from a cut text.
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= MAX_TEXT_BYTES:
        return text, False
    limit = MAX_TEXT_BYTES - len(TRUNCATION_MARK.encode("utf-8"))
    return encoded[:limit].decode("utf-8", errors="ignore") + TRUNCATION_MARK, True
