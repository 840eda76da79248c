"""Reading the audit trail: filters (actor, action, entity, entity id, date range in WIB), paging, Excel export.

The log itself is append-only (a database trigger refuses UPDATE and DELETE; see migration 0001_core);
this module only reads it. Reading needs Perm.AUDIT_VIEW (admin, pimpinan).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from io import BytesIO
from typing import Any, Optional

import pandas as pd
from sqlalchemy import func
from sqlmodel import select
from scoring.formatting import WIB

from . import datafiles
from .db import read_only
from .errors import ValidationError
from .exports import safe_cell
from .models import AuditLog
from .permissions import ROLES, Actor, Perm, require

MAX_EXPORT_ROWS = 200_000
# What the page shows (readable words) ...
PAGE_COLUMNS = ["Waktu (WIB)", "Pengguna", "Peran", "Tindakan", "Entitas", "ID entitas", "Perubahan",
                "Nilai lama", "Nilai baru"]
# ... and the Excel file: the same plus the stored codes and the raw JSON, for auditors.
COLUMNS = [*PAGE_COLUMNS, "Kode tindakan", "Kode peran", "Nilai lama (JSON)", "Nilai baru (JSON)"]
_WIDTHS = [20, 22, 20, 34, 22, 14, 50, 45, 45, 26, 14, 50, 50]
LABELS_FILE = "audit_actions.yaml"
_SECTIONS = ("groups", "actions", "entities", "fields")
_ACTION_CODE = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
_CONTEXT_KEYS = ("question", "aspect")
_MAX_LIST = 10  # list values longer than this are cut: "a, b, ... (+12 lainnya)"


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


@lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, str]]:
    """data/audit_actions.yaml, validated: {"groups"|"actions"|"entities"|"fields": {code: label}}."""
    return parse_labels(datafiles.load_yaml(LABELS_FILE))


def parse_labels(data: Any) -> dict[str, dict[str, str]]:
    """Checks the content of data/audit_actions.yaml; a fault raises DataFileError naming the file."""
    if not isinstance(data, dict):
        raise datafiles.fail(LABELS_FILE, "isinya harus pemetaan dengan bagian " + ", ".join(_SECTIONS) + ".")
    unknown = sorted(set(map(str, data)) - set(_SECTIONS))
    if unknown:
        raise datafiles.fail(LABELS_FILE, f"bagian tidak dikenal: {', '.join(unknown)} "
                                          f"(yang dikenal: {', '.join(_SECTIONS)}).")
    out: dict[str, dict[str, str]] = {}
    for section in _SECTIONS:
        entries = data.get(section)
        if not isinstance(entries, dict) or not entries:
            raise datafiles.fail(LABELS_FILE, f"bagian '{section}' harus berisi pasangan kode: label.")
        for code, label in entries.items():
            if not isinstance(code, str) or not isinstance(label, str) or not label.strip():
                raise datafiles.fail(LABELS_FILE, f"bagian '{section}', kode '{code}': label harus teks yang tidak kosong.")
        out[section] = {code: label.strip() for code, label in entries.items()}
    for code in out["actions"]:
        if not _ACTION_CODE.fullmatch(code):
            raise datafiles.fail(LABELS_FILE, f"bagian 'actions', kode '{code}': bentuknya harus 'kelompok.tindakan' "
                                              "(huruf kecil, angka, garis bawah).")
        if code.split(".")[0] not in out["groups"]:
            raise datafiles.fail(LABELS_FILE, f"bagian 'actions', kode '{code}': kelompok '{code.split('.')[0]}' "
                                              "tidak ada di bagian 'groups'.")
    return out


def action_label(code: Optional[str]) -> str:
    """'consensus.own_save' -> its Indonesian label; an unknown code is shown as the code itself.
    'user.*' / 'user.' (a filter on a group) -> 'Akun pengguna: semua tindakan'."""
    if not code:
        return ""
    if code.endswith("*") or code.endswith("."):
        group = code.rstrip("*").rstrip(".")
        return f"{labels()['groups'].get(group, group)}: semua tindakan"
    return labels()["actions"].get(code, code)


def role_label(role: Optional[str]) -> str:
    return ROLES.get(role or "", role or "")


def entity_label(entity: Optional[str]) -> str:
    return labels()["entities"].get(entity or "", entity or "")


def field_label(key: Any) -> str:
    return labels()["fields"].get(str(key), str(key))


def _num(x: float) -> str:
    return f"{x:g}".replace(".", ",") if isinstance(x, float) else str(x)


def value_text(value: Any) -> str:
    """One value as a person reads it: True -> 'ya', None -> '-', [1, 2] -> '1, 2', 3.5 -> '3,5'."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, (int, float)):
        return _num(value)
    if isinstance(value, list):
        if not value:
            return "-"
        shown = ", ".join(value_text(v) for v in value[:_MAX_LIST])
        return shown + (f", ... (+{len(value) - _MAX_LIST} lainnya)" if len(value) > _MAX_LIST else "")
    if isinstance(value, dict):
        if not value:
            return "-"
        return "; ".join(f"{field_label(k)}={value_text(v)}" for k, v in value.items())
    return str(value)


