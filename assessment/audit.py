"""The audit trail: one append-only row per write, inside the write's own transaction."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from .models import AuditLog
from .permissions import Actor

# Never written to the audit log, whatever table they come from.
_SECRET_FIELDS = {"password_hash", "password", "data"}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in _SECRET_FIELDS}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def snapshot(obj: Any, fields: list[str] | None = None) -> dict[str, Any]:
    """A plain dict of a model's columns (or of `fields`), fit for the audit log."""
    data = obj.model_dump() if hasattr(obj, "model_dump") else dict(obj)
    if fields is not None:
        data = {k: data.get(k) for k in fields}
    return _plain(data)


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: Any = None,
    old: Any = None,
    new: Any = None,
) -> None:
    session.add(
        AuditLog(
            actor=actor.username,
            actor_role=actor.role,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            old=_plain(old),
            new=_plain(new),
        )
    )
