"""Reading the data files in data/: YAML with messages that name the file and the fault."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .config import DATA_DIR
from .errors import ValidationError


class DataFileError(ValidationError):
    """A data file under data/ is missing or broken: start-up stops with this message."""


def load_yaml(relpath: str | Path, base: Path | None = None) -> Any:
    path = (base or DATA_DIR) / relpath
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(f"Berkas data tidak ditemukan: {path}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (baris {mark.line + 1}, kolom {mark.column + 1})" if mark else ""
        raise DataFileError(f"Berkas data {path} rusak{where}: {getattr(exc, 'problem', exc)}") from None


def fail(path: str, message: str) -> DataFileError:
    return DataFileError(f"Berkas data {path}: {message}")
