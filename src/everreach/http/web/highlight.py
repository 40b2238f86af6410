"""Search matches marked in text that strangers wrote: every piece is escaped, only the <mark> tags are ours."""

from __future__ import annotations

import re

from markupsafe import Markup, escape


def highlight(text: str | None, query: str | None) -> Markup:
    """`text` escaped, with each case-insensitive occurrence of `query` wrapped in <mark>."""
    value = text or ""
    needle = (query or "").strip().lstrip("@")
    if not needle:
        return Markup(escape(value))
    parts = re.split(f"({re.escape(needle)})", value, flags=re.IGNORECASE)
    out = [Markup("<mark>{}</mark>").format(p) if i % 2 else escape(p) for i, p in enumerate(parts)]
    return Markup("").join(out)
