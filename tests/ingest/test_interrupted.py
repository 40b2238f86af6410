"""kill -9 in the middle of an import: no half-written thread, and a rerun finishes with exact counts."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from everreach.db.models import Contact, Conversation, Message
from everreach.ingest import import_export
from everreach.ingest.reader import read_unit
from everreach.ingest.sources import Source
from everreach.ingest.synthetic import generate_export

_CHILD = """
import sys
from pathlib import Path
from everreach.db.engine import make_engine
from everreach.ingest import import_export
import_export(make_engine(sys.argv[1]), Path(sys.argv[2]), batch_rows=60)
"""


def expected_per_thread(path: Path) -> dict[str, int]:
    with Source(path) as source:
        return {
            t.key: len(t.messages)
            for unit in source.units()
            for t in read_unit(source, unit, timezone="UTC")
            if not t.is_group_hint
        }


def stored_per_thread(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        query = (
            select(Conversation.thread_id, func.count(Message.id))
            .join(Message, Message.conversation_id == Conversation.id, isouter=True)
            .group_by(Conversation.thread_id)
        )
        return {str(key): int(count) for key, count in s.execute(query)}


def test_kill_mid_import_then_rerun(engine: Engine, db_url: str, tmp_path: Path) -> None:
    export = tmp_path / "export"
    manifest = generate_export(export, threads=40, messages=2_500, seed=3)
    expected = expected_per_thread(export)
    child = subprocess.Popen([sys.executable, "-c", _CHILD, db_url, str(export)])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            with Session(engine) as s:
                if s.scalar(select(func.count()).select_from(Message)):
                    break
            time.sleep(0.02)
        child.kill()  # SIGKILL: no cleanup runs in the child
    finally:
        child.wait()
    partial = stored_per_thread(engine)
    assert 0 < sum(partial.values()) < manifest.one_to_one_messages, "the kill must land mid-import"
    # every thread that was written is complete
    assert all(count == expected[key] for key, count in partial.items())

    summary = import_export(engine, export)
    assert summary.ok
    assert summary.messages_new == manifest.one_to_one_messages - sum(partial.values())
    assert summary.messages_duplicate == sum(partial.values())
    assert stored_per_thread(engine) == expected
    with Session(engine) as s:
        counted = dict(s.execute(select(Message.contact_id, func.count()).group_by(Message.contact_id)).all())
        for c in s.scalars(select(Contact)):
            assert (c.total_messages_sent or 0) + (c.total_messages_received or 0) == counted[c.id]
