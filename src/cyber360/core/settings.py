"""Settings from the environment (prefix ``CYBER360_``), with safe defaults for the demo."""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_KEY_LENGTH = 32
#: The demo accounts' password (README); refused at login outside demo mode.
DEMO_PASSWORD = "demo-cyber360"  # noqa: S105 - documented demo credential
WEAK_SECRET_KEYS = frozenset({"changeme", "secret", "password", "cyber360", "demo", "dev"})


class Environment(StrEnum):
    """Where the application runs: the demo and dev modes relax what production enforces."""

    DEMO = "demo"
    DEV = "dev"
    PRODUCTION = "production"


class InsecureConfiguration(RuntimeError):
    """Raised at start-up when production settings are unsafe."""


class Settings(BaseSettings):
    """Every setting of the application; read once from the environment."""

    model_config = SettingsConfigDict(env_prefix="CYBER360_", env_file=None, extra="ignore")

    env: Environment = Environment.DEMO
    data_dir: Path = Field(default_factory=lambda: Path.cwd() / "var")
    database_url: str = ""
    secret_key: str = ""
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_absolute_hours: int = Field(default=12, ge=1, le=24 * 7)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_failure_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    upload_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    behind_https: bool = False
    dask_scheduler: str = ""

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        if self.env is Environment.PRODUCTION:
            key = self.secret_key
            if len(key) < MIN_SECRET_KEY_LENGTH or key.lower() in WEAK_SECRET_KEYS or len(set(key)) < 10:
                raise InsecureConfiguration(
                    "CYBER360_SECRET_KEY absente ou trop faible en production "
                    f"(au moins {MIN_SECRET_KEY_LENGTH} caractères aléatoires) / "
                    "missing or weak secret key in production"
                )
            if not self.database_url:
                raise InsecureConfiguration(
                    "CYBER360_DATABASE_URL doit être défini en production / must be set in production"
                )
        return self

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def cookies_secure(self) -> bool:
        """Cookies carry ``Secure`` everywhere but the local demo and dev modes."""
        return self.env is Environment.PRODUCTION or self.behind_https

    def resolved_database_url(self) -> str:
        """The database URL; by default a SQLite file in the data directory, created on first use."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'cyber360.sqlite3').resolve()}"

    def resolved_secret_key(self) -> str:
        """The secret key; outside production one is generated once and kept in the data directory."""
        if self.secret_key:
            return self.secret_key
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
