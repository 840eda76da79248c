"""Rencana aksi (Tabel 6-9): lateness, program progress, roll-ups, Tabel 6 met/not met, plan vs
baseline, and how the plan covers the aspects the self-assessment found weak. Pure functions.

The rules
---------
Status of an item in a year: ``belum_dimulai`` (Belum dimulai), ``berjalan`` (Berjalan), ``selesai``
(Selesai) or ``tidak_dilaksanakan`` (Tidak dilaksanakan). A year without a record is Belum dimulai, 0 %.

Lateness (``is_late``): an item-year is *Terlambat* when the year is in the item's current plan, the
year has ended on the reference date ``today`` (``today > 31 December`` of that year) and its status is
not Selesai. Whether Tidak dilaksanakan counts as late is the setting
``renaksi.late_includes_tidak_dilaksanakan`` (passed in as ``include_tidak``; default: it does, as the
plan was not carried out). An item is late when any of its planned years is late. Retired items, the
kelompok program headings and items without a plan are never late. ``today`` is always a parameter:
nothing here reads the clock.

Program progress (``program_year``): for a program and one year of its plan, take its active
kegiatan whose current plan includes that year (the "scheduled kegiatan").
- None scheduled: the program is tracked on its own for that year (its own status and progress).
- Otherwise the year is *derived*: kegiatan marked Tidak dilaksanakan are left out; the progress is
  the plain mean of the others' progress (Selesai counts 100 %); the status is Selesai when all of
  them are Selesai, Belum dimulai when all are Belum dimulai, Berjalan otherwise; when every
  scheduled kegiatan is Tidak dilaksanakan the program year is Tidak dilaksanakan, progress None.

Roll-ups (``rollup``) count *work units*: every item-year tracked on its own (kegiatan-years and
program-years with no scheduled kegiatan) of active items. Derived program-years are not counted
again (their kegiatan are). ``pct_done`` = Selesai / (units - Tidak dilaksanakan) x 100;
``mean_progress`` = mean progress over the same units; both None when nothing is left to count.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable, Mapping, Optional, Sequence

BELUM = "belum_dimulai"
BERJALAN = "berjalan"
SELESAI = "selesai"
TIDAK = "tidak_dilaksanakan"

STATUSES: dict[str, str] = {
    BELUM: "Belum dimulai",
    BERJALAN: "Berjalan",
    SELESAI: "Selesai",
    TIDAK: "Tidak dilaksanakan",
}

LEVELS: dict[str, str] = {"kp": "Kelompok program", "program": "Program", "kegiatan": "Kegiatan"}

INDICATOR_STATUSES: dict[str, str] = {
    "belum_dinilai": "Belum dinilai",
    "belum_tercapai": "Belum tercapai",
    "sebagian": "Tercapai sebagian",
    "tercapai": "Tercapai",
}


def status_label(key: Optional[str]) -> str:
    return STATUSES.get(key or BELUM, key or "")


# --- lateness ------------------------------------------------------------------------------------

def year_ended(year: int, today: date) -> bool:
    """True when 31 December of `year` is before `today`."""
    return today > date(year, 12, 31)


def is_late(year: int, status: str, today: date, include_tidak: bool = True) -> bool:
    if not year_ended(year, today) or status == SELESAI:
        return False
    if status == TIDAK and not include_tidak:
        return False
    return True


# --- items, years, programs ----------------------------------------------------------------------

@dataclass(frozen=True)
class YearEntry:
    """What is recorded for one item in one year."""

    status: str = BELUM
    progress: int = 0


@dataclass(frozen=True)
class ItemPlan:
    """One catalogue item with its plan and its records, as scoring needs it."""

    code: str
    kp: str
    level: str  # kp | program | kegiatan
    parent: Optional[str] = None
    planned_years: tuple[int, ...] = ()
    baseline_years: tuple[int, ...] = ()
    active: bool = True
    entries: Mapping[int, YearEntry] = field(default_factory=dict)


@dataclass(frozen=True)
class YearState:
    year: int
    status: str
    progress: Optional[float]
    derived: bool = False  # computed from the program's kegiatan
    counted: tuple[str, ...] = ()  # the kegiatan the derived value is computed from
    excluded: tuple[str, ...] = ()  # scheduled kegiatan left out (Tidak dilaksanakan)
    late: bool = False


@dataclass(frozen=True)
class ItemState:
    code: str
    kp: str
    level: str
    active: bool
    years: dict[int, YearState]
    late_years: tuple[int, ...]

    @property
    def late(self) -> bool:
        return bool(self.late_years)

    def status(self, year: int) -> Optional[str]:
        ys = self.years.get(year)
        return ys.status if ys else None


def program_year(kegiatan: Sequence[tuple[str, YearEntry]]) -> Optional[tuple[str, Optional[float], tuple[str, ...], tuple[str, ...]]]:
    """(status, progress, counted codes, excluded codes) of a program-year from its scheduled
    kegiatan, or None when there are none (the program is then tracked on its own)."""
    if not kegiatan:
        return None
    counted = [(c, e) for c, e in kegiatan if e.status != TIDAK]
    excluded = tuple(c for c, e in kegiatan if e.status == TIDAK)
    if not counted:
        return TIDAK, None, (), excluded
    values = [100.0 if e.status == SELESAI else float(e.progress) for _c, e in counted]
    progress = sum(values) / len(values)
    statuses = {e.status for _c, e in counted}
    if statuses == {SELESAI}:
        status = SELESAI
    elif statuses == {BELUM}:
        status = BELUM
    else:
        status = BERJALAN
    return status, progress, tuple(c for c, _e in counted), excluded


def evaluate(items: Sequence[ItemPlan], today: date, include_tidak: bool = True) -> dict[str, ItemState]:
    """Every item's state per planned year (current plan), with lateness on the date `today`."""
    children: dict[str, list[ItemPlan]] = {}
    for it in items:
        if it.parent and it.level == "kegiatan" and it.active:
            children.setdefault(it.parent, []).append(it)
    out: dict[str, ItemState] = {}
    for it in items:
        years: dict[int, YearState] = {}
        for y in sorted(set(it.planned_years)):
            derived = None
            if it.level == "program":
                scheduled = [(k.code, k.entries.get(y, YearEntry())) for k in children.get(it.code, [])
                             if y in k.planned_years]
                derived = program_year(scheduled)
            if derived is not None:
                st, pr, counted, excluded = derived
                ys = YearState(y, st, pr, True, counted, excluded)
            else:
                e = it.entries.get(y, YearEntry())
                pr = 100.0 if e.status == SELESAI else float(e.progress)
                ys = YearState(y, e.status, pr)
            late = it.active and it.level != "kp" and is_late(y, ys.status, today, include_tidak)
            years[y] = YearState(ys.year, ys.status, ys.progress, ys.derived, ys.counted, ys.excluded, late)
        late_years = tuple(y for y, ys in years.items() if ys.late)
        out[it.code] = ItemState(it.code, it.kp, it.level, it.active, years, late_years)
    return out


