"""Rencana aksi 2022-2024: the catalogue of Tabel 7/9, the plan per year (baseline kept), tracking of
status/progress/evidence per item and year, Tabel 8 indicators, Tabel 6 targets against actual
figures, the view from an assessment to the plan, and the Excel export in the layout of Tabel 9.

Rules (lateness, program progress, roll-ups) live in scoring/renaksi.py; this module reads and writes.
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable, Optional, Sequence

from sqlmodel import Session, select

from scoring import renaksi as sr
from scoring.formatting import WIB, fmt_wib

from . import audit, evidence, settings_store
from .datafiles import fail, load_yaml
from .db import read_only, transaction
from .errors import ConflictError, NotFound, PermissionDenied, ValidationError
from .models import (
    GeneralFigures, RenaksiIndicator, RenaksiIndicatorStatus, RenaksiItem, RenaksiPlanYear, RenaksiProgress,
    RenaksiResponsible, Unit, utcnow,
)
from .permissions import Actor, Perm, require, sees_all_units

ITEMS_FILE = "renaksi/items.yaml"
TARGETS_FILE = "renaksi/targets.yaml"
INDICATORS_FILE = "renaksi/indicators.yaml"
ASPECT_KP_FILE = "renaksi/aspect_kp.yaml"

OWNER_PROGRESS = "renaksi_progress"
OWNER_INDICATOR = "indicator_status"
SOURCES = {"tabel9": "Tabel 9", "tabel7": "Hanya Tabel 7", "portal": "Ditambahkan di portal"}

_CODE_RE = {
    "kp": re.compile(r"^KP (I|II|III|IV|V|VI|VII|VIII|IX|X)$"),
    "program": re.compile(r"^(I|II|III|IV|V|VI|VII|VIII|IX|X)\.\d{1,2}$"),
    "kegiatan": re.compile(r"^(I|II|III|IV|V|VI|VII|VIII|IX|X)\.\d{1,2}\.\d{1,2}$"),
}
_ARABIC_KP = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V"}


def today_wib() -> date:
    """Today's date in Blitar (WIB): the default reference date for lateness."""
    return datetime.now(WIB).date()


def normalize_code(text: str) -> str:
    """'I.1.1.' -> 'I.1.1'; 'KP.1', 'kp i', 'KP.III.' -> 'KP I' / 'KP III'."""
    t = re.sub(r"\s+", " ", str(text or "")).strip().rstrip(".").strip()
    m = re.match(r"^kp[\s.]*([ivx]+|\d)$", t, flags=re.IGNORECASE)
    if m:
        n = m.group(1).upper()
        return "KP " + _ARABIC_KP.get(n, n)
    return t.upper() if re.match(r"^[ivx]+(\.\d+)*$", t, flags=re.IGNORECASE) else t


def level_of(code: str) -> Optional[str]:
    for level, rx in _CODE_RE.items():
        if rx.match(code):
            return level
    return None


def parent_code(code: str) -> Optional[str]:
    level = level_of(code)
    if level == "kegiatan":
        return code.rsplit(".", 1)[0]
    if level == "program":
        return "KP " + code.split(".")[0]
    return None


def kp_of(code: str) -> str:
    return code[3:] if code.startswith("KP ") else code.split(".")[0]


# --- data files ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Catalogue:
    years: tuple[int, ...]
    items: list[dict[str, Any]]


def read_catalogue(path: str = ITEMS_FILE, base: Path | None = None) -> Catalogue:
    """data/renaksi/items.yaml, validated. Raises DataFileError naming the item and the fault."""
    data = load_yaml(path, base) or {}
    years = data.get("years")
    if not isinstance(years, list) or not years or not all(isinstance(y, int) for y in years) \
            or years != list(range(years[0], years[0] + len(years))):
        raise fail(path, "'years' harus daftar tahun berurutan, mis. [2021, 2022, 2023, 2024].")
    items = data.get("items")
    if not isinstance(items, list) or not items:
        raise fail(path, "daftar 'items' kosong atau tidak ada.")
    seen: dict[str, str] = {}
    out = []
    for i, row in enumerate(items, start=1):
        if not isinstance(row, dict):
            raise fail(path, f"butir ke-{i} bukan pemetaan (code, level, title, ...).")
        code = str(row.get("code") or "")
        where = f"butir ke-{i} ({code or 'tanpa kode'})"
        level = row.get("level")
        if level not in _CODE_RE:
            raise fail(path, f"{where}: 'level' harus kp, program atau kegiatan.")
        if not _CODE_RE[level].match(code):
            raise fail(path, f"{where}: kode tidak sesuai tingkat '{level}' (contoh: 'KP I', 'I.2', 'I.2.3').")
        if code in seen:
            raise fail(path, f"{where}: kode {code} muncul dua kali.")
        parent = parent_code(code)
        if parent is not None and parent not in seen:
            raise fail(path, f"{where}: induknya {parent} harus tercantum sebelum butir ini.")
        title = str(row.get("title") or "").strip()
        if not title:
            raise fail(path, f"{where}: 'title' wajib diisi.")
        source = row.get("source")
        if source not in ("tabel9", "tabel7"):
            raise fail(path, f"{where}: 'source' harus tabel9 atau tabel7.")
        planned = row.get("planned_years") or []
        if not isinstance(planned, list) or not all(isinstance(y, int) for y in planned):
            raise fail(path, f"{where}: 'planned_years' harus daftar tahun.")
        outside = [y for y in planned if y not in years]
        if outside:
            raise fail(path, f"{where}: tahun {', '.join(map(str, outside))} di luar periode {years[0]}-{years[-1]}.")
        if len(set(planned)) != len(planned):
            raise fail(path, f"{where}: tahun rencana ganda.")
        if level == "kp" and planned:
            raise fail(path, f"{where}: kelompok program tidak dijadwalkan sendiri (Tabel 9 tidak mencentangnya).")
        if source == "tabel7" and planned:
            raise fail(path, f"{where}: butir yang hanya ada di Tabel 7 tidak punya jadwal Tabel 9.")
        if source == "tabel9" and level != "kp" and not planned:
            raise fail(path, f"{where}: butir Tabel 9 harus punya sedikitnya satu tahun rencana.")
        seen[code] = level
        out.append({**row, "code": code, "title": title, "planned_years": sorted(planned),
                    "parties": str(row.get("parties") or "")})
    return Catalogue(tuple(years), out)


def read_targets(path: str = TARGETS_FILE, base: Path | None = None) -> list[sr.Target]:
    data = load_yaml(path, base) or {}
    rows = data.get("indicators")
    if not isinstance(rows, list) or not rows:
        raise fail(path, "daftar 'indicators' kosong atau tidak ada.")
    out = []
    for i, r in enumerate(rows, start=1):
        where = f"indikator ke-{i}"
        if not isinstance(r, dict) or not r.get("key") or not r.get("name") or r.get("kind") not in ("count", "percent"):
            raise fail(path, f"{where}: harus punya key, name dan kind (count atau percent).")
        b = r.get("baseline") or {}
        t = r.get("targets")
        if not isinstance(t, dict) or not t or not all(isinstance(k, int) and isinstance(v, (int, float)) for k, v in t.items()):
            raise fail(path, f"{where} ({r['key']}): 'targets' harus pemetaan tahun -> angka.")
        if not isinstance(b.get("year"), int) or not isinstance(b.get("value"), (int, float)):
            raise fail(path, f"{where} ({r['key']}): 'baseline' harus punya year dan value.")
        if r["kind"] == "percent" and not all(0 <= v <= 100 for v in t.values()):
            raise fail(path, f"{where} ({r['key']}): target persentase harus 0-100.")
        out.append(sr.Target(r["key"], str(r["name"]), r["kind"], str(r.get("unit") or ""), b["year"],
                             float(b["value"]), {int(k): float(v) for k, v in t.items()}))
    return out


