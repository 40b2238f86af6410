"""Hypothesis on the backup reader: a damaged backup is refused with a BackupError, never a crash."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from everreach.backup import BackupError, backup_database, restore_database
from everreach.db.engine import make_engine
from everreach.db.migrate import upgrade
from tests.backup.awkward import fill_awkward

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database to restore into (the PostgreSQL path is proven by the round-trip tests)."""
    eng = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def valid_lines(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The lines of a valid backup of the awkward data set."""
    folder = tmp_path_factory.mktemp("fuzz-backup")
    eng = make_engine(f"sqlite:///{folder / 'src.db'}")
    upgrade(eng)
    fill_awkward(eng)
    backup_database(eng, folder / "good.jsonl")
    eng.dispose()
    return [line + "\n" for line in (folder / "good.jsonl").read_text(encoding="utf-8").split("\n")[:-1]]


def _mutate_value(line: str, data: st.DataObject) -> str:
    record = json.loads(line)
    row: dict[str, Any] = record.get("row") or record
    if not row:
        return line
    key = data.draw(st.sampled_from(sorted(row)))
    row[key] = data.draw(
        json_values
        | st.text(max_size=40)
        | st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "not-a-uuid", "\x00"])
        | st.integers(min_value=-(2**70), max_value=2**70)
    )
    return json.dumps(record, ensure_ascii=False) + "\n"


def _restore(engine: Engine, path: Path) -> None:
    try:
        restore_database(engine, path, force=True)
    except BackupError as exc:
        message = str(exc)
        assert str(path) in message, message
        assert "\n" not in message.strip() or "line" in message


def test_mutated_row_values(target: Engine, valid_lines: list[str], tmp_path: Path) -> None:
    @FUZZ
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        lines = list(valid_lines)
        for _ in range(data.draw(st.integers(1, 3))):
            index = data.draw(st.integers(0, len(lines) - 1))
            lines[index] = _mutate_value(lines[index], data)
        path = tmp_path / "mutated.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        _restore(target, path)

    check()


def test_damaged_bytes(target: Engine, valid_lines: list[str], tmp_path: Path) -> None:
    blob = "".join(valid_lines).encode()

    @FUZZ
    @given(
        cut=st.integers(0, len(blob)),
        flips=st.lists(st.tuples(st.integers(0, len(blob) - 1), st.integers(0, 255)), max_size=4),
        gz=st.booleans(),
    )
    def check(cut: int, flips: list[tuple[int, int]], gz: bool) -> None:
        damaged = bytearray(blob)
        for position, value in flips:
            damaged[position] = value
        payload = bytes(damaged[: max(cut, 1)] if cut < len(blob) - 1 else damaged)
        path = tmp_path / ("damaged.jsonl.gz" if gz else "damaged.jsonl")
        if gz:
            packed = gzip.compress(payload)
            payload = packed[: max(10, len(packed) * cut // len(blob))] if flips else packed
        path.write_bytes(payload)
        _restore(target, path)

    check()


def test_arbitrary_lines(target: Engine, valid_lines: list[str], tmp_path: Path) -> None:
    @FUZZ
    @given(
        extra=st.lists(json_values.map(json.dumps) | st.text(max_size=30), min_size=1, max_size=3), at=st.integers(0)
    )
    def check(extra: list[str], at: int) -> None:
        lines = list(valid_lines)
        position = at % len(lines)
        lines[position:position] = [text.replace("\n", " ") + "\n" for text in extra]
        path = tmp_path / "extra.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        _restore(target, path)

    check()