# --- roll-ups ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WorkUnit:
    kp: str
    code: str
    year: int
    status: str
    progress: float
    late: bool


@dataclass(frozen=True)
class Rollup:
    units: int
    selesai: int
    berjalan: int
    belum_dimulai: int
    tidak_dilaksanakan: int
    late: int
    pct_done: Optional[float]
    mean_progress: Optional[float]


def work_units(states: Mapping[str, ItemState]) -> list[WorkUnit]:
    """The item-years tracked on their own (see the module docstring), of active items."""
    out = []
    for st in states.values():
        if not st.active or st.level == "kp":
            continue
        for ys in st.years.values():
            if ys.derived:
                continue
            out.append(WorkUnit(st.kp, st.code, ys.year, ys.status, float(ys.progress or 0.0), ys.late))
    return out


def rollup(units: Iterable[WorkUnit]) -> Rollup:
    units = list(units)
    count = {k: sum(1 for u in units if u.status == k) for k in STATUSES}
    considered = [u for u in units if u.status != TIDAK]
    pct = (100.0 * count[SELESAI] / len(considered)) if considered else None
    mean = (sum(u.progress for u in considered) / len(considered)) if considered else None
    return Rollup(len(units), count[SELESAI], count[BERJALAN], count[BELUM], count[TIDAK],
                  sum(1 for u in units if u.late), pct, mean)


