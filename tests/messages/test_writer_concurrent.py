"""Two imports at once: contacts the other one created after this one started are adopted, not a UNIQUE error.

Found by the soak test (two uploads and `everreach import` of overlapping exports): the bulk writer reads the
contacts once when it starts, so a username created meanwhile by another import failed the batch.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update

from everreach.db.models import Contact, Conversation, Message
from everreach.ingest import import_export
from everreach.ingest import service as ingest_service
from everreach.ingest.synthetic import generate_export
from everreach.messages.writer.bulk import Writer
from everreach.understanding import Classifier


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """A small export; the test imports it twice, once inside the other."""
    out = tmp_path / "export"
    generate_export(out, threads=12, messages=400, seed=5)
    return out


def _import_while_the_first_runs(engine: Engine, export: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Import `export` with a writer that, once it has read the contacts, lets a whole second import run."""

    class LateWriter(Writer):
        def _load(self, classifier: Classifier | None) -> None:
            super()._load(classifier)
            monkeypatch.setattr(ingest_service, "Writer", Writer)  # the inner import is an ordinary one
            inner = import_export(engine, export)
            assert inner.messages_new > 0
            with engine.begin() as conn:  # the user tags someone meanwhile: the import must not undo it
                conn.execute(update(Contact).values(tags=["vip"]))

    monkeypatch.setattr(ingest_service, "Writer", LateWriter)
    return import_export(engine, export)


def test_second_import_adopts_contacts_created_meanwhile(
    engine: Engine, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = _import_while_the_first_runs(engine, export, monkeypatch)

    assert summary.files_with_errors == []
    assert summary.messages_new == 0  # the inner import stored every message; the outer one adds none twice
    with engine.connect() as conn:
        contacts = conn.execute(
            select(Contact.id, Contact.tags, Contact.total_messages_sent, Contact.total_messages_received)
        ).all()
        stored = Counter((cid, out) for cid, out in conn.execute(select(Message.contact_id, Message.is_outbound)))
        threads = conn.execute(
            select(Conversation.contact_id, Conversation.thread_id, func.count())
            .group_by(Conversation.contact_id, Conversation.thread_id)
            .having(func.count() > 1)
        ).all()
    assert len(contacts) == summary.threads_imported
    assert threads == []  # one conversation per thread, not one per import
    for cid, tags, sent, received in contacts:
        assert "vip" in (tags or [])
        assert (sent, received) == (stored[(cid, True)], stored[(cid, False)])


def test_adopted_contacts_get_the_messages_only_the_later_import_has(
    engine: Engine, export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outer import reads a bigger export of the same people: its extra messages land on the stored contacts."""
    bigger = tmp_path / "bigger"
    generate_export(bigger, threads=12, messages=800, seed=5)

    class LateWriter(Writer):
        def _load(self, classifier: Classifier | None) -> None:
            super()._load(classifier)
            monkeypatch.setattr(ingest_service, "Writer", Writer)
            import_export(engine, export)

    monkeypatch.setattr(ingest_service, "Writer", LateWriter)
    summary = import_export(engine, bigger)

    assert summary.files_with_errors == []
    assert import_export(engine, bigger).messages_new == 0
    with engine.connect() as conn:
        per_contact = dict(
            conn.execute(
                select(Contact.instagram_username, Contact.total_messages_sent + Contact.total_messages_received)
            ).all()
        )
        stored = dict(
            conn.execute(
                select(Contact.instagram_username, func.count(Message.id))
                .join(Message, Message.contact_id == Contact.id)
                .group_by(Contact.instagram_username)
            ).all()
        )
    assert per_contact == stored
