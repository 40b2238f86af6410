"""One settings object: EVERREACH_* environment variables, an optional TOML file, CLI overrides.

Read lazily through :func:`get_settings`; nothing here runs at import time, and importing this package loads
no pydantic: the `Settings` model (config/settings.py) loads on first use. A command given `--db` needs no
settings at all to find its database (:func:`database_url`).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from everreach.errors import ConfigError

if TYPE_CHECKING:
    from everreach.config.settings import Settings

__all__ = [
    "Settings",
    "config_file_path",
    "configure",
    "database_url",
    "default_data_dir",
    "embedded_database_url",
    "get_settings",
    "reset",
]

_overrides: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    """`Settings`, imported on first use (pydantic-settings costs about 100 ms to import)."""
    if name == "Settings":
        from everreach.config.settings import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def default_data_dir() -> Path:
    """Where the embedded database and outputs live unless configured otherwise."""
    import platformdirs

    return platformdirs.user_data_path("everreach", appauthor=False)


def config_file_path() -> Path:
    """The TOML file read for settings (EVERREACH_CONFIG overrides the default location)."""
    explicit = _overrides.get("config_file") or os.environ.get("EVERREACH_CONFIG")
    if explicit:
        return Path(explicit)
    import platformdirs

    return platformdirs.user_config_path("everreach", appauthor=False) / "config.toml"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use; a bad file or value is a ConfigError naming it."""
    import tomllib

    from pydantic import ValidationError

    from everreach.config.settings import Settings

    try:
        return Settings(**{k: v for k, v in _overrides.items() if k != "config_file"})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_file_path()}: invalid TOML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors(include_url=False)
        )
        raise ConfigError(
            f"invalid setting ({problems}); check EVERREACH_* variables and {config_file_path()}"
        ) from exc


def database_url() -> str:
    """The database URL in use: the CLI's override when given (it wins over everything, so no settings need
    loading for it), else the configured one (see Settings.resolved_database_url).

    When nothing but the database's place is configured (no settings file, no other EVERREACH_* variable or CLI
    setting), it is found here without loading pydantic (about 130 ms of start-up for a command that needs
    nothing else); otherwise the full settings are loaded, so a bad value anywhere is reported as before.
    """
    override = _overrides.get("database_url")
    if override:
        return str(override)
    located = _locate_database()
    if located is not None:
        return located
    return get_settings().resolved_database_url()


def embedded_database_url(data_dir: Path) -> str:
    """The embedded SQLite file of a data directory."""
    return f"sqlite:///{data_dir / 'everreach.db'}"


#: The settings that only locate the database (and the settings file itself).
_LOCATING = frozenset({"database_url", "data_dir", "config_file"})


def _locate_database() -> str | None:
    """The database URL when only the environment or the CLI place it (the settings' precedence: CLI >
    environment > default), or None when anything else is configured."""
    env = {k.lower().removeprefix("everreach_"): v for k, v in os.environ.items() if k.lower().startswith("everreach_")}
    env.pop("config", None)
    if any(name not in _LOCATING for name in (*env, *_overrides)) or config_file_path().exists():
        return None
    url = _overrides.get("database_url") or env.get("database_url")
    if url:
        return str(url)
    data_dir = _overrides.get("data_dir", env.get("data_dir"))
    return embedded_database_url(Path(data_dir) if data_dir is not None else default_data_dir())


def configure(**overrides: Any) -> None:
    """Set CLI-level overrides (e.g. ``database_url``) and drop the cached settings."""
    _overrides.update({k: v for k, v in overrides.items() if v is not None})
    get_settings.cache_clear()


def reset() -> None:
    """Forget all overrides and cached settings (used by tests)."""
    _overrides.clear()
    get_settings.cache_clear()
