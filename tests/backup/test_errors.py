"""Corrupt or unsuitable backups fail with one clear line naming the file and line; nothing is changed."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from everreach.backup import backup_database
from everreach.db.engine import make_engine
from everreach.db.migrate import upgrade
from tests.backup.awkward import dump, fill_awkward

Cli = Callable[..., Result]


@pytest.fixture(scope="module")
def good_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid .jsonl backup of the awkward data set."""
    folder = tmp_path_factory.mktemp("good")
    eng = make_engine(f"sqlite:///{folder / 'src.db'}")
    upgrade(eng)
    fill_awkward(eng)
    backup_database(eng, folder / "good.jsonl")
    eng.dispose()
    return folder / "good.jsonl"


def _lines(path: Path) -> list[str]:
    return [line + "\n" for line in path.read_text(encoding="utf-8").split("\n")[:-1]]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output


def test_restore_into_empty_then_refuse_non_empty_then_force(cli: Cli, good_backup: Path, engine_name: str) -> None:
    assert cli("restore", str(good_backup)).exit_code == 0
    refused = _error(cli("restore", str(good_backup)))
    assert "not empty" in refused
    assert "--force" in refused
    forced = cli("restore", "--force", "--json", str(good_backup))
    assert forced.exit_code == 0, forced.output
    assert json.loads(forced.output)["rows"]["instagram_messages"] == 66


def test_invalid_json_names_the_line(cli: Cli, good_backup: Path, tmp_path: Path) -> None:
    lines = _lines(good_backup)
    lines[4] = lines[4][:-10] + "\n"
    bad = _write(tmp_path / "bad.jsonl", lines)
    message = _error(cli("restore", str(bad)))
    assert f"{bad}: line 5: invalid JSON" in message


def test_bad_value_names_line_table_and_column(cli: Cli, good_backup: Path, tmp_path: Path) -> None:
    lines = _lines(good_backup)
    number = next(i for i, line in enumerate(lines) if '"table":"instagram_messages"' in line)
    record = json.loads(lines[number])
    record["row"]["sent_at"] = "yesterday"
    lines[number] = json.dumps(record) + "\n"
    message = _error(cli("restore", str(_write(tmp_path / "bad.jsonl", lines))))
    assert f"line {number + 1}: instagram_messages: column 'sent_at': invalid timestamp 'yesterday'" in message


def test_truncated_file_is_refused_and_target_untouched(cli: Cli, good_backup: Path, tmp_path: Path) -> None:
    assert cli("restore", str(good_backup)).exit_code == 0
    cut = _write(tmp_path / "cut.jsonl", _lines(good_backup)[:-7])
    message = _error(cli("restore", "--force", str(cut)))
    assert "truncated" in message
    # The restore ran in one transaction: the earlier content is still whole.
    status = json.loads(cli("status", "--json").output)
    assert status["tables"]["instagram_messages"] == 66


def test_damaged_gzip(cli: Cli, good_backup: Path, tmp_path: Path) -> None:
    data = gzip.compress(good_backup.read_bytes())
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(data[: len(data) // 2])
    message = _error(cli("restore", str(bad)))
    assert str(bad) in message
    assert "gzip" in message or "truncated" in message


def test_row_the_database_refuses_names_the_line(cli: Cli, good_backup: Path, tmp_path: Path) -> None:
    lines = _lines(good_backup)
    number = next(i for i, line in enumerate(lines) if '"table":"instagram_contacts"' in line)
    record = json.loads(lines[number + 1])
    record["row"]["instagram_username"] = json.loads(lines[number])["row"]["instagram_username"]
    lines[number + 1] = json.dumps(record, ensure_ascii=False) + "\n"
    message = _error(cli("restore", str(_write(tmp_path / "dup.jsonl", lines))))
    assert f"line {number + 2}: instagram_contacts: the database refused the row" in message


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda h: h["tables"].append({"name": "nope", "columns": [], "rows": 0}), "unknown table 'nope'"),
        (lambda h: h["tables"][0]["columns"].append("ghost"), "unknown column"),
        (lambda h: h.update(revision="9999"), "newer or unknown EverReach"),
        (lambda h: h.update(everreach_backup=7), "format 7 is not supported"),
        (lambda h: h.pop("everreach_backup"), "not an EverReach backup"),
    ],
)
def test_bad_header(
    cli: Cli, good_backup: Path, tmp_path: Path, mutate: Callable[[dict[str, object]], object], expected: str
) -> None:
    lines = _lines(good_backup)
    header = json.loads(lines[0])
    mutate(header)
    lines[0] = json.dumps(header) + "\n"
    assert expected in _error(cli("restore", str(_write(tmp_path / "h.jsonl", lines))))


def test_not_a_sqlite_file_and_unknown_suffix(cli: Cli, tmp_path: Path) -> None:
    fake = tmp_path / "fake.db"
    fake.write_text("hello")
    assert f"{fake}: not a SQLite database file" in _error(cli("restore", str(fake)))
    odd = tmp_path / "backup.bak"
    odd.write_text("x")
    assert "cannot tell the format" in _error(cli("restore", str(odd)))
    assert "not an EverReach backup" in _error(cli("restore", "--format", "jsonl", str(odd)))
    assert "no such backup file" in _error(cli("restore", str(tmp_path / "missing.jsonl")))


def test_backup_does_not_overwrite_without_force(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "b.jsonl.gz"
    assert cli("backup", str(target)).exit_code == 0
    assert "already exists" in _error(cli("backup", str(target)))
    assert cli("backup", "--force", str(target)).exit_code == 0
    assert list(tmp_path.glob(".b.jsonl.gz.*")) == [], "no temporary file left behind"


def test_cli_round_trip_through_both_formats(cli: Cli, tmp_path: Path, engine_name: str) -> None:
    """Backup written by the CLI on this engine restores into a fresh SQLite file with the same rows."""
    assert cli("seed").exit_code == 0
    for name in ("b.jsonl", "b.db"):
        result = cli("backup", "--json", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["rows"]["next_best_actions"] == 20
    first = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(fresh)
    from everreach.backup import restore_database

    restore_database(fresh, tmp_path / "b.jsonl")
    assert dump(fresh) == dump(first)
    first.dispose()
    fresh.dispose()
