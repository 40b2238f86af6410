"""Settings: defaults, TOML file, environment, CLI overrides, read lazily."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from everreach import config


def test_precedence_cli_over_env_over_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "everreach.toml"
    toml.write_text('database_url = "sqlite:///from-toml.db"\nhourly_cap = 4\ntimezone = "Europe/Berlin"\n')
    monkeypatch.setenv("EVERREACH_CONFIG", str(toml))
    config.reset()
    assert config.get_settings().database_url == "sqlite:///from-toml.db"
    assert config.get_settings().hourly_cap == 4
    monkeypatch.setenv("EVERREACH_DATABASE_URL", "sqlite:///from-env.db")
    config.reset()
    assert config.get_settings().database_url == "sqlite:///from-env.db"
    assert config.get_settings().timezone == "Europe/Berlin"
    config.configure(database_url="sqlite:///from-cli.db")
    assert config.get_settings().database_url == "sqlite:///from-cli.db"


def test_default_database_is_a_file_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVERREACH_DATA_DIR", str(tmp_path / "d"))
    config.reset()
    assert config.get_settings().resolved_database_url() == f"sqlite:///{tmp_path / 'd' / 'everreach.db'}"


def test_settings_are_cached_until_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    first = config.get_settings()
    assert config.get_settings() is first
    config.configure(port=9000)
    assert config.get_settings() is not first
    assert config.get_settings().port == 9000


def test_cli_config_flag_reads_the_file(tmp_path: Path, cli_runner_pg) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from everreach.cli import app

    db = tmp_path / "via-config.db"
    toml = tmp_path / "c.toml"
    toml.write_text(f'database_url = "sqlite:///{db}"\n')
    assert CliRunner().invoke(app, ["--config", str(toml), "db", "upgrade"]).exit_code == 0
    result = CliRunner().invoke(app, ["--config", str(toml), "status", "--json"])
    assert result.exit_code == 0, result.output
    assert str(db) in result.stdout


@pytest.mark.parametrize(
    ("content", "needle"),
    [("hourly_cap = [", "invalid TOML"), ('hourly_cap = "lots"', "hourly_cap")],
)
def test_bad_settings_are_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, needle: str
) -> None:
    from typer.testing import CliRunner

    from everreach.cli import app

    toml = tmp_path / "bad.toml"
    toml.write_text(content + "\n")
    result = CliRunner().invoke(app, ["--config", str(toml), "status"])
    assert result.exit_code == 1
    assert needle in result.stderr
    assert str(toml) in result.stderr


@pytest.mark.parametrize("url_at", ["absent", "env", "cli", "cli+env", "empty env"])
@pytest.mark.parametrize("dir_at", ["absent", "env", "cli", "empty env"])
def test_the_quick_database_lookup_agrees_with_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url_at: str, dir_at: str
) -> None:
    """With only the database's place configured, database_url() finds it without the settings, the same one."""
    for name in [n for n in os.environ if n.upper().startswith("EVERREACH_")]:  # e.g. the test engines in CI
        monkeypatch.delenv(name)
    monkeypatch.setenv("EVERREACH_CONFIG", str(tmp_path / "none.toml"))
    if url_at == "empty env":
        monkeypatch.setenv("EVERREACH_DATABASE_URL", "")
    elif "env" in url_at:
        monkeypatch.setenv("EVERREACH_DATABASE_URL", "sqlite:///from-env.db")
    if dir_at == "empty env":
        monkeypatch.setenv("everreach_data_dir", "")
    elif dir_at == "env":
        monkeypatch.setenv("EVERREACH_DATA_DIR", str(tmp_path / "env-dir"))
    config.reset()
    if "cli" in url_at:
        config.configure(database_url="sqlite:///from-cli.db")
    if dir_at == "cli":
        config.configure(data_dir=tmp_path / "cli-dir")
    quick = config.database_url()
    assert config.get_settings.cache_info().currsize == 0, "the settings were loaded"
    assert quick == config.get_settings().resolved_database_url()


@pytest.mark.parametrize(
    "configured", ["file", "EVERREACH_HOURLY_CAP", "cli port"], ids=["settings file", "other variable", "cli"]
)
def test_anything_else_configured_loads_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, configured: str
) -> None:
    toml = tmp_path / "everreach.toml"
    monkeypatch.setenv("EVERREACH_CONFIG", str(toml))
    monkeypatch.setenv("EVERREACH_DATABASE_URL", "sqlite:///from-env.db")
    config.reset()
    if configured == "file":
        toml.write_text('database_url = "sqlite:///from-toml.db"\n')
    elif configured == "cli port":
        config.configure(port=9001)
    else:
        monkeypatch.setenv(configured, "7")
    assert config.database_url() == "sqlite:///from-env.db"
    assert config.get_settings.cache_info().currsize == 1, "the settings were not loaded"


def test_a_bad_variable_is_reported_even_by_a_command_that_needs_only_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVERREACH_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("EVERREACH_HOURLY_CAP", "lots")
    config.reset()
    with pytest.raises(config.ConfigError, match="hourly_cap"):
        config.database_url()