def read_indicators(path: str = INDICATORS_FILE, base: Path | None = None) -> list[dict[str, Any]]:
    """Tabel 8 as a flat list: code, program_no, program_name, kp, text, position."""
    data = load_yaml(path, base) or {}
    progs = data.get("programs")
    if not isinstance(progs, list) or not progs:
        raise fail(path, "daftar 'programs' kosong atau tidak ada.")
    out, nos = [], set()
    for i, p in enumerate(progs, start=1):
        if not isinstance(p, dict) or not isinstance(p.get("number"), int) or not p.get("name") \
                or p.get("kp") not in _ARABIC_KP.values():
            raise fail(path, f"program ke-{i}: harus punya number (angka), name dan kp (I-V).")
        no = p["number"]
        if no in nos:
            raise fail(path, f"program ke-{i}: nomor {no} ganda.")
        nos.add(no)
        texts = p.get("indicators")
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t.strip() for t in texts):
            raise fail(path, f"program {no} ({p['name']}): daftar 'indicators' kosong atau berisi teks kosong.")
        for j, t in enumerate(texts, start=1):
            out.append({"code": f"{no}.{j}", "program_no": no, "program_name": str(p["name"]),
                        "kp": p["kp"], "text": t.strip(), "position": len(out) + 1})
    return out


def read_aspect_kp(path: str = ASPECT_KP_FILE, base: Path | None = None) -> dict[str, str]:
    data = load_yaml(path, base) or {}
    mapping = data.get("mapping")
    if not isinstance(mapping, dict) or not mapping:
        raise fail(path, "pemetaan 'mapping' (aspek -> KP) kosong atau tidak ada.")
    aspects = {a.get("key"): a for a in (load_yaml("instrument/aspects.yaml", base) or {}).get("aspects") or []}
    for key, kp in mapping.items():
        if key not in aspects:
            raise fail(path, f"aspek '{key}' tidak ada di instrument/aspects.yaml.")
        if kp not in _ARABIC_KP.values():
            raise fail(path, f"aspek '{key}': KP '{kp}' tidak dikenal (I-V).")
        if aspects[key].get("kp") and str(aspects[key]["kp"]) != kp:
            raise fail(path, f"aspek '{key}' dipetakan ke KP {kp}, tetapi instrument/aspects.yaml menyebut KP {aspects[key]['kp']}.")
    missing = [k for k in aspects if k not in mapping]
    if missing:
        raise fail(path, f"aspek tanpa kelompok program: {', '.join(missing)}.")
    return {str(k): str(v) for k, v in mapping.items()}


def plan_years() -> tuple[int, ...]:
    return read_catalogue().years


# --- loading (seed BASE loader) --------------------------------------------------------------------

def _match_units(s: Session, parties: str) -> list[int]:
    """Units named in a pihak terlibat cell ("Dinas Kominfo" -> its unit); "seluruh OPD" names none."""
    from .units import find_unit

    ids = []
    for token in sr.party_tokens(parties):
        if token.lower().startswith("seluruh"):
            continue
        u = find_unit(s, token)
        if u is not None and u.id not in ids:
            ids.append(int(u.id))
    return ids


def load_catalogue(s: Session, actor: Actor) -> dict[str, int]:
    """Load Tabel 7/9 and Tabel 8 into the database (idempotent: existing codes are left as they are,
    so admins' changes stay). The plan of an item when first loaded is its baseline. Also validates
    targets.yaml and aspect_kp.yaml so a broken file stops start-up."""
    cat = read_catalogue()
    read_targets()
    read_aspect_kp()
    indicators = read_indicators()
    existing = {r.code: r for r in s.exec(select(RenaksiItem)).all()}
    added = 0
    for pos, row in enumerate(cat.items, start=1):
        if row["code"] in existing:
            continue
        parent = existing.get(parent_code(row["code"]) or "")
        item = RenaksiItem(
            code=row["code"], kp=kp_of(row["code"]), level=row["level"], parent_id=parent.id if parent else None,
            title=row["title"], title_tabel7=row.get("title_tabel7"), printed_code=row.get("printed_code"),
            parties=row["parties"], source=row["source"], in_tabel7=bool(row.get("in_tabel7", True)),
            tabel7_code=row.get("tabel7_code"), tabel9_code=row.get("tabel9_code"), notes=row.get("notes"),
            position=pos * 10, created_by=actor.username, updated_by=actor.username,
        )
        s.add(item)
        s.flush()
        existing[item.code] = item
        for y in row["planned_years"]:
            s.add(RenaksiPlanYear(item_id=item.id, year=y, baseline=True, current=True))
        if item.level != "kp":
            for uid in _match_units(s, item.parties):
                s.add(RenaksiResponsible(item_id=item.id, unit_id=uid))
        added += 1
    known = set(s.exec(select(RenaksiIndicator.code)).all())
    added_ind = 0
    for row in indicators:
        if row["code"] not in known:
            s.add(RenaksiIndicator(**row))
            added_ind += 1
    if added or added_ind:
        audit.record(s, actor, "renaksi.load_catalogue", "renaksi_item", None, None,
                     {"file": ITEMS_FILE, "items_added": added, "indicators_added": added_ind})
    return {"items": added, "indicators": added_ind}


# --- reading -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class YearView:
    year: int
    status: str
    progress: Optional[float]
    derived: bool
    counted: tuple[str, ...]
    excluded: tuple[str, ...]
    late: bool
    version: int  # 0: nothing recorded yet
    progress_id: Optional[int]
    reason: Optional[str]
    note: Optional[str]
    updated_by: Optional[str]
    updated_at: Optional[datetime]
    evidence: tuple[evidence.EvidenceView, ...] = ()

    @property
    def status_label(self) -> str:
        return sr.status_label(self.status)


@dataclass(frozen=True)
class ItemView:
    id: int
    code: str
    kp: str
    level: str
    parent_code: Optional[str]
    title: str
    title_tabel7: Optional[str]
    printed_code: Optional[str]
    parties: str
    source: str
    in_tabel7: bool
    tabel7_code: Optional[str]
    tabel9_code: Optional[str]
    notes: Optional[str]
    active: bool
    retired_reason: Optional[str]
    version: int
    position: int
    planned_years: tuple[int, ...]
    baseline_years: tuple[int, ...]
    in_baseline: bool
    responsible: tuple[tuple[int, str], ...]
    years: dict[int, YearView] = field(default_factory=dict)
    late_years: tuple[int, ...] = ()

    @property
    def late(self) -> bool:
        return bool(self.late_years)

    @property
    def party_tokens(self) -> tuple[str, ...]:
        return sr.party_tokens(self.parties)

    @property
    def plan_diff(self) -> sr.PlanDiff:
        return sr.plan_diff(self.baseline_years, self.planned_years, self.in_baseline)

    @property
    def level_label(self) -> str:
        return sr.LEVELS.get(self.level, self.level)

    @property
    def tracked(self) -> bool:
        return self.level != "kp" and bool(self.planned_years)

    def status(self, year: int) -> Optional[str]:
        yv = self.years.get(year)
        return yv.status if yv else None


def _include_tidak(s: Session) -> bool:
    return bool(settings_store.get("renaksi.late_includes_tidak_dilaksanakan", s))