def _field_value(key: Any, value: Any) -> str:
    """A value under its key; a role code reads as the role's name ('tim_asesor' -> 'Tim Asesor')."""
    if key == "role" and isinstance(value, str):
        return role_label(value)
    return value_text(value)


def values_text(value: Any) -> str:
    """A stored old/new value as 'key: value' lines ('nilai: 4'); a non-mapping value as one line."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return "\n".join(f"{field_label(k)}: {_field_value(k, v)}" for k, v in value.items())
    return value_text(value)


def change_text(old: Any, new: Any) -> str:
    """What changed, one line per key: 'nilai: 3 -> 4'. Keys with the same old and new value are left
    out (they are in 'Nilai lama'/'Nilai baru'); a new record lists its values, a removed one says so."""
    if old is None and new is None:
        return ""
    if old is None:
        return values_text(new)
    if new is None:
        return "dihapus: " + values_text(old).replace("\n", "; ")
    if not isinstance(old, dict) or not isinstance(new, dict):
        return f"{value_text(old)} -> {value_text(new)}"
    # Which question/aspect a change is about stays in view even though it did not change itself.
    context = [f"{field_label(k)}: {_field_value(k, old[k])}" for k in _CONTEXT_KEYS if k in old and old[k] == new.get(k)]
    changed = [f"{field_label(k)}: {_field_value(k, old.get(k))} -> {_field_value(k, new.get(k))}"
               for k in [*old, *(k for k in new if k not in old)] if old.get(k) != new.get(k)]
    return "\n".join(context + (changed or ["(tidak ada nilai yang berubah)"]))


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
        "Peran": role_label(r.actor_role),
        "Tindakan": action_label(r.action),
        "Entitas": entity_label(r.entity),
        "ID entitas": r.entity_id or "",
        "Perubahan": change_text(r.old, r.new),
        "Nilai lama": values_text(r.old),
        "Nilai baru": values_text(r.new),
        "Kode tindakan": r.action,
        "Kode peran": r.actor_role or "",
        "Nilai lama (JSON)": _json(r.old),
        "Nilai baru (JSON)": _json(r.new),
    }


def count(actor: Actor, f: AuditFilter = AuditFilter()) -> int:
    require(actor, Perm.AUDIT_VIEW)
    with read_only() as s:
        return int(s.exec(_where(select(func.count()).select_from(AuditLog), f)).one())


def query(actor: Actor, f: AuditFilter = AuditFilter(), limit: int = 500, offset: int = 0) -> pd.DataFrame:
    """Newest first. Columns: id + COLUMNS (readable words and values, then the stored codes and JSON)."""
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
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    total = count(actor, f)
    if total > MAX_EXPORT_ROWS:
        raise ValidationError(f"Terlalu banyak baris ({total}); persempit filter sampai paling banyak "
                              f"{MAX_EXPORT_ROWS} baris.")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Jejak audit")
    for i, w in enumerate(_WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.append(COLUMNS)
    with read_only() as s:
        q = _where(select(AuditLog), f).order_by(AuditLog.at.desc(), AuditLog.id.desc())
        wrap = Alignment(wrap_text=True, vertical="top")
        multi_line = {"Perubahan", "Nilai lama", "Nilai baru"}

        def cell(column: str, value: Any):
            if column not in multi_line or "\n" not in str(value):
                return value
            c = WriteOnlyCell(ws, value=value)
            c.alignment = wrap
            return c

        for r in s.exec(q.execution_options(yield_per=2000)):
            d = _row(r)
            ws.append([cell(c, safe_cell(d[c])) for c in COLUMNS])
    info = wb.create_sheet("Filter")
    info.append(["Filter", "Nilai"])
    for k, v in (("Pengguna", f.actor), ("Tindakan", action_label(f.action) if f.action else None),
                 ("Kode tindakan", f.action), ("Entitas", entity_label(f.entity) if f.entity else None),
                 ("ID entitas", f.entity_id),
                 ("Dari tanggal", f.date_from), ("Sampai tanggal", f.date_to), ("Jumlah baris", total),
                 ("Diunduh oleh", actor.username),
                 ("Diunduh pada (WIB)", datetime.now(WIB).strftime("%Y-%m-%d %H:%M:%S"))):
        info.append([k, safe_cell("" if v is None else str(v))])
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
