"""Hypothesis on the known-handles file parser (CSV and TOML): only ValidationError, never a crash."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from everreach.errors import EverReachError
from everreach.seed.handles import parse_handles
from tests.fuzz.known import CrashLog

cells = st.sampled_from(["ana", "@Ben", " x ", "", "username", "#comment", 'q"uote', "a,b", "é 🌸", "\r"]) | st.text(
    max_size=10
)
csv_text = st.lists(st.lists(cells, max_size=4).map(",".join), max_size=6).map("\n".join)
toml_text = st.one_of(
    st.dictionaries(st.text(max_size=8), cells, max_size=4).map(
        lambda d: "[handles]\n" + "\n".join(f"{k!r} = {v!r}".replace("'", '"') for k, v in d.items())
    ),
    st.text(max_size=60),
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_handles_parser_fails_only_with_clear_errors(tmp_path: Path) -> None:
    crashes = CrashLog()
    messages: list[str] = []

    @FUZZ
    @given(
        content=st.one_of(csv_text.map(str.encode), toml_text.map(str.encode), st.binary(max_size=80)),
        suffix=st.sampled_from([".csv", ".toml", ".txt"]),
    )
    def check(content: bytes, suffix: str) -> None:
        path = tmp_path / f"handles{suffix}"
        path.write_bytes(content)
        try:
            handles = parse_handles(path)
        except EverReachError as exc:
            messages.append(str(exc))
            return
        except Exception as exc:
            crashes.record(exc, content)
            return
        assert all(name and not any(ch.isspace() for ch in name) for name in handles)

    check()
    assert all(str(tmp_path) in message for message in messages), "every error names the file"
    crashes.check()