def _load(s: Session, today: date, include_retired: bool = True) -> list[ItemView]:
    rows = s.exec(select(RenaksiItem).order_by(RenaksiItem.position, RenaksiItem.id)).all()
    by_id = {r.id: r for r in rows}
    plans: dict[int, list[RenaksiPlanYear]] = {}
    for p in s.exec(select(RenaksiPlanYear)).all():
        plans.setdefault(p.item_id, []).append(p)
    progress: dict[tuple[int, int], RenaksiProgress] = {
        (p.item_id, p.year): p for p in s.exec(select(RenaksiProgress)).all()}
    resp: dict[int, list[tuple[int, str]]] = {}
    for item_id, unit_id, name in s.exec(
            select(RenaksiResponsible.item_id, Unit.id, Unit.name).join(Unit, Unit.id == RenaksiResponsible.unit_id)
            .order_by(Unit.name)).all():
        resp.setdefault(item_id, []).append((unit_id, name))
    ev = evidence.list_for(s, OWNER_PROGRESS, [p.id for p in progress.values()])
    baseline_loaded = {p.item_id for ps in plans.values() for p in ps if p.baseline}

    scoring_plans = []
    for r in rows:
        ps = plans.get(r.id, [])
        entries = {y: sr.YearEntry(p.status, p.progress) for (iid, y), p in progress.items() if iid == r.id}
        parent = by_id.get(r.parent_id)
        scoring_plans.append(sr.ItemPlan(
            r.code, r.kp, r.level, parent.code if parent else None,
            tuple(sorted(p.year for p in ps if p.current)), tuple(sorted(p.year for p in ps if p.baseline)),
            r.active, entries))
    states = sr.evaluate(scoring_plans, today, _include_tidak(s))

    out = []
    for r, plan in zip(rows, scoring_plans):
        if not include_retired and not r.active:
            continue
        st = states[r.code]
        years = {}
        for y, ys in st.years.items():
            p = progress.get((r.id, y))
            years[y] = YearView(
                y, ys.status, ys.progress, ys.derived, ys.counted, ys.excluded, ys.late,
                p.version if p else 0, p.id if p else None, p.reason if p else None, p.note if p else None,
                p.updated_by if p else None, p.updated_at if p else None,
                tuple(ev.get(p.id, [])) if p else ())
        parent = by_id.get(r.parent_id)
        # The tabel9/tabel7 items existed when the plan was first loaded; items added in the portal did not.
        in_baseline = r.source != "portal" or r.id in baseline_loaded
        out.append(ItemView(
            r.id, r.code, r.kp, r.level, parent.code if parent else None, r.title, r.title_tabel7,
            r.printed_code, r.parties, r.source, r.in_tabel7, r.tabel7_code, r.tabel9_code, r.notes, r.active,
            r.retired_reason, r.version, r.position, plan.planned_years, plan.baseline_years, in_baseline,
            tuple(resp.get(r.id, [])), years, st.late_years))
    return out


def list_items(actor: Actor, today: date | None = None, include_retired: bool = False) -> list[ItemView]:
    """Every item (Tabel 9 order, tabel7-only entries at their Tabel 7 place) with its state."""
    require(actor, Perm.READ)
    with read_only() as s:
        return _load(s, today or today_wib(), include_retired)


def get_item(actor: Actor, code: str | int, today: date | None = None) -> ItemView:
    for it in list_items(actor, today, include_retired=True):
        if (isinstance(code, int) and it.id == code) or (not isinstance(code, int) and it.code == normalize_code(code)):
            return it
    raise NotFound(f"Butir rencana aksi dengan kode '{code}' tidak ada.")


def filter_items(items: Sequence[ItemView], kp: Iterable[str] | None = None, year: int | None = None,
                 parties: Iterable[str] | None = None, statuses: Iterable[str] | None = None,
                 late: bool | None = None, unit_id: int | None = None, levels: Iterable[str] | None = None,
                 text: str | None = None) -> list[ItemView]:
    """The rows a filtered view shows (the page table and its export use this one list).

    kp: KP numbers; year: items planned in that year (status and lateness then read for that year);
    parties: any of the named parties; statuses: status keys (in `year`, or in any planned year);
    late: True only late, False only not late; unit_id: a responsible unit; text: in code or title.
    """
    kp = set(kp or [])
    parties = {p.lower() for p in (parties or [])}
    statuses = set(statuses or [])
    levels = set(levels or [])
    needle = (text or "").strip().lower()
    out = []
    for it in items:
        if kp and it.kp not in kp:
            continue
        if levels and it.level not in levels:
            continue
        if year is not None and year not in it.planned_years:
            continue
        if parties and not parties & {t.lower() for t in it.party_tokens}:
            continue
        if statuses:
            have = {it.status(year)} if year is not None else {yv.status for yv in it.years.values()}
            if not statuses & have:
                continue
        if late is not None:
            is_late = (year in it.late_years) if year is not None else it.late
            if is_late != late:
                continue
        if unit_id is not None and unit_id not in {u for u, _n in it.responsible}:
            continue
        if needle and needle not in it.code.lower() and needle not in it.title.lower():
            continue
        out.append(it)
    return out


def all_party_tokens(items: Sequence[ItemView]) -> list[str]:
    seen: dict[str, str] = {}
    for it in items:
        for t in it.party_tokens:
            seen.setdefault(t.lower(), t)
    return sorted(seen.values(), key=str.lower)


def states_and_units(items: Sequence[ItemView]) -> list[sr.WorkUnit]:
    """The work units (scoring.renaksi.work_units) of already-evaluated items."""
    states = {
        it.code: sr.ItemState(it.code, it.kp, it.level, it.active,
                              {y: sr.YearState(y, yv.status, yv.progress, yv.derived, yv.counted, yv.excluded, yv.late)
                               for y, yv in it.years.items()}, it.late_years)
        for it in items
    }
    return sr.work_units(states)


def scoring_plans(items: Sequence[ItemView]) -> tuple[list[sr.ItemPlan], dict[str, sr.ItemState]]:
    plans = [sr.ItemPlan(it.code, it.kp, it.level, it.parent_code, it.planned_years, it.baseline_years, it.active)
             for it in items]
    states = {
        it.code: sr.ItemState(it.code, it.kp, it.level, it.active,
                              {y: sr.YearState(y, yv.status, yv.progress, yv.derived, yv.counted, yv.excluded, yv.late)
                               for y, yv in it.years.items()}, it.late_years)
        for it in items
    }
    return plans, states


def as_json(items: Sequence[ItemView]) -> list[dict[str, Any]]:
    """The `manage.py renaksi list --json` shape, one object per item."""
    return [
        {
            "code": it.code,
            "title": it.title,
            "level": it.level,
            "planned_years": list(it.planned_years),
            "parties": it.parties,
            "source": it.source,
            "status": {str(y): yv.status_label for y, yv in sorted(it.years.items())},
            "late": it.late,
        }
        for it in items
    ]


# --- writing: status and progress ------------------------------------------------------------------

def normalize_status(text: str) -> str:
    """A status key from a key or a label, any case ("Selesai", "tidak dilaksanakan", "belum_dimulai")."""
    t = re.sub(r"[\s_\-]+", " ", str(text or "")).strip().lower()
    for key, label in sr.STATUSES.items():
        if t in (key.replace("_", " "), label.lower()):
            return key
    raise ValidationError(
        f"Status '{text}' tidak dikenal. Pilih salah satu: {', '.join(sr.STATUSES.values())}.")


def _check_progress(value: Any, where: str) -> Optional[int]:
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{where}: progres harus angka 0-100.")
    try:
        f = float(str(value).strip().rstrip("%"))
    except ValueError:
        raise ValidationError(f"{where}: progres '{value}' bukan angka; isi 0 sampai 100.") from None
    if f != int(f):
        raise ValidationError(f"{where}: progres harus bilangan bulat 0-100 (diberikan {value}).")
    if not 0 <= f <= 100:
        raise ValidationError(f"{where}: progres harus 0 sampai 100 (diberikan {value}).")
    return int(f)


