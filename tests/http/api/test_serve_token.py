"""`everreach serve` refuses a weak access token: short, or only whitespace."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from typer.testing import CliRunner

from everreach import config
from everreach.cli.app import app
from everreach.http.login_guard import MIN_TOKEN_LENGTH, token_problem

WEAK = ["a", " " * 40, "\t\n" * 20, "x" * (MIN_TOKEN_LENGTH - 1), " " + "Ab3" * 8 + " ", "y" * 40]


@pytest.mark.parametrize("token", WEAK)
def test_weak_tokens_are_refused(token: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    assert token_problem(token) is not None
    monkeypatch.setenv("EVERREACH_ACCESS_TOKEN", token)
    monkeypatch.setenv("EVERREACH_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("EVERREACH_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    config.reset()
    try:
        result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "1"])
    finally:
        config.reset()
    assert result.exit_code == 1
    assert "secrets.token_urlsafe(32)" in result.output
    assert "Traceback" not in result.output


def test_strong_tokens_pass() -> None:
    assert MIN_TOKEN_LENGTH == 24
    assert token_problem(secrets.token_urlsafe(18)) is None  # exactly 24 characters
    assert token_problem("abcdefgh" * 3) is None
    assert token_problem("correct horse battery staple!") is None