def rollup_by(units: Iterable[WorkUnit], key: Callable[[WorkUnit], object]) -> dict:
    groups: dict = {}
    for u in units:
        groups.setdefault(key(u), []).append(u)
    return {k: rollup(v) for k, v in sorted(groups.items(), key=lambda kv: _sort_key(kv[0]))}


def rollup_by_kp(units: Iterable[WorkUnit]) -> dict[str, Rollup]:
    return rollup_by(units, lambda u: u.kp)


def rollup_by_year(units: Iterable[WorkUnit]) -> dict[int, Rollup]:
    return rollup_by(units, lambda u: u.year)


def rollup_by_kp_year(units: Iterable[WorkUnit]) -> dict[tuple[str, int], Rollup]:
    return rollup_by(units, lambda u: (u.kp, u.year))


ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}


def _sort_key(k: object):
    if isinstance(k, tuple):
        return tuple(_sort_key(x) for x in k)
    if isinstance(k, str):
        return (0, ROMAN.get(k, 99), k)
    return (1, k, "")


def code_sort_key(code: str) -> tuple:
    """Order of codes as in Tabel 7/9: KP I, I.1, I.1.1, ..., KP II, II.1, ..."""
    if code.startswith("KP "):
        return (ROMAN.get(code[3:], 99), -1)
    head, *rest = code.split(".")
    return (ROMAN.get(head, 99), *[int(x) if x.isdigit() else 0 for x in rest])


# --- plan against baseline -----------------------------------------------------------------------

@dataclass(frozen=True)
class PlanDiff:
    added: tuple[int, ...]
    removed: tuple[int, ...]
    new_item: bool

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.new_item)

    @property
    def label(self) -> str:
        if self.new_item:
            return "Butir baru (tidak ada di rencana awal)"
        parts = []
        if self.added:
            parts.append("ditambah " + ", ".join(map(str, self.added)))
        if self.removed:
            parts.append("dihapus " + ", ".join(map(str, self.removed)))
        return ("Jadwal diubah: " + "; ".join(parts)) if parts else "Sesuai rencana awal"


def plan_diff(baseline: Iterable[int], current: Iterable[int], in_baseline: bool = True) -> PlanDiff:
    """`in_baseline` False: the item did not exist when the plan was first loaded."""
    b, c = set(baseline), set(current)
    return PlanDiff(tuple(sorted(c - b)), tuple(sorted(b - c)), not in_baseline)


# --- pihak terlibat ------------------------------------------------------------------------------

def party_tokens(parties: str) -> tuple[str, ...]:
    """The parties named in a "Pihak Terlibat" cell, normalised ("Dinas Kominfo, dan seluruh OPD."
    -> ("Dinas Kominfo", "Seluruh OPD")). Used for filtering; the printed text is kept as it is."""
    out: list[str] = []
    for part in re.split(r",|\s+dan\s+", parties or ""):
        part = re.sub(r"\s+", " ", part).strip().rstrip(".").strip()
        part = re.sub(r"^dan\s+", "", part, flags=re.IGNORECASE)
        if not part:
            continue
        label = part[0].upper() + part[1:]
        if label.lower() not in {x.lower() for x in out}:
            out.append(label)
    return tuple(out)


# --- Tabel 6 -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    key: str
    name: str
    kind: str  # count | percent
    unit: str
    baseline_year: int
    baseline_value: float
    targets: Mapping[int, float]


@dataclass(frozen=True)
class Actual:
    """A year's actual figures: from Tabel 2 (entered by hand) or computed from imported reports."""

    year: int
    received: int
    resolved: int
    months: int = 12
    source: str = "Tabel 2"


@dataclass(frozen=True)
class Tabel6Row:
    key: str
    name: str
    year: int
    target: float
    actual: Optional[float]
    met: Optional[bool]
    status: str
    provisional: bool
    source: Optional[str]


def actual_value(t: Target, a: Actual) -> Optional[float]:
    if t.kind == "count":
        return float(a.received)
    if t.kind == "percent":
        return None if a.received == 0 else 100.0 * a.resolved / a.received
    raise ValueError(f"unknown target kind {t.kind}")