@dataclass(frozen=True)
class ProgressEdit:
    """One change of one item-year, as a page or the command line asks for it."""

    item_id: int
    year: int
    status: str
    progress: Any = None
    note: Optional[str] = None
    reason: Optional[str] = None
    expected_version: Optional[int] = None  # the version the user saw; None = no check (command line)
    evidence_link: Optional[str] = None
    evidence_file: Optional[tuple[str, bytes]] = None


def _item_or_404(s: Session, item_id: int | None = None, code: str | None = None) -> RenaksiItem:
    if item_id is not None:
        item = s.get(RenaksiItem, item_id)
        if item is None:
            raise NotFound(f"Butir rencana aksi dengan id {item_id} tidak ada (mungkin sudah dihapus).")
        return item
    c = normalize_code(code or "")
    item = s.exec(select(RenaksiItem).where(RenaksiItem.code == c)).first()
    if item is None:
        raise NotFound(f"Butir rencana aksi dengan kode '{code}' tidak ada. Contoh kode: I.1.1, II.1, KP III.")
    return item


def _current_years(s: Session, item_id: int) -> list[int]:
    return sorted(p.year for p in s.exec(select(RenaksiPlanYear).where(
        RenaksiPlanYear.item_id == item_id, RenaksiPlanYear.current == True)).all())  # noqa: E712


def _check_unit_scope(s: Session, actor: Actor, item: RenaksiItem) -> None:
    if sees_all_units(actor):
        return
    units = set(s.exec(select(RenaksiResponsible.unit_id).where(RenaksiResponsible.item_id == item.id)).all())
    if actor.unit_id not in units:
        raise PermissionDenied(
            f"Akses ditolak: butir {item.code} tidak ditugaskan ke unit Anda. Operator OPD hanya boleh "
            "memperbarui butir yang unit penanggung jawabnya adalah unitnya sendiri.")


def _scheduled_kegiatan(s: Session, item: RenaksiItem, year: int) -> list[str]:
    kids = s.exec(select(RenaksiItem).where(RenaksiItem.parent_id == item.id, RenaksiItem.active == True,  # noqa: E712
                                            RenaksiItem.level == "kegiatan")).all()
    return [k.code for k in kids if year in _current_years(s, k.id)]


def _apply(s: Session, actor: Actor, e: ProgressEdit, years: tuple[int, ...]) -> Optional[RenaksiProgress]:
    """Validate and write one edit inside the caller's transaction. Returns the row (None: no change)."""
    item = _item_or_404(s, e.item_id)
    where = f"Butir {item.code} tahun {e.year}"
    _check_unit_scope(s, actor, item)
    if not item.active:
        raise ValidationError(f"Butir {item.code} sudah dipensiunkan ({item.retired_reason or 'tanpa alasan'}); statusnya tidak dapat diubah.")
    if item.level == "kp":
        raise ValidationError(f"{item.code} adalah kelompok program: statusnya dihitung dari program dan kegiatannya.")
    if not isinstance(e.year, int) or e.year not in years:
        raise ValidationError(f"{where}: tahun di luar periode rencana aksi {years[0]}-{years[-1]}.")
    planned = _current_years(s, item.id)
    if e.year not in planned:
        plan = ", ".join(map(str, planned)) if planned else "tidak dijadwalkan"
        raise ValidationError(f"{where}: tahun ini tidak ada dalam rencana butir tersebut (rencana: {plan}).")
    if item.level == "program":
        kids = _scheduled_kegiatan(s, item, e.year)
        if kids:
            raise ValidationError(
                f"{where}: status dan progres program ini dihitung dari kegiatannya ({', '.join(kids)}). "
                "Ubah status kegiatannya.")
    status = normalize_status(e.status)
    row = s.exec(select(RenaksiProgress).where(RenaksiProgress.item_id == item.id,
                                               RenaksiProgress.year == e.year)).first()
    version = row.version if row else 0
    if e.expected_version is not None and e.expected_version != version:
        who = f"oleh {row.updated_by} pada {fmt_wib(row.updated_at, suffix=True)}" if row else ""
        raise ConflictError(
            f"{where} sudah diubah {who} (versi {version}) sejak Anda membukanya (versi {e.expected_version}). "
            "Muat ulang data lalu ulangi perubahan Anda.")
    old_status = row.status if row else sr.BELUM
    old_progress = row.progress if row else 0
    progress = _check_progress(e.progress, where)
    if status == sr.SELESAI:
        if progress not in (None, 100):
            raise ValidationError(f"{where}: status Selesai berarti progres 100% (diberikan {progress}%).")
        progress = 100
    elif status == sr.BELUM:
        if progress not in (None, 0):
            raise ValidationError(f"{where}: status Belum dimulai berarti progres 0% (diberikan {progress}%). Pilih Berjalan.")
        progress = 0
    elif status == sr.BERJALAN:
        if progress is None:
            progress = old_progress
        if progress >= 100:
            raise ValidationError(f"{where}: progres 100% berarti Selesai; pilih status Selesai atau isi progres 0-99.")
    else:  # tidak dilaksanakan: progress as far as it got
        if progress is None:
            progress = old_progress
    reason = e.reason.strip() if isinstance(e.reason, str) else None
    if status == sr.TIDAK:
        if reason is None and row is not None and old_status == sr.TIDAK:
            reason = row.reason
        if not reason:
            raise ValidationError(f"{where}: status Tidak dilaksanakan wajib disertai alasan.")
    else:
        reason = None
    note = (row.note if row else None) if e.note is None else (e.note.strip() or None)
    if note and len(note) > 4000:
        raise ValidationError(f"{where}: catatan terlalu panjang (maksimal 4000 karakter).")

    new_evidence = int(bool(e.evidence_link and e.evidence_link.strip())) + int(e.evidence_file is not None)
    if e.evidence_link and e.evidence_link.strip():
        evidence.check_link(e.evidence_link)
    if e.evidence_file is not None:
        evidence.check_file(*e.evidence_file)
    if status == sr.SELESAI and bool(settings_store.get("renaksi.evidence_required_for_selesai", s)):
        have = evidence.count_for(s, OWNER_PROGRESS, row.id) if row else 0
        if have + new_evidence == 0:
            raise ValidationError(
                f"{where}: status Selesai memerlukan bukti dukung (unggah berkas atau isi tautan bukti).")
    changed = (row is None and (status != sr.BELUM or note)) or (
        row is not None and (status, progress, reason, note) != (row.status, row.progress, row.reason, row.note))
    if not changed and not new_evidence:
        return row
    old = audit.snapshot(row, ["status", "progress", "reason", "note", "version"]) if row else None
    if row is None:
        row = RenaksiProgress(item_id=item.id, year=e.year, updated_by=actor.username, version=0)
    if changed or row.id is None:
        row.status, row.progress, row.reason, row.note = status, progress, reason, note
        row.version = version + 1
        row.updated_by = actor.username
        row.updated_at = utcnow()
        s.add(row)
        s.flush()
        audit.record(s, actor, "renaksi.progress_set", "renaksi_progress", f"{item.code}/{e.year}", old,
                     audit.snapshot(row, ["status", "progress", "reason", "note", "version"]))
    if e.evidence_link and e.evidence_link.strip():
        evidence.add_link(s, actor, OWNER_PROGRESS, row.id, e.evidence_link)
    if e.evidence_file is not None:
        evidence.add_file(s, actor, OWNER_PROGRESS, row.id, *e.evidence_file)
    return row


