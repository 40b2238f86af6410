"""The Settings class: every tunable of EverReach as one pydantic-settings model (loaded on first use, see
`everreach.config`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from everreach.config import config_file_path, default_data_dir, embedded_database_url


class Settings(BaseSettings):
    """Every tunable of EverReach. Precedence: CLI flags > environment > TOML file > defaults."""

    model_config = SettingsConfigDict(env_prefix="EVERREACH_", extra="ignore")

    # storage
    database_url: str | None = None
    data_dir: Path = Field(default_factory=default_data_dir)
    timezone: str = "UTC"

    # import
    owner: str | None = None
    import_max_file_mb: int = 64  # what one message file may expand to (a zip member or a file on disk)
    import_max_total_mb: int = 8192  # what all the message files of one import may expand to together

    # outreach pacing (DESIGN.md §4)
    sender: str = "dry-run"
    hourly_cap: int = 10
    daily_cap: int = 30
    active_hours_start: str = "09:00"
    active_hours_end: str = "21:00"
    min_gap_seconds: int = 60
    max_gap_seconds: int = 300
    contact_cooldown_hours: int = 24
    dry_run_path: Path | None = None
    graph_api_url: str = "https://graph.instagram.com/v21.0"
    graph_access_token: str | None = None
    graph_account_id: str = "me"
    graph_human_agent: bool = False
    dm_server_url: str = "http://127.0.0.1:3100"
    dm_server_token: str | None = None
    sender_timeout_seconds: float = 15.0

    # browser driver (DESIGN.md §4b): the user's own logged-in web inbox
    inbox_url: str = "https://www.instagram.com/direct/inbox/"
    browser_executable: Path | None = None
    browser_profile_dir: Path | None = None  # default: <data_dir>/browser/profile
    browser_headless: bool = False
    browser_args: list[str] = Field(default_factory=list)
    browser_pause_min_seconds: float = 2.0
    browser_pause_max_seconds: float = 6.0
    browser_typing_min_ms: int = 20
    browser_typing_max_ms: int = 80
    browser_wait_seconds: float = 8.0
    browser_settle_seconds: float = 3.0  # no new rows this long after a scroll: the end of a list
    browser_confirm_seconds: float = 4.0
    browser_recheck_seconds: float = 3.0
    # How often a wait looks at the page again; unset: every 0.05 s while reading, every 0.1 s while sending.
    browser_poll_seconds: float | None = None
    browser_threads_per_run: int = 50
    browser_stop_after_unchanged: int = 3
    profile_refresh_days: int = 7

    # web
    host: str = "127.0.0.1"
    port: int = 8000
    # Server processes of `everreach serve` (each a Python interpreter: more use more cores, and more memory).
    workers: int = Field(default=1, ge=1, le=32)
    access_token: str | None = None
    instagram_app_secret: str | None = None
    instagram_verify_token: str | None = None
    max_upload_mb: int = 512
    # Extra Host names the server answers to (e.g. a tunnel's name for the webhook); comma-separated in the env.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        """Accept 'a.example, b.example' (environment) as well as a list (TOML)."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Add the TOML file below the environment."""
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file_path())
        return (init_settings, env_settings, toml)

    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return embedded_database_url(self.data_dir)
