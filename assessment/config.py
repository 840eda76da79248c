"""Settings from the environment (pydantic-settings).

Every knob that differs between a laptop, CI and a production server lives here; the method's own
knobs (thresholds, weights, limits) live in data/ and the Setting table instead.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MONEV_", env_file=None, extra="ignore")

    # DATABASE_URL is read without the prefix: it is the name every deployment tool uses.
    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'var' / 'monev.db'}",
        validation_alias="DATABASE_URL",
    )
    upload_dir: Path = ROOT / "var" / "uploads"
    max_evidence_mb: int = 10
    max_import_mb: int = 200
    evidence_extensions: tuple[str, ...] = (
        ".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx", ".doc", ".xls", ".odt", ".ods",
    )
    session_minutes: int = 480
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    sqlite_busy_timeout_ms: int = 10000


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