def apply_edits(actor: Actor, edits: Sequence[ProgressEdit]) -> int:
    """Write several edits in ONE transaction: all of them or, if any is refused, none. Returns the
    number of item-years changed."""
    require(actor, Perm.RENAKSI_UPDATE)
    years = plan_years()
    n = 0
    with transaction() as s:
        for e in edits:
            if _apply(s, actor, e, years) is not None:
                n += 1
    return n


def set_status(actor: Actor, code: str, year: int, status: str, progress: Any = None, note: str | None = None,
               reason: str | None = None, expected_version: int | None = None, evidence_link: str | None = None,
               evidence_file: tuple[str, bytes] | None = None) -> YearView:
    """Set one item-year by its code (the command line and the per-item form)."""
    require(actor, Perm.RENAKSI_UPDATE)
    with read_only() as s:
        item_id = _item_or_404(s, code=code).id
    apply_edits(actor, [ProgressEdit(item_id, year, status, progress, note, reason, expected_version,
                                     evidence_link, evidence_file)])
    it = get_item(actor, int(item_id))
    return it.years[year]


def add_evidence(actor: Actor, item_id: int, year: int, link: str | None = None,
                 file: tuple[str, bytes] | None = None) -> None:
    """Attach a file or link to an item-year without changing its status."""
    require(actor, Perm.RENAKSI_UPDATE)
    if not (link and link.strip()) and file is None:
        raise ValidationError("Isi tautan bukti atau pilih berkas bukti.")
    years = plan_years()
    with transaction() as s:
        item = _item_or_404(s, item_id)
        row = s.exec(select(RenaksiProgress).where(RenaksiProgress.item_id == item.id,
                                                   RenaksiProgress.year == year)).first()
        status = row.status if row else sr.BELUM
        _apply(s, actor, ProgressEdit(item.id, year, status, None, None, None, None, link, file), years)


def remove_evidence(actor: Actor, item_id: int, year: int, evidence_id: int) -> None:
    require(actor, Perm.RENAKSI_UPDATE)
    with transaction() as s:
        item = _item_or_404(s, item_id)
        _check_unit_scope(s, actor, item)
        row = s.exec(select(RenaksiProgress).where(RenaksiProgress.item_id == item.id,
                                                   RenaksiProgress.year == year)).first()
        if row is None:
            raise NotFound(f"Butir {item.code} tahun {year} belum punya bukti.")
        if row.status == sr.SELESAI and bool(settings_store.get("renaksi.evidence_required_for_selesai", s)) \
                and evidence.count_for(s, OWNER_PROGRESS, row.id) <= 1:
            raise ValidationError(
                f"Butir {item.code} tahun {year} berstatus Selesai: bukti terakhirnya tidak dapat dihapus.")
        evidence.remove(s, actor, evidence_id, OWNER_PROGRESS, row.id)


# --- writing: the catalogue and the plan -----------------------------------------------------------

def _check_item_version(item: RenaksiItem, expected: int | None) -> None:
    if expected is not None and expected != item.version:
        raise ConflictError(
            f"Butir {item.code} sudah diubah oleh {item.updated_by} pada {fmt_wib(item.updated_at, suffix=True)} "
            f"(versi {item.version}) sejak Anda membukanya (versi {expected}). Muat ulang lalu ulangi.")


def _touch(item: RenaksiItem, actor: Actor) -> None:
    item.version += 1
    item.updated_by = actor.username
    item.updated_at = utcnow()


def _clean_years(years: Iterable[Any], all_years: tuple[int, ...], code: str) -> list[int]:
    out = []
    for y in years or []:
        try:
            yi = int(y)
        except (TypeError, ValueError):
            raise ValidationError(f"Butir {code}: tahun '{y}' bukan angka.") from None
        if yi not in all_years:
            raise ValidationError(f"Butir {code}: tahun {yi} di luar periode rencana aksi {all_years[0]}-{all_years[-1]}.")
        if yi not in out:
            out.append(yi)
    return sorted(out)


def add_item(actor: Actor, code: str, title: str, planned_years: Iterable[int] = (), parties: str = "",
             notes: str | None = None, title_tabel7: str | None = None) -> int:
    """A new item (source "portal"). It has no baseline: the plan comparison shows it as new."""
    require(actor, Perm.RENAKSI_CATALOGUE)
    c = normalize_code(code)
    level = level_of(c)
    if level is None:
        raise ValidationError(f"Kode '{code}' tidak sah. Contoh: 'KP VI', 'I.5' (program), 'I.2.8' (kegiatan).")
    title = re.sub(r"\s+", " ", title or "").strip()
    if not title:
        raise ValidationError(f"Butir {c}: uraian (judul) wajib diisi.")
    years = _clean_years(planned_years, plan_years(), c)
    if level == "kp" and years:
        raise ValidationError(f"{c}: kelompok program tidak dijadwalkan sendiri; jadwalkan program dan kegiatannya.")
    with transaction() as s:
        if s.exec(select(RenaksiItem).where(RenaksiItem.code == c)).first() is not None:
            raise ConflictError(f"Kode {c} sudah dipakai butir lain.")
        parent = None
        pc = parent_code(c)
        if pc:
            parent = s.exec(select(RenaksiItem).where(RenaksiItem.code == pc)).first()
            if parent is None:
                raise ValidationError(f"Butir {c}: induknya {pc} belum ada; tambahkan induknya dahulu.")
        siblings = s.exec(select(RenaksiItem)).all()
        # Placed after its parent's last descendant (codes sort as in Tabel 9).
        before = [r.position for r in siblings if sr.code_sort_key(r.code) < sr.code_sort_key(c)]
        pos = (max(before) if before else 0) + 1
        for r in siblings:
            if r.position >= pos:
                r.position += 1
                s.add(r)
        item = RenaksiItem(code=c, kp=kp_of(c), level=level, parent_id=parent.id if parent else None, title=title,
                           title_tabel7=(title_tabel7 or None), parties=(parties or "").strip(), source="portal",
                           in_tabel7=False, notes=(notes or None), position=pos, created_by=actor.username,
                           updated_by=actor.username)
        s.add(item)
        s.flush()
        for y in years:
            s.add(RenaksiPlanYear(item_id=item.id, year=y, baseline=False, current=True))
        audit.record(s, actor, "renaksi.item_add", "renaksi_item", c, None,
                     {"code": c, "title": title, "level": level, "planned_years": years, "parties": item.parties})
        return int(item.id)


def change_item(actor: Actor, item_id: int, expected_version: int | None, title: str | None = None,
                parties: str | None = None, notes: str | None = None, title_tabel7: str | None = None) -> None:
    require(actor, Perm.RENAKSI_CATALOGUE)
    with transaction() as s:
        item = _item_or_404(s, item_id)
        _check_item_version(item, expected_version)
        fields = ["title", "parties", "notes", "title_tabel7"]
        old = audit.snapshot(item, fields)
        if title is not None:
            t = re.sub(r"\s+", " ", title).strip()
            if not t:
                raise ValidationError(f"Butir {item.code}: uraian (judul) wajib diisi.")
            item.title = t
        if parties is not None:
            item.parties = parties.strip()
        if notes is not None:
            item.notes = notes.strip() or None
        if title_tabel7 is not None:
            item.title_tabel7 = title_tabel7.strip() or None
        new = audit.snapshot(item, fields)
        if new == old:
            raise ValidationError(f"Butir {item.code}: tidak ada perubahan.")
        _touch(item, actor)
        s.add(item)
        audit.record(s, actor, "renaksi.item_change", "renaksi_item", item.code, old, new)


