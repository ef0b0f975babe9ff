"""One typed settings object, built once by an entrypoint from the environment (and `.env`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{REPO_ROOT / 'var' / 'plume.db'}"


class Settings(BaseSettings):
    """Everything Plume reads from its environment. Secrets are `SecretStr`, masked in repr and logs."""

    model_config = SettingsConfigDict(
        env_prefix="", case_sensitive=True, extra="ignore", frozen=True, env_ignore_empty=True
    )

    DATABASE_URL: str = DEFAULT_DATABASE_URL
    X_BEARER_TOKEN: SecretStr | None = None
    X_API_URL: str = "https://api.twitter.com"
    X_MONTHLY_BUDGET_USD: float | None = Field(default=None, ge=0)
    SLACK_BOT_TOKEN: SecretStr | None = None
    SLACK_SIGNING_SECRET: SecretStr | None = None
    SLACK_APP_TOKEN: SecretStr | None = None
    SLACK_API_URL: str = "https://slack.com/api/"
    SLACK_CLIENT_ID: str | None = None
    SLACK_CLIENT_SECRET: SecretStr | None = None
    # Apps outside the Marketplace get conversations.history at 1 request a minute (since March
    # 2026): off, a message a crash left in doubt follows its kind's policy instead of a look-up.
    SLACK_HISTORY_LOOKUP: bool = True
    PLUME_ENCRYPTION_KEY: SecretStr | None = None
    PLUME_ADMINS: str = Field(default="", description="comma-separated chat user ids with admin rights")
    PORT: int = Field(default=3000, ge=1, le=65535)
    POLL_INTERVAL: int = Field(default=900, ge=60, description="seconds between poll cycles")
    PLUME_MIN_GROUP_SIZE: int = Field(default=5, ge=5)
    # One thread per workspace in a delivery run: each waits on its own workspace's rate limit.
    PLUME_DELIVERY_THREADS: int = Field(default=512, ge=1, le=4096)
    PLUME_OUTPUT_DIR: Path = REPO_ROOT / "demo-output"
    # The HTTP front of `serve` (README: Slack's contracts and security). 1 MiB: Slack's largest
    # payloads are interactivity with a whole view (100 blocks of up to 3,000 characters, form-encoded
    # so up to 3x larger); commands and events are a few KB.
    PLUME_MAX_BODY_BYTES: int = Field(default=1_048_576, ge=1024, le=64 * 1_048_576)
    # Seconds an incomplete request may take from its first byte, and an idle keep-alive connection
    # may stay open, before waitress closes it: Slack gives up on an ack after 3 s, so a body still
    # arriving after 10 s is worthless.
    PLUME_CHANNEL_TIMEOUT: int = Field(default=10, ge=1, le=3600)
    PLUME_WEB_THREADS: int = Field(default=16, ge=1, le=256)
    PLUME_CONNECTION_LIMIT: int = Field(default=100, ge=1, le=10_000)
    LOG_LEVEL: str = "INFO"
    # Who runs the jobs (bot/jobs/engine.py): unset, procrastinate on PostgreSQL and the in-process
    # scheduler on SQLite.
    PLUME_JOBS: Literal["inprocess", "procrastinate"] | None = None
    # procrastinate workers: jobs run side by side in one (each mostly waits on a workspace's rate
    # limit); a heartbeat every PLUME_JOBS_HEARTBEAT seconds; a worker silent for
    # PLUME_JOBS_STALLED_AFTER seconds is taken for dead and its jobs go back to the queue; a worker
    # that has not got its database back within PLUME_JOBS_RECOVER_WITHIN seconds exits 1 (for its
    # supervisor to restart it).
    PLUME_WORKER_CONCURRENCY: int = Field(default=32, ge=1, le=512)
    PLUME_JOBS_HEARTBEAT: float = Field(default=10, gt=0, le=300)
    PLUME_JOBS_STALLED_AFTER: float = Field(default=30, gt=0, le=3600)
    PLUME_JOBS_RECOVER_WITHIN: float = Field(default=60, gt=0, le=3600)
    # An X archive sent to Plume in a DM: 1 GiB, Slack's own upload limit (archives with media are
    # mostly images; the posts themselves are a few MB). Streamed to a temp file, never into memory.
    PLUME_MAX_ARCHIVE_BYTES: int = Field(default=1_073_741_824, ge=1024)
    # Microsoft Teams (handlers/teams). The app id is the audience of inbound Bot Framework tokens;
    # an empty tenant makes a multi-tenant bot (its own token comes from the botframework.com tenant).
    TEAMS_APP_ID: str | None = None
    TEAMS_APP_PASSWORD: SecretStr | None = None
    TEAMS_TENANT_ID: str | None = None
    TEAMS_PORT: int = Field(default=3978, ge=1, le=65535)
    TEAMS_LOGIN_URL: str = "https://login.microsoftonline.com"
    TEAMS_OPENID_METADATA_URL: str = "https://login.botframework.com/v1/.well-known/openidconfiguration"
    # Where people's browsers and Teams reach Plume: chart images (Teams), sign-in pages (X).
    PLUME_PUBLIC_URL: str | None = None
    # Sign in with X (OAuth 2.0, PKCE): set, joining links only the X account the person signs in to.
    # A secret makes a confidential client (Basic auth at the token endpoint); none, a public one.
    X_CLIENT_ID: str | None = None
    X_CLIENT_SECRET: SecretStr | None = None
    X_AUTHORIZE_URL: str = "https://x.com/i/oauth2/authorize"

    @property
    def serves_many_workspaces(self) -> bool:
        """Installed into many organisations' workspaces (OAuth): ledgers that span them are not shown
        to any one organisation's admins."""
        return bool(self.SLACK_CLIENT_ID)

    @field_validator("DATABASE_URL")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:/// or postgresql+psycopg://")
        return value

    @property
    def x_signin_configured(self) -> bool:
        """Sign in with X is set up (a client id; PLUME_PUBLIC_URL is then required too)."""
        return bool(self.X_CLIENT_ID)

    @field_validator("X_CLIENT_ID")
    @classmethod
    def _signin_needs_public_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value and not info.data.get("PLUME_PUBLIC_URL"):
            raise ValueError("needs PLUME_PUBLIC_URL too: X sends people back there after they sign in")
        return value

    @field_validator(
        "X_API_URL", "X_AUTHORIZE_URL", "SLACK_API_URL", "TEAMS_LOGIN_URL", "TEAMS_OPENID_METADATA_URL"
    )
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("PLUME_PUBLIC_URL")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/") if value else value

    @field_validator("LOG_LEVEL")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return value.upper()


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from `environ` (default: the process environment); one clear error per bad value."""
    try:
        if environ is None:
            return Settings()
        return Settings.model_validate({k: v for k, v in environ.items() if v != ""})
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "settings"
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"Bad setting {name}: {problems}") from None