def tabel6_rows(targets: Sequence[Target], actuals: Mapping[int, Actual]) -> list[Tabel6Row]:
    """Each target year against the actual figure. Met when actual >= target. A year whose figures
    cover fewer than 12 months is provisional: a count already at target is met (it can only grow),
    anything else is not judged yet."""
    rows = []
    for t in targets:
        for y in sorted(t.targets):
            target = float(t.targets[y])
            a = actuals.get(y)
            if a is None:
                rows.append(Tabel6Row(t.key, t.name, y, target, None, None, "Belum ada data", False, None))
                continue
            value = actual_value(t, a)
            provisional = a.months < 12
            reached = value is not None and value >= target - 1e-9
            if value is None:
                met, status = None, "Belum ada pengaduan"
            elif not provisional:
                met, status = reached, ("Tercapai" if reached else "Tidak tercapai")
            elif reached and t.kind == "count":
                met, status = True, "Tercapai (data belum setahun penuh)"
            else:
                met, status = None, f"Sementara ({a.months} bulan)"
            rows.append(Tabel6Row(t.key, t.name, y, target, value, met, status, provisional, a.source))
    return rows


# --- from the self-assessment to the plan --------------------------------------------------------

@dataclass(frozen=True)
class AspectNeed:
    """One aspect of an assessment: its priority in force, mean and weak questions."""

    key: str
    name: str
    priority: int
    mean: Optional[float]
    weak_questions: tuple[int, ...] = ()


@dataclass(frozen=True)
class Coverage:
    aspect_key: str
    aspect_name: str
    priority: int
    mean: Optional[float]
    weak_questions: tuple[int, ...]
    kp: Optional[str]
    items: int  # active programs/kegiatan of the KP with a plan
    rollup: Optional[Rollup]
    highlighted: bool
    verdict: str


def coverage(needs: Sequence[AspectNeed], aspect_kp: Mapping[str, str], items_per_kp: Mapping[str, int],
             kp_rollups: Mapping[str, Rollup], top_n: int) -> list[Coverage]:
    """Per aspect (most urgent first): the KP that answers it and how far that KP's items are.
    Highlighted: among the `top_n` highest priorities, or with at least one weak question."""
    out = []
    for n in sorted(needs, key=lambda x: x.priority):
        kp = aspect_kp.get(n.key)
        count = items_per_kp.get(kp, 0) if kp else 0
        r = kp_rollups.get(kp) if kp else None
        if kp is None:
            verdict = "Belum dipetakan ke kelompok program"
        elif count == 0 or r is None or r.units == 0:
            verdict = "Tidak ada butir terjadwal: rencana aksi belum menjawab aspek ini"
        elif r.pct_done is not None and r.pct_done >= 100.0 - 1e-9:
            verdict = "Semua butir selesai"
        elif r.late > 0:
            verdict = f"Ada {r.late} butir-tahun terlambat"
        else:
            verdict = "Berjalan sesuai jadwal"
        out.append(Coverage(n.key, n.name, n.priority, n.mean, n.weak_questions, kp, count, r,
                            n.priority <= top_n or bool(n.weak_questions), verdict))
    return out


# --- timeline ------------------------------------------------------------------------------------

def timeline_rows(plans: Sequence[ItemPlan], states: Mapping[str, ItemState]) -> list[dict]:
    """One row per item and year that is in the baseline or the current plan, for the Gantt chart.
    `rencana`: "awal dan kini" | "hanya rencana awal" (dropped) | "hanya rencana kini" (added)."""
    rows = []
    for p in plans:
        st = states.get(p.code)
        for y in sorted(set(p.planned_years) | set(p.baseline_years)):
            in_b, in_c = y in p.baseline_years, y in p.planned_years
            ys = st.years.get(y) if st and in_c else None
            rows.append({
                "code": p.code, "kp": p.kp, "level": p.level, "year": y,
                "rencana": "awal dan kini" if in_b and in_c else ("hanya rencana awal" if in_b else "hanya rencana kini"),
                "status": status_label(ys.status) if ys else "Tidak dijadwalkan lagi",
                "progress": None if ys is None or ys.progress is None else round(ys.progress, 1),
                "late": bool(ys.late) if ys else False,
            })
    return rows