def retire_item(actor: Actor, item_id: int, expected_version: int | None, reason: str, active: bool = False) -> None:
    """Retire (active=False, reason required) or bring back an item. Its records are kept."""
    require(actor, Perm.RENAKSI_CATALOGUE)
    with transaction() as s:
        item = _item_or_404(s, item_id)
        _check_item_version(item, expected_version)
        if item.active == active:
            raise ValidationError(f"Butir {item.code} sudah {'aktif' if active else 'dipensiunkan'}.")
        if not active and not (reason or "").strip():
            raise ValidationError(f"Butir {item.code}: alasan pensiun wajib diisi.")
        if not active:
            kids = s.exec(select(RenaksiItem.code).where(RenaksiItem.parent_id == item.id,
                                                         RenaksiItem.active == True)).all()  # noqa: E712
            if kids:
                raise ValidationError(f"Butir {item.code} masih punya butir aktif ({', '.join(kids)}); pensiunkan dahulu.")
        old = {"active": item.active, "retired_reason": item.retired_reason}
        item.active = active
        item.retired_reason = None if active else reason.strip()
        _touch(item, actor)
        s.add(item)
        audit.record(s, actor, "renaksi.item_retire" if not active else "renaksi.item_reactivate", "renaksi_item",
                     item.code, old, {"active": item.active, "retired_reason": item.retired_reason})


def set_plan(actor: Actor, item_id: int, years: Iterable[int], expected_version: int | None, note: str = "") -> None:
    """Change the current plan of an item. The baseline (plan as first loaded) never changes."""
    require(actor, Perm.RENAKSI_CATALOGUE)
    all_years = plan_years()
    with transaction() as s:
        item = _item_or_404(s, item_id)
        _check_item_version(item, expected_version)
        if item.level == "kp":
            raise ValidationError(f"{item.code} adalah kelompok program: jadwalkan program dan kegiatannya.")
        new = _clean_years(years, all_years, item.code)
        rows = {p.year: p for p in s.exec(select(RenaksiPlanYear).where(RenaksiPlanYear.item_id == item.id)).all()}
        old = sorted(y for y, p in rows.items() if p.current)
        if new == old:
            raise ValidationError(f"Butir {item.code}: jadwal tidak berubah ({', '.join(map(str, old)) or 'kosong'}).")
        for y in all_years:
            p = rows.get(y)
            want = y in new
            if p is None and want:
                s.add(RenaksiPlanYear(item_id=item.id, year=y, baseline=False, current=True))
            elif p is not None and p.current != want:
                p.current = want
                s.add(p)
        _touch(item, actor)
        s.add(item)
        audit.record(s, actor, "renaksi.plan_change", "renaksi_item", item.code, {"planned_years": old},
                     {"planned_years": new, "note": (note or "").strip() or None})


def set_responsible(actor: Actor, item_id: int, unit_ids: Iterable[int], expected_version: int | None) -> None:
    require(actor, Perm.RENAKSI_CATALOGUE)
    with transaction() as s:
        item = _item_or_404(s, item_id)
        _check_item_version(item, expected_version)
        want = []
        for uid in unit_ids:
            u = s.get(Unit, int(uid))
            if u is None:
                raise NotFound(f"Unit dengan id {uid} tidak ada.")
            if int(uid) not in want:
                want.append(int(uid))
        rows = s.exec(select(RenaksiResponsible).where(RenaksiResponsible.item_id == item.id)).all()
        old = sorted(r.unit_id for r in rows)
        if old == sorted(want):
            raise ValidationError(f"Butir {item.code}: unit penanggung jawab tidak berubah.")
        for r in rows:
            if r.unit_id not in want:
                s.delete(r)
        for uid in want:
            if uid not in old:
                s.add(RenaksiResponsible(item_id=item.id, unit_id=uid))
        _touch(item, actor)
        s.add(item)
        audit.record(s, actor, "renaksi.responsible_set", "renaksi_item", item.code, {"unit_ids": old},
                     {"unit_ids": sorted(want)})


# --- Tabel 8: indicators ---------------------------------------------------------------------------

@dataclass(frozen=True)
class IndicatorYear:
    year: int
    status: str
    note: Optional[str]
    version: int
    status_id: Optional[int]
    updated_by: Optional[str]
    updated_at: Optional[datetime]
    evidence: tuple[evidence.EvidenceView, ...] = ()

    @property
    def status_label(self) -> str:
        return sr.INDICATOR_STATUSES.get(self.status, self.status)


@dataclass(frozen=True)
class IndicatorView:
    id: int
    code: str
    program_no: int
    program_name: str
    kp: str
    text: str
    years: dict[int, IndicatorYear]


def list_indicators(actor: Actor) -> list[IndicatorView]:
    require(actor, Perm.READ)
    years = plan_years()
    with read_only() as s:
        inds = s.exec(select(RenaksiIndicator).where(RenaksiIndicator.active == True)  # noqa: E712
                      .order_by(RenaksiIndicator.position)).all()
        sts = {(r.indicator_id, r.year): r for r in s.exec(select(RenaksiIndicatorStatus)).all()}
        ev = evidence.list_for(s, OWNER_INDICATOR, [r.id for r in sts.values()])
        out = []
        for i in inds:
            yrs = {}
            for y in years:
                r = sts.get((i.id, y))
                yrs[y] = IndicatorYear(y, r.status if r else "belum_dinilai", r.note if r else None,
                                       r.version if r else 0, r.id if r else None, r.updated_by if r else None,
                                       r.updated_at if r else None, tuple(ev.get(r.id, [])) if r else ())
            out.append(IndicatorView(i.id, i.code, i.program_no, i.program_name, i.kp, i.text, yrs))
        return out


def normalize_indicator_status(text: str) -> str:
    t = re.sub(r"[\s_\-]+", " ", str(text or "")).strip().lower()
    for key, label in sr.INDICATOR_STATUSES.items():
        if t in (key.replace("_", " "), label.lower()):
            return key
    raise ValidationError(f"Status indikator '{text}' tidak dikenal. Pilih: {', '.join(sr.INDICATOR_STATUSES.values())}.")


def set_indicator_status(actor: Actor, code: str, year: int, status: str, note: str | None = None,
                         expected_version: int | None = None, evidence_link: str | None = None,
                         evidence_file: tuple[str, bytes] | None = None) -> None:
    """Tabel 8: an indicator's status in a year. Instansi-wide, so operator_opd of an OPD may not."""
    from .units import instansi_unit

    require(actor, Perm.RENAKSI_UPDATE)
    years = plan_years()
    key = normalize_indicator_status(status)
    with transaction() as s:
        require(actor, Perm.RENAKSI_UPDATE, unit_id=instansi_unit(s).id)
        ind = s.exec(select(RenaksiIndicator).where(RenaksiIndicator.code == str(code).strip())).first()
        if ind is None:
            raise NotFound(f"Indikator Tabel 8 dengan kode '{code}' tidak ada.")
        where = f"Indikator {ind.code} tahun {year}"
        if year not in years:
            raise ValidationError(f"{where}: tahun di luar periode rencana aksi {years[0]}-{years[-1]}.")
        row = s.exec(select(RenaksiIndicatorStatus).where(RenaksiIndicatorStatus.indicator_id == ind.id,
                                                          RenaksiIndicatorStatus.year == year)).first()
        version = row.version if row else 0
        if expected_version is not None and expected_version != version:
            raise ConflictError(f"{where} sudah diubah oleh {row.updated_by if row else '-'} sejak Anda membukanya. "
                                "Muat ulang lalu ulangi.")
        new_ev = int(bool(evidence_link and evidence_link.strip())) + int(evidence_file is not None)
        if evidence_link and evidence_link.strip():
            evidence.check_link(evidence_link)
        if evidence_file is not None:
            evidence.check_file(*evidence_file)
        if key == "tercapai" and bool(settings_store.get("renaksi.evidence_required_for_indicator_tercapai", s)):
            if (evidence.count_for(s, OWNER_INDICATOR, row.id) if row else 0) + new_ev == 0:
                raise ValidationError(f"{where}: status Tercapai memerlukan bukti dukung (berkas atau tautan).")
        note_v = (row.note if row else None) if note is None else (note.strip() or None)
        old = audit.snapshot(row, ["status", "note", "version"]) if row else None
        if row is None:
            row = RenaksiIndicatorStatus(indicator_id=ind.id, year=year, updated_by=actor.username, version=0)
        if row.id is None or (key, note_v) != (row.status, row.note):
            row.status, row.note, row.version = key, note_v, version + 1
            row.updated_by, row.updated_at = actor.username, utcnow()
            s.add(row)
            s.flush()
            audit.record(s, actor, "renaksi.indicator_status_set", "indicator_status", f"{ind.code}/{year}", old,
                         audit.snapshot(row, ["status", "note", "version"]))
        if evidence_link and evidence_link.strip():
            evidence.add_link(s, actor, OWNER_INDICATOR, row.id, evidence_link)
        if evidence_file is not None:
            evidence.add_file(s, actor, OWNER_INDICATOR, row.id, *evidence_file)


