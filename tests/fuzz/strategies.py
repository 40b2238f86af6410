"""Hypothesis strategies for export files: mostly-plausible documents with hostile values mixed in."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
# Characters no database text column takes as they are: lone surrogates (from "\\ud800" in JSON) and NUL.
unstorable = st.tuples(st.text(max_size=4), st.sampled_from(["\ud800", "\udfff", "\x00"]), st.text(max_size=4)).map(
    "".join
)
names = (
    unstorable
    | st.sampled_from(["Ana", "Ben Ng", "ünïcødé 🌸", "", " ", "ana", "Ã©Ã¨ mojibake"])
    | st.text(max_size=15)
)
timestamps_ms = (
    st.integers(1_300_000_000_000, 1_800_000_000_000)
    | st.integers(-(2**63), 2**63)
    | st.floats()
    | st.sampled_from([0, -1, 253402300799999, 253402300800000, 10**20])
)
texts = (
    st.text(max_size=60)
    | unstorable
    | st.sampled_from(["ok", "lol", "Ã¢ÂÂ", "\x00", "a" * 5000, "Edited", "Reacted ❤️"])
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return strategy | json_values


json_message = st.fixed_dictionaries(
    {},
    optional={
        "sender_name": _maybe(names),
        "timestamp_ms": _maybe(timestamps_ms),
        "content": _maybe(texts),
        "share": _maybe(st.fixed_dictionaries({}, optional={"link": texts, "share_text": texts})),
        "photos": _maybe(st.lists(st.fixed_dictionaries({"uri": texts}), max_size=2)),
        "reactions": _maybe(st.lists(st.fixed_dictionaries({"reaction": texts, "actor": names}), max_size=2)),
        "call_duration": json_values,
        "is_unsent": json_values,
        "type": _maybe(st.sampled_from(["Generic", "Call", "Share", "Subscribe"])),
    },
)
json_thread = st.fixed_dictionaries(
    {"messages": _maybe(st.lists(_maybe(json_message), max_size=6))},
    optional={
        "participants": _maybe(st.lists(_maybe(st.fixed_dictionaries({"name": _maybe(names)})), max_size=3)),
        "title": _maybe(texts),
        "thread_path": _maybe(st.sampled_from(["inbox/ana_123", "inbox/", "", "../../etc"]) | st.text(max_size=20)),
        "thread_type": _maybe(st.sampled_from(["Regular", "RegularGroup"])),
        "joinable_mode": json_values,
    },
)

legacy_message = st.fixed_dictionaries(
    {},
    optional={
        "sender": _maybe(names),
        "created_at": _maybe(
            st.sampled_from(["2019-01-01T10:00:00", "2019-01-01T10:00:00.123456+00:00", "0001-01-01T00:00:00+05:00"])
            | st.datetimes().map(lambda d: d.isoformat())
            | st.text(max_size=30)
        ),
        "text": _maybe(texts),
        "media_share_url": json_values,
        "link": json_values,
        "action": json_values,
        "heart": json_values,
    },
)
legacy_doc = _maybe(
    st.lists(
        _maybe(
            st.fixed_dictionaries(
                {"conversation": _maybe(st.lists(_maybe(legacy_message), max_size=5))},
                optional={"participants": _maybe(st.lists(_maybe(names), max_size=3))},
            )
        ),
        max_size=3,
    )
)

html_times = (
    st.sampled_from(["Jan 05, 2024 3:04 pm", "2024-01-05 15:04:05", "Feb 30, 2024 1:00 am", "Jan 01, 0001 12:00 am"])
    | st.datetimes().map(lambda d: d.strftime("%b %d, %Y %I:%M %p"))
    | st.text(max_size=20)
)


def _html_block(sender: str, body: str, when: str, link: str | None) -> str:
    inner = f'<a href="{link}">{link}</a>' if link is not None else body
    return f"<div><h2>{sender}</h2><div><div>{inner}</div></div><div>{when}</div></div>"


html_thread = st.builds(
    lambda title, blocks, junk: f"<html><head><title>{title}</title></head><body>{''.join(blocks)}{junk}</body>",
    texts,
    st.lists(st.builds(_html_block, names, texts, html_times, st.none() | texts), max_size=5),
    st.sampled_from(["", "<div><h2>", "</div></div>", "<img src=x>", "&#0;&amp;&bogus;", "<!--"])
    | st.text(max_size=20),
)


def as_bytes(doc: Any) -> bytes:
    """A document as JSON bytes; some as the exports' latin-1 mojibake escapes."""
    return json.dumps(doc).encode()
