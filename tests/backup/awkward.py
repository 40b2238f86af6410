"""Awkward rows in every table (unicode, emoji, NULLs, nested JSON, arrays, microseconds) and a full dump."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, null, select

from everreach.backup.codec import kind_of
from everreach.backup.tables import backup_tables
from everreach.db.models import Base

WEIRD_TEXT = [
    "plain",
    "héllo wörld — ñ ç ß",
    "emoji 🎉🔥👩‍👩‍👧‍👦 family, flag 🇫🇷, skin 👍🏽",
    "quotes \"double\" 'single' `back` \\ backslash",
    "lines\nnew\r\ncrlf\ttab \u2028 sep \u2029 para",
    "rtl שלום مرحبا, cjk 你好 日本語 한국어",
    "combining e\u0301 zero\u200bwidth",
    "",
    " leading and trailing ",
    '{"not": "json"}',
    "x" * 5000,
]

NESTED = {
    "a": [1, 2.5, -3, True, False, None, "😀"],
    "b": {"c": {"d": {"e": [[], {}, [[]], {"f": None}]}}},
    "unicode key ✓": "value\nwith newline",
    "big": 9007199254740993,
    "float": 0.1,
    "tiny": 1e-300,
}


def _ts(i: int) -> datetime:
    base = datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)
    return base - timedelta(days=i * 37, microseconds=i * 123457)


def fill_awkward(engine: Engine) -> None:
    """Insert rows into every table, covering the awkward values of each column type."""
    with engine.begin() as conn:
        _fill(conn, contacts=6)


def _fill(conn: Connection, *, contacts: int) -> None:
    tables = Base.metadata.tables
    contact_ids = [uuid.uuid4() for _ in range(contacts)]
    # Arrays are JSON on SQLite (SQL NULL needs null()), TEXT[] on PostgreSQL (None is NULL).
    no_tags: Any = null() if conn.dialect.name == "sqlite" else None
    tag_sets: list[Any] = [no_tags, [], ["spam"], ["a,b", 'q"uote', "émoji 🎯", ""], ["x"] * 3, ["vip", "ü"]]
    conn.execute(
        insert(tables["instagram_contacts"]),
        [
            {
                "id": cid,
                "instagram_username": f"user_{i}_{WEIRD_TEXT[i % 3][:5].strip()}",
                "display_name": WEIRD_TEXT[i % len(WEIRD_TEXT)] if i % 2 else None,
                "bio": WEIRD_TEXT[(i + 3) % len(WEIRD_TEXT)],
                "follower_count": [0, -1, 2147483647, -2147483648, 42, 7][i % 6],
                "relationship_score": i * 17 % 101,
                "last_meaningful_touch": _ts(i) if i % 3 else None,
                "trust_signals": NESTED if i == 0 else [],
                "fit_signals": [{"key": "k", "at": _ts(i).isoformat()}] if i % 2 else [],
                "value_delivered_log": [] if i else [{"kind": "link", "note": "🎁"}],
                "tags": tag_sets[i % len(tag_sets)],
                "notes": None if i % 2 else WEIRD_TEXT[4],
                "created_at": _ts(i),
                "updated_at": _ts(i) + timedelta(microseconds=1),
            }
            for i, cid in enumerate(contact_ids)
        ],
    )
    conv_ids = [uuid.uuid4() for _ in contact_ids]
    conn.execute(
        insert(tables["instagram_conversations"]),
        [
            {
                "id": conv,
                "contact_id": cid,
                "thread_id": f"t{i}",
                "last_message_is_outbound": [True, False, None][i % 3],
                "is_read": i % 2 == 0,
                "last_message_preview": WEIRD_TEXT[i % len(WEIRD_TEXT)],
            }
            for i, (conv, cid) in enumerate(zip(conv_ids, contact_ids, strict=True))
        ],
    )
    message_rows = []
    for i, (conv, cid) in enumerate(zip(conv_ids, contact_ids, strict=True)):
        for j, body in enumerate(WEIRD_TEXT):
            raw: Any = [null(), None, NESTED, {"mid": f"m{i}.{j}"}, []][(i + j) % 5]
            message_rows.append(
                {
                    "id": uuid.uuid4(),
                    "conversation_id": conv,
                    "contact_id": cid,
                    "message_text": f"{body} #{j}",
                    "is_outbound": j % 2 == 0,
                    "sent_by_automation": [True, False, None][j % 3],
                    "sent_at": _ts(j) + timedelta(microseconds=i),
                    "raw_data": raw,
                }
            )
    conn.execute(insert(tables["instagram_messages"]), message_rows)
    _fill_config_tables(conn)
    _fill_extension_tables(conn, contact_ids, message_rows)


def _fill_config_tables(conn: Connection) -> None:
    tables = Base.metadata.tables
    conn.execute(
        insert(tables["automation_patterns"]),
        [
            {"pattern_type": "spam_pattern", "pattern_key": "k1", "pattern_value": "bitcoin,🚀", "metadata": NESTED},
            {"pattern_type": "known_handle", "pattern_key": "k2", "pattern_value": "Zoë", "metadata": None},
            {"pattern_type": "selector", "pattern_key": "k3", "pattern_value": '[role="x"]', "metadata": null()},
        ],
    )
    signal_id = uuid.uuid4()
    conn.execute(
        insert(tables["fit_signals"]),
        [{"id": signal_id, "product": "p", "signal_key": "s", "signal_description": "d ✨", "is_active": False}],
    )
    conn.execute(
        insert(tables["next_best_actions"]),
        [{"lane": "friendship", "stage": None, "action_key": "a", "action_text": "hey ___ 👋", "metadata": {}}],
    )
    conn.execute(
        insert(tables["fit_signal_phrases"]), [{"fit_signal_id": signal_id, "phrase": p} for p in ("é", "messy")]
    )
    if "fit_signal_scans" in tables:
        conn.execute(
            insert(tables["fit_signal_scans"]),
            [
                {"name": "default", "scanned_through": _ts(5), "fingerprint": "ab12"},
                {"name": "ünïcødé", "scanned_through": None, "fingerprint": ""},
            ],
        )


def _fill_extension_tables(conn: Connection, contact_ids: list[uuid.UUID], messages: list[dict[str, Any]]) -> None:
    tables = Base.metadata.tables
    signal_id = conn.execute(select(tables["fit_signals"].c.id)).scalar_one()
    queue_id = uuid.uuid4()
    conn.execute(
        insert(tables["outreach_queue"]),
        [
            {
                "id": queue_id,
                "contact_id": contact_ids[0],
                "username": "user_0",
                "message_text": "hi 🌱",
                "status": "sent",
                "scheduled_at": _ts(1),
                "sent_at": _ts(2),
                "error": None,
            },
            {
                "id": uuid.uuid4(),
                "contact_id": None,
                "username": "ghost",
                "message_text": "",
                "status": "failed",
                "scheduled_at": None,
                "sent_at": None,
                "error": "x\ny",
            },
        ],
    )
    conn.execute(
        insert(tables["outreach_attempts"]),
        [{"queue_id": queue_id, "worker_id": "w-1", "sender": "dry-run", "outcome": "sent", "finished_at": _ts(3)}],
    )
    conn.execute(
        insert(tables["stage_history"]),
        [{"contact_id": contact_ids[1], "from_stage": None, "to_stage": "context_captured", "reason": "r ✓"}],
    )
    conn.execute(
        insert(tables["relationship_events"]),
        [
            {"contact_id": contact_ids[2], "kind": "consent", "detail": None, "metadata": NESTED},
            {"contact_id": contact_ids[2], "kind": "purchase", "detail": "€9", "metadata": null()},
        ],
    )
    conn.execute(
        insert(tables["fit_signal_matches"]),
        [
            {
                "contact_id": contact_ids[3],
                "fit_signal_id": signal_id,
                "message_id": messages[0]["id"],
                "matched_phrase": "messy",
                "similarity": 0.8333333333333334,
                "matched_on": _ts(4),
            }
        ],
    )
    conn.execute(
        insert(tables["contact_identities"]),
        [{"contact_id": contact_ids[4], "provider": "instagram", "external_id": "17841400000000000"}],
    )
    conn.execute(
        insert(tables["message_external_ids"]),
        [
            {"external_id": f"mid.{i}.é", "message_id": m["id"], "provider": "instagram"}
            for i, m in enumerate(messages[:5])
        ],
    )
    if "message_features" in tables:
        conn.execute(
            insert(tables["message_features"]),
            [
                {
                    "message_id": m["id"], "contact_id": m["contact_id"], "sent_at": m["sent_at"],
                    "is_outbound": m["is_outbound"], "automated": i % 2 == 0, "meaningful": i % 3 == 0,
                    "length": len(m["message_text"]), "question": True, "self_disclosure": False, "emotion": i == 1,
                    "intents": [[], ["thanks", "says_yes"], ["ünï"]][i % 3], "fit_signals": [[], ["p/s ✨"]][i % 2],
                    "excerpt": m["message_text"][:120], "model_key": ["", "abc123"][i % 2],
                }
                for i, m in enumerate(messages[:6])
            ],
        )  # fmt: skip
        conn.execute(
            insert(tables["evidence_reviews"]),
            [
                {"contact_id": contact_ids[0], "evidence_id": f"promise:{messages[0]['id']}", "verdict": "dismissed",
                 "reviewed_at": _ts(1)},
                {"contact_id": contact_ids[0], "evidence_id": "trust:é", "verdict": "confirmed", "reviewed_at": _ts(2)},
            ],
        )  # fmt: skip
    if "offer_ready_contacts" in tables:
        conn.execute(
            insert(tables["offer_ready_contacts"]),
            [{"contact_id": contact_ids[1], "marked_at": datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)}],
        )


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every backed-up table as Python values, plus an is-SQL-NULL flag per JSON column, sorted.

    The tables the database derives itself (tables.DERIVED) are left out: restores fill them again.
    """
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in backup_tables():
            flags = [c.is_(None) for c in table.c if kind_of(c) == "json"]
            rows = [tuple(r) for r in conn.execute(select(*table.c, *flags))]
            out[table.name] = sorted(rows, key=repr)
    return out