# --- Tabel 6 ---------------------------------------------------------------------------------------

def tabel2_actuals(s: Session | None = None) -> dict[int, sr.Actual]:
    """Actual figures per year from Tabel 2 (GeneralFigures of the instansi unit)."""
    from .units import instansi_unit

    if s is None:
        with read_only() as s2:
            return tabel2_actuals(s2)
    try:
        uid = instansi_unit(s).id
    except NotFound:
        return {}
    rows = s.exec(select(GeneralFigures).where(GeneralFigures.unit_id == uid)).all()
    return {r.year: sr.Actual(r.year, r.received, r.resolved, r.months, "Tabel 2") for r in rows}


def actual_sources(actor: Actor) -> dict[str, dict[int, sr.Actual]]:
    """Where Tabel 6's actual figures can come from: Tabel 2 always; imported LAPOR! reports once the
    complaints area offers `assessment.complaints.yearly_actuals(actor) -> {year: scoring.renaksi.Actual}`."""
    require(actor, Perm.READ)
    out = {"Tabel 2 (diisi manual)": tabel2_actuals()}
    try:
        from . import complaints  # type: ignore[attr-defined]
    except ImportError:
        return out
    fn = getattr(complaints, "yearly_actuals", None)
    if callable(fn):
        imported = fn(actor)
        if imported:
            out["Data LAPOR! yang diimpor"] = dict(imported)
    return out


def tabel6(actor: Actor, actuals: dict[int, sr.Actual] | None = None) -> list[sr.Tabel6Row]:
    """Tabel 6 targets against actual figures. `actuals` lets imported LAPOR! figures plug in (the
    complaints area computes them); without it, Tabel 2's figures are used."""
    require(actor, Perm.READ)
    return sr.tabel6_rows(read_targets(), tabel2_actuals() if actuals is None else actuals)


# --- from the assessment to the plan ---------------------------------------------------------------

def list_assessments(actor: Actor) -> list[dict[str, Any]]:
    """The assessments the actor may see, newest first (for the "from assessment to plan" view)."""
    from . import assessments

    return [{"id": a.id, "year": a.year, "unit": a.unit_name, "state": a.state,
             "label": f"{a.unit_name} - {a.year} ({a.state_label})"}
            for a in assessments.list_assessments(actor)]


def assessment_coverage(actor: Actor, assessment_id: int, today: date | None = None) -> dict[str, Any]:
    """For one assessment: each aspect (most urgent first) with its weak questions, the KP that
    answers it (data/renaksi/aspect_kp.yaml) and how far that KP's items are (all plan years)."""
    from scoring.assessment import is_weak

    from . import assessments

    view, res = assessments.result(actor, assessment_id)  # checks READ for the assessment's unit
    today = today or today_wib()
    with read_only() as s:
        items = _load(s, today, include_retired=False)
        top_n = int(settings_store.get("renaksi.coverage_top_priorities", s))
    inst, scores = view.instrument, view.scores
    needs, weak_detail = [], {}
    for ar in res.aspects:
        weak = tuple(q for q in ar.questions if scores.get(q) is not None and is_weak(scores[q], inst.categories))
        weak_detail[ar.key] = [{"no": q, "score": scores[q], "text": inst.questions[q]} for q in weak]
        needs.append(sr.AspectNeed(ar.key, ar.name, ar.priority, ar.mean, weak))
    kp_roll = sr.rollup_by_kp(states_and_units(items))
    per_kp: dict[str, int] = {}
    late_by_kp: dict[str, list[str]] = {}
    for it in items:
        if it.tracked:
            per_kp[it.kp] = per_kp.get(it.kp, 0) + 1
        if it.late:
            late_by_kp.setdefault(it.kp, []).append(it.code)
    return {
        "assessment": {"id": view.id, "year": view.year, "unit": view.unit_name, "state": view.state_label,
                       "answered": res.answered, "total": res.total},
        "coverage": sr.coverage(needs, read_aspect_kp(), per_kp, kp_roll, top_n),
        "weak_questions": weak_detail,
        "kp_titles": {it.kp: it.title for it in items if it.level == "kp"},
        "late_by_kp": late_by_kp,
        "top_n": top_n,
    }


# --- export ----------------------------------------------------------------------------------------

EXPORT_HEADER_ROWS = 4  # data rows start at row 5


