"""The method's knobs: defaults from data/settings.yaml, changes in the Setting table (audited)."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from . import audit
from .datafiles import load_yaml
from .db import read_only, transaction
from .errors import ValidationError
from .models import Setting, utcnow
from .permissions import Actor, Perm, require


def defaults() -> dict[str, Any]:
    return dict(load_yaml("settings.yaml") or {})


def get(key: str, session: Session | None = None) -> Any:
    if session is None:
        with read_only() as s:
            return get(key, s)
    row = session.get(Setting, key)
    if row is not None:
        return row.value
    d = defaults()
    if key not in d:
        raise KeyError(f"unknown setting {key}")
    return d[key]


def all_settings() -> dict[str, Any]:
    out = defaults()
    with read_only() as s:
        from sqlmodel import select

        for row in s.exec(select(Setting)).all():
            out[row.key] = row.value
    return out


def set_value(actor: Actor, key: str, value: Any) -> None:
    require(actor, Perm.SETTINGS_EDIT)
    d = defaults()
    if key not in d:
        raise ValidationError(f"Pengaturan '{key}' tidak dikenal.")
    if d[key] is not None and value is not None and type(d[key]) is not type(value) \
            and not (isinstance(d[key], (int, float)) and isinstance(value, (int, float)) and not isinstance(value, bool)):
        raise ValidationError(f"Pengaturan '{key}' harus bertipe {type(d[key]).__name__}.")
    with transaction() as s:
        row = s.get(Setting, key)
        old = row.value if row is not None else d[key]
        if row is None:
            row = Setting(key=key, value=value, updated_by=actor.username)
        else:
            row.value = value
            row.updated_by = actor.username
            row.updated_at = utcnow()
        s.add(row)
        audit.record(s, actor, "setting.set", "setting", key, {"value": old}, {"value": value})
