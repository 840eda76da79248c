"""The unit registry: the instansi, its OPD and kecamatan, and their aliases."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from sqlmodel import Session, select

from . import audit
from .datafiles import fail, load_yaml
from .db import read_only, transaction
from .errors import ConflictError, NotFound, ValidationError
from .models import Unit, UnitAlias
from .permissions import Actor, Perm, require

KINDS = {"instansi": "Instansi (Pemda)", "opd": "OPD", "kecamatan": "Kecamatan"}


def alias_key(name: str) -> str:
    """Normalised form for matching names: case, dots, commas and repeated spaces do not matter."""
    s = re.sub(r"[.,()]", " ", str(name).lower())
    return re.sub(r"\s+", " ", s).strip()


@dataclass(frozen=True)
class UnitView:
    id: int
    name: str
    kind: str
    active: bool
    confirmed: bool
    aliases: tuple[str, ...]
    note: Optional[str] = None

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)


def _view(s: Session, u: Unit) -> UnitView:
    aliases = s.exec(select(UnitAlias.alias).where(UnitAlias.unit_id == u.id).order_by(UnitAlias.alias)).all()
    return UnitView(u.id, u.name, u.kind, u.active, u.confirmed, tuple(a for a in aliases if a != u.name), u.note)


def list_units(include_retired: bool = False, kind: str | None = None) -> list[UnitView]:
    with read_only() as s:
        q = select(Unit)
        if not include_retired:
            q = q.where(Unit.active == True)  # noqa: E712
        if kind:
            q = q.where(Unit.kind == kind)
        rows = s.exec(q).all()
        order = {"instansi": 0, "opd": 1, "kecamatan": 2}
        rows = sorted(rows, key=lambda u: (order.get(u.kind, 9), u.name))
        return [_view(s, u) for u in rows]


def get_unit(unit_id: int) -> UnitView:
    with read_only() as s:
        u = s.get(Unit, unit_id)
        if u is None:
            raise NotFound(f"Unit dengan id {unit_id} tidak ada.")
        return _view(s, u)


def find_unit(s: Session, name: str) -> Optional[Unit]:
    """By exact name or any alias (normalised)."""
    u = s.exec(select(Unit).where(Unit.name == name)).first()
    if u is not None:
        return u
    a = s.exec(select(UnitAlias).where(UnitAlias.key == alias_key(name))).first()
    return s.get(Unit, a.unit_id) if a else None


def resolve_unit(name: str) -> UnitView:
    with read_only() as s:
        u = find_unit(s, name)
        if u is None:
            raise NotFound(f"Unit '{name}' tidak dikenal. Periksa daftar di halaman Unit Kerja.")
        return _view(s, u)


def alias_index() -> dict[str, int]:
    """Normalised alias -> unit id, for matching imported names in bulk."""
    with read_only() as s:
        out = {k: uid for k, uid in s.exec(select(UnitAlias.key, UnitAlias.unit_id)).all()}
        for uid, name in s.exec(select(Unit.id, Unit.name)).all():
            out.setdefault(alias_key(name), uid)
        return out


def _add_alias(s: Session, unit: Unit, alias: str) -> bool:
    alias = alias.strip()
    if not alias:
        return False
    key = alias_key(alias)
    other = s.exec(select(UnitAlias).where(UnitAlias.key == key)).first()
    if other is not None:
        if other.unit_id == unit.id:
            return False
        owner = s.get(Unit, other.unit_id)
        raise ConflictError(f"Nama lain '{alias}' sudah dipakai oleh unit '{owner.name if owner else other.unit_id}'.")
    s.add(UnitAlias(unit_id=unit.id, alias=alias, key=key))
    return True


def _check_name(name: str) -> str:
    name = re.sub(r"\s+", " ", (name or "")).strip()
    if not name:
        raise ValidationError("Nama unit wajib diisi.")
    if len(name) > 200:
        raise ValidationError("Nama unit terlalu panjang (maksimal 200 karakter).")
    return name


def create_unit(actor: Actor, name: str, kind: str, confirmed: bool = True, aliases: list[str] | None = None,
                note: str | None = None) -> int:
    require(actor, Perm.UNITS_EDIT)
    name = _check_name(name)
    if kind not in KINDS:
        raise ValidationError(f"Jenis unit '{kind}' tidak dikenal; pilih salah satu: {', '.join(KINDS)}.")
    with transaction() as s:
        if find_unit(s, name) is not None:
            raise ConflictError(f"Unit '{name}' sudah ada (sebagai nama atau nama lain).")
        u = Unit(name=name, kind=kind, confirmed=confirmed, note=note)
        s.add(u)
        s.flush()
        _add_alias(s, u, name)
        for a in aliases or []:
            _add_alias(s, u, a)
        audit.record(s, actor, "unit.create", "unit", u.id, None,
                     {"name": name, "kind": kind, "confirmed": confirmed, "aliases": aliases or []})
        return int(u.id)


def rename_unit(actor: Actor, unit_id: int, new_name: str, keep_old_as_alias: bool = True) -> None:
    require(actor, Perm.UNITS_EDIT)
    new_name = _check_name(new_name)
    with transaction() as s:
        u = s.get(Unit, unit_id)
        if u is None:
            raise NotFound(f"Unit dengan id {unit_id} tidak ada.")
        other = find_unit(s, new_name)
        if other is not None and other.id != u.id:
            raise ConflictError(f"Nama '{new_name}' sudah dipakai oleh unit '{other.name}'.")
        old = u.name
        u.name = new_name
        s.add(u)
        _add_alias(s, u, new_name)
        if not keep_old_as_alias:
            for a in s.exec(select(UnitAlias).where(UnitAlias.unit_id == u.id, UnitAlias.key == alias_key(old))).all():
                s.delete(a)
        audit.record(s, actor, "unit.rename", "unit", u.id, {"name": old}, {"name": new_name})


def set_active(actor: Actor, unit_id: int, active: bool) -> None:
    require(actor, Perm.UNITS_EDIT)
    with transaction() as s:
        u = s.get(Unit, unit_id)
        if u is None:
            raise NotFound(f"Unit dengan id {unit_id} tidak ada.")
        if u.kind == "instansi" and not active:
            raise ValidationError("Unit instansi (Pemda) tidak dapat dinonaktifkan.")
        old = u.active
        u.active = active
        s.add(u)
        audit.record(s, actor, "unit.retire" if not active else "unit.reactivate", "unit", u.id,
                     {"active": old}, {"active": active})


def set_confirmed(actor: Actor, unit_id: int, confirmed: bool) -> None:
    require(actor, Perm.UNITS_EDIT)
    with transaction() as s:
        u = s.get(Unit, unit_id)
        if u is None:
            raise NotFound(f"Unit dengan id {unit_id} tidak ada.")
        old = u.confirmed
        u.confirmed = confirmed
        s.add(u)
        audit.record(s, actor, "unit.confirm", "unit", u.id, {"confirmed": old}, {"confirmed": confirmed})


def add_alias(actor: Actor, unit_id: int, alias: str) -> None:
    require(actor, Perm.UNITS_EDIT)
    with transaction() as s:
        u = s.get(Unit, unit_id)
        if u is None:
            raise NotFound(f"Unit dengan id {unit_id} tidak ada.")
        if not alias.strip():
            raise ValidationError("Nama lain (alias) wajib diisi.")
        if _add_alias(s, u, alias):
            audit.record(s, actor, "unit.alias_add", "unit", u.id, None, {"alias": alias.strip()})


def remove_alias(actor: Actor, unit_id: int, alias: str) -> None:
    require(actor, Perm.UNITS_EDIT)
    with transaction() as s:
        a = s.exec(select(UnitAlias).where(UnitAlias.unit_id == unit_id, UnitAlias.key == alias_key(alias))).first()
        u = s.get(Unit, unit_id)
        if a is None or u is None:
            raise NotFound(f"Nama lain '{alias}' tidak ada pada unit ini.")
        if alias_key(u.name) == a.key:
            raise ValidationError("Nama resmi unit tidak dapat dihapus dari daftar nama lain.")
        s.delete(a)
        audit.record(s, actor, "unit.alias_remove", "unit", unit_id, {"alias": a.alias}, None)


def load_registry(s: Session, actor: Actor, path: str = "units.yaml") -> int:
    """Load data/units.yaml into an empty registry (first start). Returns the number of units added."""
    data = load_yaml(path) or {}
    units = data.get("units")
    if not isinstance(units, list) or not units:
        raise fail(path, "daftar 'units' kosong atau tidak ada.")
    added = 0
    for i, row in enumerate(units, start=1):
        if not isinstance(row, dict) or not row.get("name") or row.get("kind") not in KINDS:
            raise fail(path, f"butir ke-{i} harus punya 'name' dan 'kind' ({', '.join(KINDS)}).")
        if find_unit(s, row["name"]) is not None:
            continue
        u = Unit(name=row["name"], kind=row["kind"], confirmed=bool(row.get("confirmed", True)), note=row.get("note"))
        s.add(u)
        s.flush()
        _add_alias(s, u, u.name)
        for a in row.get("aliases") or []:
            _add_alias(s, u, a)
        added += 1
    if added:
        audit.record(s, actor, "unit.load_registry", "unit", None, None, {"file": path, "added": added})
    return added


def instansi_unit(s: Session | None = None) -> UnitView:
    """The pemda itself (kind instansi)."""
    if s is None:
        with read_only() as s2:
            return instansi_unit(s2)
    u = s.exec(select(Unit).where(Unit.kind == "instansi").order_by(Unit.id)).first()
    if u is None:
        raise NotFound("Unit instansi belum ada di daftar unit.")
    return _view(s, u)


def import_units(actor: Actor, filename: str, data: bytes) -> dict[str, int]:
    """Import a full unit list (CSV or Excel) with columns Nama, Jenis, Nama lain, Dikonfirmasi.

    Units already known (by name or alias) get the new aliases; others are created. One
    transaction: any faulty row refuses the whole file and nothing is written.
    """
    import csv
    import io

    from .errors import ImportRejected, Problem

    require(actor, Perm.UNITS_EDIT)
    rows: list[dict[str, str]] = []
    lower = filename.lower()
    try:
        if lower.endswith(".xlsx"):
            from openpyxl import load_workbook

            ws = load_workbook(io.BytesIO(data), read_only=True).active
            it = ws.iter_rows(values_only=True)
            head = [str(h or "").strip() for h in next(it)]
            rows = [dict(zip(head, ["" if v is None else str(v) for v in r])) for r in it]
        elif lower.endswith(".csv"):
            text = data.decode("utf-8-sig")
            delim = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
            rows = list(csv.DictReader(io.StringIO(text), delimiter=delim))
        else:
            raise ImportRejected([Problem("bukan berkas .csv atau .xlsx", file=filename)], "Berkas unit ditolak")
    except ImportRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
        raise ImportRejected([Problem(f"berkas tidak dapat dibaca ({type(exc).__name__})", file=filename)],
                             "Berkas unit ditolak") from None
    kinds = {"opd": "opd", "kecamatan": "kecamatan", "instansi": "instansi", "pemda": "instansi"}
    problems, clean = [], []
    if rows and "Nama" not in rows[0]:
        problems.append(Problem("kolom 'Nama' tidak ada", row=1, column="Nama", file=filename))
    seen: dict[str, int] = {}
    for i, r in enumerate(rows, start=2):
        name = re.sub(r"\s+", " ", str(r.get("Nama") or "")).strip()
        kind = kinds.get(str(r.get("Jenis") or "").strip().lower())
        if not name:
            problems.append(Problem("nama kosong", row=i, column="Nama", file=filename))
            continue
        if kind is None:
            problems.append(Problem(f"jenis '{r.get('Jenis')}' tidak dikenal (OPD, Kecamatan, Instansi)", row=i,
                                    column="Jenis", file=filename))
            continue
        if alias_key(name) in seen:
            problems.append(Problem(f"nama '{name}' sudah ada di baris {seen[alias_key(name)]}", row=i,
                                    column="Nama", file=filename))
            continue
        seen[alias_key(name)] = i
        aliases = [a.strip() for a in str(r.get("Nama lain") or "").split(";") if a.strip()]
        confirmed = str(r.get("Dikonfirmasi") or "ya").strip().lower() in ("ya", "y", "true", "1", "yes")
        clean.append((name, kind, aliases, confirmed))
    if not rows:
        problems.append(Problem("berkas tidak berisi baris data", file=filename))
    if problems:
        raise ImportRejected(problems, "Berkas unit ditolak")
    added = updated = 0
    with transaction() as s:
        for name, kind, aliases, confirmed in clean:
            u = find_unit(s, name)
            if u is None:
                u = Unit(name=name, kind=kind, confirmed=confirmed)
                s.add(u)
                s.flush()
                _add_alias(s, u, name)
                added += 1
            for a in aliases:
                if _add_alias(s, u, a):
                    updated += 1
        audit.record(s, actor, "unit.import", "unit", None, None,
                     {"file": filename, "added": added, "aliases_added": updated})
    return {"added": added, "aliases_added": updated}