def export_excel(items: Sequence[ItemView], years: Sequence[int] | None = None, filters: str = "",
                 today: date | None = None) -> bytes:
    """Tabel 9's layout (No., uraian, a tick per planned year, pihak terlibat) plus status columns,
    for exactly `items` (the list the page's filters produced), in that order."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    years = list(years or plan_years())
    today = today or today_wib()
    wb = Workbook()
    ws = wb.active
    ws.title = "Tabel 9"
    ws["A1"] = "Tabel 9 Rencana Aksi Pengelolaan Pengaduan Pemerintah Kabupaten Blitar Tahun 2022-2024"
    ws["A1"].font = Font(bold=True, size=12)
    ws["A2"] = f"Status per {today.strftime('%d-%m-%Y')}" + (f"; filter: {filters}" if filters else "")
    head = ["No.", "Kelompok Program/ Program/Kegiatan", "Waktu"] + [""] * (len(years) - 1) + ["Pihak Terlibat"]
    extra = [f"Status {y}" for y in years] + [f"Progres {y} (%)" for y in years] + [
        "Terlambat", "Tahun terlambat", "Unit penanggung jawab", "Sumber", "Perubahan jadwal", "Uraian Tabel 7", "Catatan"]
    for col, v in enumerate(head + extra, start=1):
        ws.cell(row=3, column=col, value=v or None)
    for i, y in enumerate(years):
        ws.cell(row=4, column=3 + i, value=y)
    ws.merge_cells(start_row=3, start_column=3, end_row=3, end_column=2 + len(years))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    ncols = len(head) + len(extra)
    for r in (3, 4):
        for c in range(1, ncols + 1):
            ws.cell(row=r, column=c).font = bold
            ws.cell(row=r, column=c).fill = fill
            ws.cell(row=r, column=c).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    row = EXPORT_HEADER_ROWS + 1
    for it in items:
        vals = [it.code, it.title] + ["√" if y in it.planned_years else "" for y in years] + [it.parties]
        vals += [it.years[y].status_label if y in it.years else "" for y in years]
        vals += [round(it.years[y].progress, 1) if y in it.years and it.years[y].progress is not None else None
                 for y in years]
        vals += ["Ya" if it.late else "Tidak", ", ".join(map(str, it.late_years)),
                 ", ".join(n for _u, n in it.responsible), SOURCES.get(it.source, it.source),
                 it.plan_diff.label, it.title_tabel7 or "", it.notes or ""]
        for c, v in enumerate(vals, start=1):
            cell = ws.cell(row=row, column=c, value=v)
            if it.level == "kp":
                cell.font = bold
            if 3 <= c < 3 + len(years):
                cell.alignment = Alignment(horizontal="center")
        row += 1
    widths = {1: 10, 2: 70}
    for c in range(1, ncols + 1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(c, 8 if 3 <= c < 3 + len(years) else 18)
    ws.freeze_panes = ws.cell(row=EXPORT_HEADER_ROWS + 1, column=3)
    info = wb.create_sheet("Keterangan")
    info.append(["Dibuat", datetime.now(WIB).strftime("%d-%m-%Y %H:%M WIB")])
    info.append(["Tanggal acuan keterlambatan", today.strftime("%d-%m-%Y")])
    info.append(["Filter", filters or "(tanpa filter)"])
    info.append(["Jumlah baris", len(items)])
    info.append(["Aturan", "Terlambat: tahun rencana sudah berakhir tanpa status Selesai. Progres program = "
                 "rata-rata progres kegiatannya yang dijadwalkan pada tahun itu (Selesai = 100%, "
                 "Tidak dilaksanakan tidak dihitung)."])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- rows for the pages (plain dicts; the pages only draw them) -------------------------------------

COL_STATUS, COL_PROGRESS, COL_REASON, COL_NOTE = "Status", "Progres (%)", "Alasan (jika tidak dilaksanakan)", "Catatan"
EDITABLE_COLS = (COL_STATUS, COL_PROGRESS, COL_REASON, COL_NOTE)


def overview_rows(items: Sequence[ItemView], years: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """One row per item: its status in each year ("-" where not planned), lateness, plan changes."""
    years = list(years or plan_years())
    out = []
    for it in items:
        row: dict[str, Any] = {"Kode": it.code, "Tingkat": it.level_label, "Uraian (Tabel 9)": it.title}
        for y in years:
            yv = it.years.get(y)
            row[str(y)] = "-" if yv is None else yv.status_label + (" (terlambat)" if yv.late else "")
        row.update({
            "Pihak terlibat": it.parties, "Terlambat": it.late,
            "Unit penanggung jawab": ", ".join(n for _u, n in it.responsible),
            "Perubahan jadwal": it.plan_diff.label if it.level != "kp" else "",
            "Sumber": SOURCES.get(it.source, it.source) + ("" if it.active else " (dipensiunkan)"),
            "Uraian Tabel 7 (jika berbeda)": it.title_tabel7 or "",
        })
        out.append(row)
    return out


def editor_rows(items: Sequence[ItemView], year: int) -> tuple[dict[int, dict[str, Any]], dict[int, int]]:
    """Rows for in-place editing of one year, keyed by item id, and the version each row shows.
    Only items planned in `year` have a row."""
    rows, versions = {}, {}
    for it in items:
        yv = it.years.get(year)
        if yv is None:
            continue
        rows[it.id] = {
            "Kode": it.code, "Tingkat": it.level_label, "Uraian (Tabel 9)": it.title, "Pihak terlibat": it.parties,
            COL_STATUS: yv.status_label,
            COL_PROGRESS: None if yv.progress is None else int(round(yv.progress)),
            COL_REASON: yv.reason or "", COL_NOTE: yv.note or "",
            "Terlambat": yv.late, "Bukti": len(yv.evidence),
            "Cara isi": ("dihitung dari " + ", ".join(yv.counted or yv.excluded)) if yv.derived else "diisi langsung",
        }
        versions[it.id] = yv.version
    return rows, versions


def _blank(v: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, str):
        return v.strip() or None
    return v


def diff_edits(original: dict[int, dict[str, Any]], edited: dict[int, dict[str, Any]], year: int,
               versions: dict[int, int]) -> list[ProgressEdit]:
    """The changes between the rows a user was shown and the rows they edited, matched by ITEM ID
    (never by position). A field left unchanged is passed as None (keep / follow the status)."""
    out = []
    for item_id, new in edited.items():
        item_id = int(item_id)
        old = original.get(item_id)
        if old is None:
            continue  # a row the user was not shown (added rows are not allowed)
        changed = {c for c in EDITABLE_COLS if _blank(new.get(c)) != _blank(old.get(c))}
        if not changed:
            continue
        out.append(ProgressEdit(
            item_id=item_id, year=year, status=str(new.get(COL_STATUS) or old[COL_STATUS]),
            progress=_blank(new.get(COL_PROGRESS)) if COL_PROGRESS in changed else None,
            note=(_blank(new.get(COL_NOTE)) or "") if COL_NOTE in changed else None,
            reason=(_blank(new.get(COL_REASON)) or "") if COL_REASON in changed else None,
            expected_version=versions.get(item_id, 0)))
    return out


def describe_filters(kp: Iterable[str] = (), year: int | None = None, parties: Iterable[str] = (),
                     statuses: Iterable[str] = (), late: bool | None = None, text: str = "") -> str:
    parts = []
    if kp:
        parts.append("KP " + ", ".join(kp))
    if year is not None:
        parts.append(f"tahun {year}")
    if parties:
        parts.append("pihak " + ", ".join(parties))
    if statuses:
        parts.append("status " + ", ".join(sr.status_label(s) for s in statuses))
    if late is not None:
        parts.append("terlambat" if late else "tidak terlambat")
    if text:
        parts.append(f"teks '{text}'")
    return "; ".join(parts)


def _rollup_row(r: sr.Rollup) -> dict[str, Any]:
    return {"Butir-tahun": r.units, "Selesai": r.selesai, "Berjalan": r.berjalan, "Belum dimulai": r.belum_dimulai,
            "Tidak dilaksanakan": r.tidak_dilaksanakan, "Terlambat": r.late,
            "% selesai": None if r.pct_done is None else round(r.pct_done, 1),
            "Rata-rata progres (%)": None if r.mean_progress is None else round(r.mean_progress, 1)}


def rollup_tables(items: Sequence[ItemView]) -> dict[str, list[dict[str, Any]]]:
    """Roll-ups of the active items: per KP, per year, per KP and year, and the late items."""
    active = [it for it in items if it.active]
    units = states_and_units(active)
    titles = {it.kp: it.title for it in active if it.level == "kp"}
    per_kp = [{"KP": k, "Kelompok program": titles.get(k, ""), **_rollup_row(r)}
              for k, r in sr.rollup_by_kp(units).items()]
    per_year = [{"Tahun": y, **_rollup_row(r)} for y, r in sr.rollup_by_year(units).items()]
    kp_year = [{"KP": k, "Tahun": y, **_rollup_row(r)} for (k, y), r in sr.rollup_by_kp_year(units).items()]
    late = [{"Kode": it.code, "Uraian (Tabel 9)": it.title, "Tahun terlambat": ", ".join(map(str, it.late_years)),
             "Status": ", ".join(f"{y}: {it.years[y].status_label}" for y in it.late_years),
             "Pihak terlibat": it.parties} for it in active if it.late]
    return {"per_kp": per_kp, "per_year": per_year, "kp_year": kp_year, "late": late}
