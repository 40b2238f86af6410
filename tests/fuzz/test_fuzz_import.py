"""Hypothesis on every export parser (JSON threads, legacy messages.json, HTML) and on the import itself.

A file the importer cannot understand must end as a per-file error in the summary (or an EverReachError),
never as another exception, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from everreach.errors import EverReachError
from everreach.ingest import import_export
from everreach.ingest.reader import read_unit
from everreach.ingest.sources import FileError, Source
from tests.fuzz.known import CrashLog
from tests.fuzz.strategies import html_thread, json_thread, json_values, legacy_doc

PARSE = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
IMPORT = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

THREAD_FILE = "messages/inbox/ana_123/message_1.json"
LAYOUTS = {
    "json": THREAD_FILE,
    "legacy": "messages.json",
    "html": "messages/inbox/ana_123/message_1.html",
}

documents = st.one_of(
    st.tuples(st.just("json"), json_thread.map(json.dumps)),
    st.tuples(st.just("json"), json_values.map(json.dumps)),
    st.tuples(st.just("legacy"), legacy_doc.map(json.dumps)),
    st.tuples(st.just("html"), html_thread),
)
raw_bytes = st.tuples(st.sampled_from(sorted(LAYOUTS)), st.binary(max_size=300))


def _write(root: Path, kind: str, payload: str | bytes) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    path = root / LAYOUTS[kind]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload)
    return root


def _parse_everything(root: Path) -> list[str]:
    failures: list[str] = []
    try:
        with Source(root) as source:
            for unit in source.units():
                try:
                    for thread in read_unit(source, unit, timezone="Europe/Paris"):
                        assert isinstance(thread.messages, list)
                except FileError as exc:
                    failures.append(exc.message)
    except EverReachError as exc:
        failures.append(str(exc))
    return failures


def test_parsers_only_raise_file_errors(tmp_path: Path) -> None:
    crashes = CrashLog()

    @PARSE
    @given(doc=documents | raw_bytes)
    def check(doc: tuple[str, Any]) -> None:
        try:
            failures = _parse_everything(_write(tmp_path / "export", *doc))
        except Exception as exc:  # anything but FileError/EverReachError is a crash: keep exploring
            crashes.record(exc, doc)
            return
        assert all(failures), "every failure has a message"

    check()
    crashes.check()


def test_import_never_crashes(engine: Engine, tmp_path: Path) -> None:
    crashes = CrashLog()

    @IMPORT
    @given(doc=documents)
    def check(doc: tuple[str, Any]) -> None:
        root = _write(tmp_path / "export", *doc)
        try:
            summary = import_export(engine, root, owner="Ana")
        except EverReachError:
            return
        except Exception as exc:
            crashes.record(exc, doc)
            return
        assert all(f.file for f in summary.files_with_errors)
        assert all(f.error for f in summary.files_with_errors)
        assert all(p.file and p.problem and p.example for p in summary.message_problems)

    check()
    crashes.check()
