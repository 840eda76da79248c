"""What the app checks before it serves a page: schema up to date, data files valid, base data loaded."""
from __future__ import annotations

from functools import lru_cache

from . import instrument, migrate
from .errors import ValidationError


@lru_cache(maxsize=1)
def _checked(url: str) -> bool:
    # A broken data file stops start-up with the file and the fault named (DataFileError).
    instrument.read_files()
    if not migrate.is_current():
        raise ValidationError("Skema basis data belum mutakhir. Jalankan `make run` atau "
                              "`.venv/bin/python manage.py init-db`.")
    return True


def ensure_ready() -> None:
    from .config import get_settings

    _checked(get_settings().database_url)
