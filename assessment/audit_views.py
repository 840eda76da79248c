"""Reading the audit trail: filters (actor, action, entity, entity id, date range in WIB), paging, Excel export.

The log itself is append-only (a database trigger refuses UPDATE and DELETE; see migration 0001_core);
this module only reads it. Reading needs Perm.AUDIT_VIEW (admin, pimpinan).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from io import BytesIO
from typing import Any, Optional

import pandas as pd
from sqlalchemy import func
from sqlmodel import select
from scoring.formatting import WIB

from .db import read_only
from .errors import ValidationError
from .exports import safe_cell
from .models import AuditLog
from .permissions import Actor, Perm, require

MAX_EXPORT_ROWS = 200_000
COLUMNS = ["Waktu (WIB)", "Pengguna", "Peran", "Tindakan", "Entitas", "ID entitas", "Nilai lama", "Nilai baru"]


@dataclass(frozen=True)
class AuditFilter:
    actor: Optional[str] = None
    action: Optional[str] = None  # exact, or a prefix ending in "." / "*" ("user." matches user.create ...)
    entity: Optional[str] = None
    entity_id: Optional[str] = None
    date_from: Optional[date] = None  # inclusive, WIB calendar day
    date_to: Optional[date] = None  # inclusive, WIB calendar day


def _wib_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=WIB).astimezone(timezone.utc)


def _where(q, f: AuditFilter):
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise ValidationError("Tanggal awal setelah tanggal akhir: tukar atau perbaiki rentang tanggalnya.")
    if f.actor:
        q = q.where(AuditLog.actor == f.actor.strip())
    if f.action:
        action = f.action.strip()
        if action.endswith("*"):
            action = action[:-1]
        if action.endswith("."):
            q = q.where(AuditLog.action.startswith(action, autoescape=True))
        else:
            q = q.where(AuditLog.action == action)
    if f.entity:
        q = q.where(AuditLog.entity == f.entity.strip())
    if f.entity_id:
        q = q.where(AuditLog.entity_id == str(f.entity_id).strip())
    if f.date_from:
        q = q.where(AuditLog.at >= _wib_start(f.date_from))
    if f.date_to:
        q = q.where(AuditLog.at < _wib_start(f.date_to + timedelta(days=1)))
    return q


def _json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _row(r: AuditLog) -> dict[str, Any]:
    at = r.at if r.at.tzinfo is not None else r.at.replace(tzinfo=timezone.utc)
    return {
        "id": r.id,
        "Waktu (WIB)": at.astimezone(WIB).strftime("%Y-%m-%d %H:%M:%S"),
        "Pengguna": r.actor,
        "Peran": r.actor_role,
        "Tindakan": r.action,
        "Entitas": r.entity,
        "ID entitas": r.entity_id or "",
        "Nilai lama": _json(r.old),
        "Nilai baru": _json(r.new),
    }


def count(actor: Actor, f: AuditFilter = AuditFilter()) -> int:
    require(actor, Perm.AUDIT_VIEW)
    with read_only() as s:
        return int(s.exec(_where(select(func.count()).select_from(AuditLog), f)).one())


def query(actor: Actor, f: AuditFilter = AuditFilter(), limit: int = 500, offset: int = 0) -> pd.DataFrame:
    """Newest first. Columns: id + COLUMNS (old/new values as JSON text)."""
    require(actor, Perm.AUDIT_VIEW)
    limit = max(1, min(int(limit), MAX_EXPORT_ROWS))
    with read_only() as s:
        rows = s.exec(_where(select(AuditLog), f).order_by(AuditLog.at.desc(), AuditLog.id.desc())
                      .offset(max(0, int(offset))).limit(limit)).all()
        return pd.DataFrame([_row(r) for r in rows], columns=["id", *COLUMNS])


def choices(actor: Actor) -> dict[str, list[str]]:
    """The distinct actors, actions and entities present, for the filter pickers."""
    require(actor, Perm.AUDIT_VIEW)
    with read_only() as s:
        return {
            "actor": sorted(x for x in s.exec(select(AuditLog.actor).distinct()).all() if x),
            "action": sorted(x for x in s.exec(select(AuditLog.action).distinct()).all() if x),
            "entity": sorted(x for x in s.exec(select(AuditLog.entity).distinct()).all() if x),
        }


def export_xlsx(actor: Actor, f: AuditFilter = AuditFilter()) -> bytes:
    """The filtered log as an Excel file. Every text cell goes through exports.safe_cell, so a value
    that starts like a formula ("=HYPERLINK(...)", "+1", "-2", "@SUM") is written as text."""
    require(actor, Perm.AUDIT_VIEW)
    from openpyxl import Workbook

    total = count(actor, f)
    if total > MAX_EXPORT_ROWS:
        raise ValidationError(f"Terlalu banyak baris ({total}); persempit filter sampai paling banyak "
                              f"{MAX_EXPORT_ROWS} baris.")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Jejak audit")
    for i, w in enumerate([20, 22, 14, 26, 18, 14, 60, 60]):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.append(COLUMNS)
    with read_only() as s:
        q = _where(select(AuditLog), f).order_by(AuditLog.at.desc(), AuditLog.id.desc())
        for r in s.exec(q.execution_options(yield_per=2000)):
            d = _row(r)
            ws.append([safe_cell(d[c]) for c in COLUMNS])
    info = wb.create_sheet("Filter")
    info.append(["Filter", "Nilai"])
    for k, v in (("Pengguna", f.actor), ("Tindakan", f.action), ("Entitas", f.entity), ("ID entitas", f.entity_id),
                 ("Dari tanggal", f.date_from), ("Sampai tanggal", f.date_to), ("Jumlah baris", total),
                 ("Diunduh oleh", actor.username),
                 ("Diunduh pada (WIB)", datetime.now(WIB).strftime("%Y-%m-%d %H:%M:%S"))):
        info.append([k, safe_cell("" if v is None else str(v))])
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
