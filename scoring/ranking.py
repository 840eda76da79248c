"""SP4N-LAPOR! complaint handling: the overdue rule, per-unit metrics, the composite score, the OPD
ranking with its tie rule, the reward and punishment lists (rencana aksi I.3.3 and I.3.4), Tabel 2
figures from reports, and the line-by-line explanation of a score. Pure and vectorised (pandas).

The input frame
---------------
One row per report, or per group of identical reports (column ``n``, the count; default 1). Columns:
``unit_id`` (None/NaN: not yet disposed), ``year``, ``month`` (optional), ``state`` (canonical state
*at the snapshot date*), ``classification``, ``report_date``, ``disposition_date``,
``follow_up_date`` (dates operators recorded; NaT when unknown), ``followed_up_seen`` (first snapshot
date at which the report was seen followed up, NaT if not by S), ``waiting_seen`` (for a followed-up
report: the last snapshot date at which it was still seen waiting before that), ``rating_sum`` and
``rating_n`` (or ``rating``), ``tracking_id`` (needed for waiting reports, which are never grouped).
The snapshot date S ("today") is always a parameter: nothing here reads the clock.

The rules (docs/complaints.md)
------------------------------
*Canonical states.* menunggu verifikasi, menunggu tindak lanjut, diproses, selesai, tertunda, arsip.
A report *requires follow-up* (``assessable``) when at S it is menunggu tindak lanjut, diproses or
selesai; the others are with the admin (verification, on hold, archived) and are not counted against
a unit. *Followed up* = diproses or selesai at S, or an operator-recorded Tanggal Tindak Lanjut on or
before S.

*Overdue (terlambat tindak lanjut) at S.* Still waiting for follow-up at S and the working days after
its disposition date, up to and including S, exceed the follow-up limit (default 5). When the
disposition date is unknown, count from Tanggal Laporan Masuk against the verification and
follow-up limits added (3 + 5). Working days: scoring.workdays (weekends, national holidays,
cuti bersama).

*On time.* A followed-up report is on time when its follow-up (operator date, else the first
snapshot that saw it followed up - an upper bound) is within the same limit; it is late when its
operator follow-up date is beyond the limit, or when a snapshot saw it still waiting beyond the
limit. Otherwise its timing is unknown and it is left out. Overdue reports count as late.
% on time = on time / (on time + late), None when nothing is known.

*Percentages* (followed up, selesai) are over the reports requiring follow-up; None when there are none.
*Median working days to follow-up*: from Tanggal Laporan Masuk to the operator-recorded Tanggal
Tindak Lanjut, where it is known (the export alone never gives it).

*Score 0-100.* Weighted mean of % on time, % followed up, % selesai and the mean rating rescaled to
0-100 ((r - 1) / 4 x 100), weights from the settings (default 40/30/20/10). A component a unit
lacks is left out and the remaining weights re-normalised (the explanation says so). Rounded to
2 decimals. A unit with fewer reports requiring follow-up than ``min_reports`` is "belum dapat
dinilai": no score, no rank, no reward.

*Tie rule.* Ranked by score (2 decimals), then fewer overdue reports, then higher % on time, then
higher % followed up, then more reports requiring follow-up. Units equal on all of these share a
rank (1, 2, 2, 4) and are listed by name; each tied unit gets a sentence saying what decided.

*Reward* (I.3.3): assessed, overdue <= ``reward_max_overdue`` (0) and % on time >= ``reward_min_on_time_pct``
(90); in rank order. *Punishment* (I.3.4): every unit with at least one overdue report, with the count
and the Tracking IDs (most working days overdue first), ranked by that count, then by the longest
overdue, then by name.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from .figures import GeneralFigures
from .workdays import WorkCalendar

VERIFIKASI = "menunggu verifikasi"
MENUNGGU = "menunggu tindak lanjut"
DIPROSES = "diproses"
SELESAI = "selesai"
TERTUNDA = "tertunda"
ARSIP = "arsip"
STATES = (VERIFIKASI, MENUNGGU, DIPROSES, SELESAI, TERTUNDA, ARSIP)
STATE_LABELS = {
    VERIFIKASI: "Menunggu verifikasi", MENUNGGU: "Menunggu tindak lanjut", DIPROSES: "Diproses",
    SELESAI: "Selesai", TERTUNDA: "Tertunda", ARSIP: "Arsip",
}
FOLLOWED_UP_STATES = (DIPROSES, SELESAI)
ASSESSABLE_STATES = (MENUNGGU, DIPROSES, SELESAI)
COMPONENTS = ("on_time", "followed_up", "resolved", "rating")
COMPONENT_LABELS = {
    "on_time": "% tindak lanjut tepat waktu", "followed_up": "% ditindaklanjuti",
    "resolved": "% selesai", "rating": "rating rata-rata (skala 0-100)",
}


def classification_key(name: Any) -> str:
    return " ".join(str(name or "").lower().split())


@dataclass(frozen=True)
class Rules:
    """The knobs of the ranking (settings), recorded with every ranking."""

    verification_days: int = 3
    follow_up_days: int = 5
    completion_days: Mapping[str, int] = field(default_factory=dict)  # classification_key -> days
    weights: Mapping[str, float] = field(default_factory=lambda: {"on_time": 40, "followed_up": 30,
                                                                  "resolved": 20, "rating": 10})
    min_reports: int = 5
    reward_min_on_time_pct: float = 90.0
    reward_max_overdue: int = 0
    version: str = "PermenPANRB 62/2018 (batas waktu bawaan)"

    def __post_init__(self) -> None:
        for k in self.weights:
            if k not in COMPONENTS:
                raise ValueError(f"unknown weight {k}")
        if any(float(v) < 0 for v in self.weights.values()) or sum(float(v) for v in self.weights.values()) <= 0:
            raise ValueError("weights must be >= 0 and not all 0")

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["completion_days"] = dict(self.completion_days)
        d["weights"] = {k: float(v) for k, v in self.weights.items()}
        return d


# --- per report -----------------------------------------------------------------------------------


def _dates(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame:
        return np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[D]")
    v = frame[col]
    if v.dtype.kind == "M":
        return v.to_numpy().astype("datetime64[D]")
    return pd.to_datetime(v, errors="coerce").to_numpy().astype("datetime64[D]")


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float) if col in frame \
        else np.full(len(frame), np.nan)


DAY_COLUMNS = ("dk", "d_exact", "d_report_fu", "d_upper", "d_lower", "d_wait")


def day_numbers(frame: pd.DataFrame, snapshot: date, cal: WorkCalendar) -> pd.DataFrame:
    """Per-report dates -> the working-day numbers the rules compare (a copy of `frame` plus):
    `dk` disposition date known; `d_exact` base -> operator Tanggal Tindak Lanjut (if on or before S);
    `d_report_fu` Tanggal Laporan Masuk -> that follow-up; `d_upper` base -> first snapshot seeing it
    followed up (if on or before S); `d_lower` base -> last snapshot seeing it still waiting; `d_wait`
    base -> S. base = disposition date when known, else Tanggal Laporan Masuk. NaN when unknown.
    """
    f = frame.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    for c in ("state", "classification", "category"):  # few distinct values: cheap to compare and group
        if c in f and f[c].dtype != "category":
            f[c] = f[c].astype("category")
    s64 = np.datetime64(snapshot, "D")
    report = _dates(f, "report_date")
    disp = _dates(f, "disposition_date")
    fu = _dates(f, "follow_up_date")
    fu = np.where(~np.isnat(fu) & (fu <= s64), fu, np.datetime64("NaT"))
    seen_fu = _dates(f, "followed_up_seen")
    seen_fu = np.where(~np.isnat(seen_fu) & (seen_fu <= s64), seen_fu, np.datetime64("NaT"))
    seen_wait = _dates(f, "waiting_seen")
    dk = ~np.isnat(disp)
    base = np.where(dk, disp, report)
    f["dk"] = dk
    f["d_exact"] = cal.days_after(base, fu)
    f["d_report_fu"] = cal.days_after(report, fu)
    f["d_upper"] = cal.days_after(base, seen_fu)
    f["d_lower"] = cal.days_after(base, seen_wait)
    f["d_wait"] = cal.days_after(base, np.full(len(f), s64))
    if "month" not in f:
        f["month"] = report.astype("datetime64[M]").astype("datetime64[D]")
    return f


def _state_flags(f: pd.DataFrame) -> dict[str, np.ndarray]:
    state = f["state"]
    return {s: state.eq(s).to_numpy(dtype=bool) for s in STATES}


def flag(t: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """The rules on working-day numbers (a copy of `t`, rows of any state, plus): `limit`, `waiting`,
    `overdue`, `days_waiting`, `followed_up`, `on_time`, `late`, `timing_known`, `days_to_follow_up`,
    `completion_overdue`, `assessable`, `resolved`."""
    f = t.copy(deep=False)
    if "n" not in f:
        f["n"] = 1
    st = _state_flags(f)
    dk = f["dk"].to_numpy(dtype=bool) if "dk" in f else np.zeros(len(f), dtype=bool)
    d_exact, d_upper, d_lower, d_wait = (_num(f, c) for c in ("d_exact", "d_upper", "d_lower", "d_wait"))
    limit = np.where(dk, rules.follow_up_days, rules.verification_days + rules.follow_up_days).astype(float)
    waiting = st[MENUNGGU] & np.isnan(d_exact)
    overdue = waiting & (d_wait > limit)
    followed = st[DIPROSES] | st[SELESAI] | (st[MENUNGGU] & ~np.isnan(d_exact))
    exact = followed & ~np.isnan(d_exact)
    on_time = np.where(exact, d_exact <= limit, followed & ~np.isnan(d_upper) & (d_upper <= limit)).astype(bool)
    late_fu = np.where(exact, d_exact > limit,
                       followed & ~on_time & ~np.isnan(d_lower) & (d_lower > limit)).astype(bool)
    if "classification" in f:
        k = f["classification"]
        uniq = k.cat.categories if k.dtype == "category" else pd.unique(k.to_numpy(dtype=object))
        lim_of = {v: float(rules.completion_days.get(classification_key(v), np.nan)) for v in uniq}
        comp_lim = pd.to_numeric(k.map(lim_of), errors="coerce").to_numpy(dtype=float)
    else:
        comp_lim = np.full(len(f), np.nan)
    comp_lim = np.where(dk, comp_lim, comp_lim + rules.verification_days)
    open_ = waiting | st[DIPROSES]
    f["assessable"] = st[MENUNGGU] | st[DIPROSES] | st[SELESAI]
    f["resolved"] = st[SELESAI]
    f["limit"] = limit
    f["waiting"] = waiting
    f["overdue"] = overdue
    f["days_waiting"] = np.where(waiting, d_wait, np.nan)
    f["followed_up"] = followed
    f["on_time"] = on_time
    f["late_fu"] = late_fu
    f["late"] = late_fu | overdue
    f["timing_known"] = on_time | late_fu | overdue
    f["days_to_follow_up"] = np.where(exact, _num(f, "d_report_fu"), np.nan)
    f["completion_overdue"] = open_ & ~np.isnan(comp_lim) & (d_wait > comp_lim)
    return f


def evaluate(frame: pd.DataFrame, snapshot: date, rules: Rules, cal: WorkCalendar) -> pd.DataFrame:
    """Per report (or group of reports): the working-day numbers and every flag of the rules."""
    return flag(day_numbers(frame, snapshot, cal), rules)


def parts(ev: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An `evaluate` frame -> (counts, timing): counts per unit, state and month (n, ratings,
    n_fu_operator: reports still waiting in LAPOR! with an operator follow-up date); timing = the rows
    requiring follow-up, with their flags. `compact_timing` groups the latter; both are what the
    portal stores per snapshot and year (assessment.complaints, table complaintaggregate)."""
    d = ev.copy(deep=False)
    w = d["n"].astype(int)
    r = pd.to_numeric(d["rating"], errors="coerce") if "rating" in d and "rating_sum" not in d else None
    counts = pd.DataFrame({
        "unit_id": d["unit_id"], "state": d["state"], "month": d["month"], "n": w,
        "rating_sum": d["rating_sum"].astype(float) if "rating_sum" in d else r.fillna(0.0),
        "rating_n": d["rating_n"].astype(int) if "rating_n" in d else r.notna().astype(int),
        "n_fu_operator": w * (d["state"].eq(MENUNGGU).to_numpy() & d["followed_up"].to_numpy()),
    })
    for extra in ("category",):
        if extra in d:
            counts[extra] = d[extra]
    keys = [c for c in ("unit_id", "state", "month", "category") if c in counts]
    counts = counts.groupby(keys, dropna=False, sort=True).sum().reset_index()
    return counts, d[d["assessable"]]


def compact_timing(timing: pd.DataFrame, cap: int, cap_completion: int) -> pd.DataFrame:
    """The timing rows grouped, losslessly for the rules: waiting reports stay one row each (they are
    listed by Tracking ID); the others are grouped by unit, state, disposition known and their working-day
    numbers, capped at `cap` (> every follow-up limit) and, for the days open, `cap_completion`
    (> every completion limit) - beyond a limit only "beyond" matters. `d_report_fu` (the median) is
    not capped. A ranking of the compact frame equals the ranking of the full one."""
    t = timing
    keep = ["unit_id", "state", "classification", "dk", "d_exact", "d_report_fu", "d_upper", "d_lower", "d_wait", "n"]
    waiting = t[t["state"].eq(MENUNGGU)]
    rest = t[~t["state"].eq(MENUNGGU)]
    g = pd.DataFrame({
        "unit_id": rest["unit_id"], "state": rest["state"],
        "classification": rest["classification"].astype(object).where(rest["state"].eq(DIPROSES), "")
        if "classification" in rest else "",
        "dk": rest["dk"].astype(bool),
        "d_exact": rest["d_exact"].clip(upper=cap), "d_report_fu": rest["d_report_fu"],
        "d_upper": rest["d_upper"].clip(upper=cap), "d_lower": rest["d_lower"].clip(upper=cap),
        "d_wait": rest["d_wait"].clip(upper=cap_completion).where(rest["state"].eq(DIPROSES)),
        "n": rest["n"].astype(int),
    })
    g = g.groupby(keep[:-1], dropna=False, sort=True)["n"].sum().reset_index()
    w_cols = keep + [c for c in ("tracking_id", "report_date", "disposition_date", "month") if c in waiting]
    w = waiting[[c for c in w_cols if c in waiting]].copy()
    out = pd.concat([g, w], ignore_index=True)
    if "month" not in out:
        out["month"] = pd.NaT
    return out


def merge_parts(pieces: Sequence[tuple[pd.DataFrame, pd.DataFrame]], cap: int,
                cap_completion: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(counts, compact timing) of several row chunks -> those of all the rows (both are sums)."""
    counts = pd.concat([c for c, _ in pieces], ignore_index=True)
    for c in ("state", "category"):
        if c in counts:
            counts[c] = counts[c].astype(object)
    keys = [c for c in ("unit_id", "state", "month", "category") if c in counts]
    counts = counts.groupby(keys, dropna=False, sort=True).sum().reset_index()
    timing = pd.concat([t for _, t in pieces], ignore_index=True)
    for c in ("state", "classification"):
        if c in timing:
            timing[c] = timing[c].astype(object)
    return counts, compact_timing(timing, cap, cap_completion)


def _pct(num: pd.Series, den: pd.Series) -> pd.Series:
    out = 100.0 * num.astype(float) / den.astype(float).where(den > 0)
    return out.round(2)


METRIC_COLUMNS = [
    "unit_id", "received", "assessable", "followed_up", "resolved", "on_time", "late", "timing_unknown",
    "overdue", "pending", "completion_overdue", "rating_sum", "rating_n", "followed_up_pct", "on_time_pct",
    "resolved_pct", "rating", "median_days_to_follow_up", "overdue_max_days",
]


def _count_flags(c: pd.DataFrame) -> pd.DataFrame:
    st = c["state"]
    w = c["n"].astype(int)
    fu_states = st.isin(FOLLOWED_UP_STATES)
    return pd.DataFrame({
        "unit_id": c["unit_id"], "month": c["month"] if "month" in c else pd.NaT, "received": w,
        "assessable": w * st.isin(ASSESSABLE_STATES),
        "followed_up": np.where(fu_states, w, np.where(st.eq(MENUNGGU), c["n_fu_operator"].astype(int), 0)),
        "resolved": w * st.eq(SELESAI),
        "rating_sum": c["rating_sum"].astype(float), "rating_n": c["rating_n"].astype(int),
    })


def unit_metrics(counts: pd.DataFrame, timing: pd.DataFrame) -> pd.DataFrame:
    """Per unit: counts from `counts`, timing (on time, late, overdue, median...) from flagged `timing`."""
    c = counts[counts["unit_id"].notna()]
    if c.empty:
        return pd.DataFrame(columns=METRIC_COLUMNS)
    agg = _count_flags(c).drop(columns="month").astype({"unit_id": int}).groupby("unit_id", sort=True).sum()
    t = timing[timing["unit_id"].notna()].copy()
    t["unit_id"] = t["unit_id"].astype(int)
    w = t["n"].astype(int)
    tim = pd.DataFrame({
        "unit_id": t["unit_id"], "on_time": w * t["on_time"], "late": w * t["late"], "overdue": w * t["overdue"],
        "pending": w * (t["waiting"] & ~t["overdue"]), "completion_overdue": w * t["completion_overdue"],
        "_fu": w * t["followed_up"], "_late_fu": w * t["late_fu"],
    }).groupby("unit_id", sort=True).sum()
    agg = agg.join(tim, how="left").fillna({k: 0 for k in tim.columns})
    for k in tim.columns:
        agg[k] = agg[k].astype(int)
    agg["timing_unknown"] = agg["_fu"] - agg["on_time"] - agg["_late_fu"]
    agg = agg.drop(columns=["_fu", "_late_fu"])
    agg["followed_up_pct"] = _pct(agg["followed_up"], agg["assessable"])
    agg["on_time_pct"] = _pct(agg["on_time"], agg["on_time"] + agg["late"])
    agg["resolved_pct"] = _pct(agg["resolved"], agg["assessable"])
    agg["rating"] = (agg["rating_sum"] / agg["rating_n"].where(agg["rating_n"] > 0)).round(2)
    agg["median_days_to_follow_up"] = _group_weighted_median(t["unit_id"].to_numpy(), t["days_to_follow_up"].to_numpy(
        dtype=float), t["n"].to_numpy(dtype=float))
    agg["overdue_max_days"] = t.loc[t["overdue"]].groupby("unit_id")["days_waiting"].max()
    return agg.reset_index()[METRIC_COLUMNS]


def _group_weighted_median(groups: np.ndarray, values: np.ndarray, weights: np.ndarray) -> pd.Series:
    """Per group, the median of `values` with integer weights (the mean of the two middle ones when the
    total weight is even); vectorised. Groups without a value are absent."""
    ok = ~np.isnan(values) & (weights > 0)
    if not ok.any():
        return pd.Series(dtype=float)
    g, v, w = groups[ok], values[ok], weights[ok]
    order = np.lexsort((v, g))
    g, v, w = g[order], v[order], w[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    cw = np.cumsum(w)
    before = np.r_[0.0, cw][starts]  # weight before each group
    total = np.add.reduceat(w, starts)
    lo_t = before + np.floor((total - 1) / 2.0) + 1  # position (1-based) of the lower middle
    hi_t = before + np.floor(total / 2.0) + 1
    lo = v[np.searchsorted(cw, lo_t, side="left")]
    hi = v[np.searchsorted(cw, hi_t, side="left")]
    return pd.Series((lo + hi) / 2.0, index=g[starts])


def overdue_list(ev: pd.DataFrame) -> pd.DataFrame:
    """The overdue reports (rows of a flagged frame; never grouped): tracking_id, unit_id, report_date,
    days_waiting, limit, days_over (most overdue first)."""
    cols = [c for c in ("tracking_id", "unit_id", "report_date", "disposition_date", "classification",
                        "days_waiting", "limit") if c in ev]
    od = ev.loc[ev["overdue"], cols].copy()
    od["days_over"] = od["days_waiting"] - od["limit"]
    return od.sort_values(["days_waiting", "tracking_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


# --- score, ranking, reward and punishment --------------------------------------------------------


def component_values(m: pd.DataFrame) -> pd.DataFrame:
    """The four score components on a 0-100 scale (NaN where a unit lacks one)."""
    return pd.DataFrame({
        "on_time": m["on_time_pct"].astype(float),
        "followed_up": m["followed_up_pct"].astype(float),
        "resolved": m["resolved_pct"].astype(float),
        "rating": ((m["rating"].astype(float) - 1.0) / 4.0 * 100.0),
    }, index=m.index)


def scores(m: pd.DataFrame, rules: Rules) -> pd.Series:
    comp = component_values(m)
    w = pd.Series({k: float(rules.weights.get(k, 0.0)) for k in COMPONENTS})
    avail = comp.notna()
    num = (comp.fillna(0.0) * w).sum(axis=1)
    den = (avail * w).sum(axis=1)
    return (num / den.where(den > 0)).round(2)


_TIE_KEYS = [("score", False, "skor"), ("overdue", True, "laporan terlambat lebih sedikit"),
             ("on_time_pct", False, "% tepat waktu lebih tinggi"),
             ("followed_up_pct", False, "% ditindaklanjuti lebih tinggi"),
             ("assessable", False, "laporan wajib tindak lanjut lebih banyak")]


def rank_units(metrics: pd.DataFrame, rules: Rules, names: Mapping[int, str] | None = None) -> pd.DataFrame:
    """Metrics + score, rank (competition ranking after the tie rule), reward, punishment and a tie
    explanation. `names` maps unit_id to its name (for sorting ties and the explanation)."""
    m = metrics.copy()
    names = dict(names or {})
    m["unit"] = [names.get(int(u), f"Unit {int(u)}") for u in m["unit_id"]]
    m["assessed"] = m["assessable"] >= int(rules.min_reports)
    m["score"] = scores(m, rules).where(m["assessed"])
    m["rank"] = pd.Series([None] * len(m), index=m.index, dtype=object)
    m["tie_note"] = ""
    a = m[m["assessed"]].copy()
    if len(a):
        a["_on"] = a["on_time_pct"].fillna(-1.0)
        a["_fu"] = a["followed_up_pct"].fillna(-1.0)
        a = a.sort_values(["score", "overdue", "_on", "_fu", "assessable", "unit"],
                          ascending=[False, True, False, False, False, True], kind="stable")
        keys = list(zip(a["score"], a["overdue"], a["_on"], a["_fu"], a["assessable"]))
        ranks = []
        for i, k in enumerate(keys):
            ranks.append(ranks[-1] if i and k == keys[i - 1] else i + 1)
        a["rank"] = ranks
        notes = [""] * len(a)
        rows = a.to_dict("records")
        for i, r in enumerate(rows):
            parts = []
            for j in (i - 1, i + 1):
                if 0 <= j < len(rows) and rows[j]["score"] == r["score"]:
                    parts.append(_tie_sentence(r, rows[j], above=j > i))
            notes[i] = " ".join(parts)
        a["tie_note"] = notes
        m.loc[a.index, "rank"] = a["rank"].astype(object)
        m.loc[a.index, "tie_note"] = a["tie_note"]
        m = m.loc[list(a.index) + [i for i in m.index if i not in set(a.index)]]
    m["reward"] = (m["assessed"] & (m["overdue"] <= int(rules.reward_max_overdue))
                   & m["on_time_pct"].notna()
                   & (m["on_time_pct"].fillna(-1) >= float(rules.reward_min_on_time_pct)))
    m["punishment"] = m["overdue"] > 0
    pun = m[m["punishment"]].copy()
    pun["_mx"] = pun["overdue_max_days"].fillna(0)
    pun = pun.sort_values(["overdue", "_mx", "unit"], ascending=[False, False, True], kind="stable")
    m["punishment_rank"] = pd.Series([None] * len(m), index=m.index, dtype=object)
    m.loc[pun.index, "punishment_rank"] = list(range(1, len(pun) + 1))
    return m.reset_index(drop=True)


def _fmt(x: Any, dec: int = 2) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "-"
    s = f"{float(x):,.{dec}f}"
    return s.replace(",", "X").replace(".", ",").replace("X", ".")


def _tie_sentence(r: dict, other: dict, above: bool) -> str:
    """Why unit r stands before or after `other`, which has the same score."""
    for key, asc, label in _TIE_KEYS[1:]:
        cmp_key = {"on_time_pct": "_on", "followed_up_pct": "_fu"}.get(key, key)
        a, b = r[cmp_key], other[cmp_key]
        if a == b:
            continue
        dec = 0 if key in ("overdue", "assessable") else 2
        va, vb = _fmt(r[key], dec), _fmt(other[key], dec)
        ahead = (a < b) if asc else (a > b)
        if ahead:
            return (f"Skor sama dengan {other['unit']} ({_fmt(r['score'])}); di atasnya karena {label} "
                    f"({va} lawan {vb}).")
        return (f"Skor sama dengan {other['unit']} ({_fmt(r['score'])}); di bawahnya karena {other['unit']} "
                f"{label} ({vb} lawan {va}).")
    return (f"Skor sama dengan {other['unit']} ({_fmt(r['score'])}) dan sama pada semua kriteria pemisah: "
            f"berbagi peringkat {r['rank']}, ditampilkan menurut nama.")


def reward_list(ranked: pd.DataFrame) -> pd.DataFrame:
    return ranked[ranked["reward"]].sort_values(["rank", "unit"], kind="stable").reset_index(drop=True)


def punishment_list(ranked: pd.DataFrame) -> pd.DataFrame:
    return ranked[ranked["punishment"]].sort_values("punishment_rank", kind="stable").reset_index(drop=True)


@dataclass
class Ranking:
    year: int
    snapshot_date: date
    rules: Rules
    units: pd.DataFrame  # rank_units output + overdue_ids
    overdue: pd.DataFrame  # overdue_list output
    counts: pd.DataFrame  # per unit, state and month (see `parts`)
    timing: pd.DataFrame  # the flagged rows requiring follow-up (may be grouped)

    @property
    def rewards(self) -> pd.DataFrame:
        return reward_list(self.units)

    @property
    def punishments(self) -> pd.DataFrame:
        return punishment_list(self.units)

    def trend(self) -> pd.DataFrame:
        return monthly_trend(self.counts, self.timing)


def rank_parts(counts: pd.DataFrame, timing: pd.DataFrame, year: int, snapshot: date, rules: Rules,
               names: Mapping[int, str] | None = None) -> Ranking:
    """The ranking from (counts, timing): flagged here, so the rules are applied in one place."""
    t = flag(timing, rules) if len(timing) else flag(_empty_timing(), rules)
    ranked = rank_units(unit_metrics(counts, t), rules, names)
    od = overdue_list(t)
    ids = od.groupby("unit_id")["tracking_id"].apply(list).to_dict() if len(od) else {}
    ranked["overdue_ids"] = [ids.get(u, []) for u in ranked["unit_id"]]
    return Ranking(year, snapshot, rules, ranked, od, counts, t)


def compute_ranking(frame: pd.DataFrame, year: int, snapshot: date, rules: Rules, cal: WorkCalendar,
                    names: Mapping[int, str] | None = None) -> Ranking:
    """Everything the Peringkat OPD page, its exports and `manage.py rank` show, for one year, from a
    frame of reports with dates (see the module doc)."""
    f = frame[frame["year"] == year] if len(frame) else frame
    counts, timing = parts(evaluate(f if len(f) else _empty_frame(), snapshot, rules, cal))
    return rank_parts(counts, timing, year, snapshot, rules, names)


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame({"unit_id": pd.Series([], dtype=float), "year": pd.Series([], dtype=int),
                         "state": pd.Series([], dtype=object), "report_date": pd.Series([], dtype="datetime64[s]"),
                         "n": pd.Series([], dtype=int), "tracking_id": pd.Series([], dtype=object)})


def _empty_timing() -> pd.DataFrame:
    return pd.DataFrame({"unit_id": pd.Series([], dtype=float), "state": pd.Series([], dtype=object),
                         "n": pd.Series([], dtype=int), "tracking_id": pd.Series([], dtype=object),
                         "month": pd.Series([], dtype="datetime64[s]"), "dk": pd.Series([], dtype=bool),
                         **{c: pd.Series([], dtype=float) for c in DAY_COLUMNS if c != "dk"}})


def _none(x: Any) -> Any:
    if x is None:
        return None
    if isinstance(x, (float, np.floating)) and np.isnan(x):
        return None
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def ranking_document(r: Ranking) -> dict[str, Any]:
    """The JSON of `manage.py rank` (and the exports): exactly the documented keys."""
    units = []
    for row in r.units.to_dict("records"):
        units.append({
            "unit": row["unit"],
            "received": int(row["received"]),
            "followed_up_pct": _none(row["followed_up_pct"]),
            "on_time_pct": _none(row["on_time_pct"]),
            "resolved_pct": _none(row["resolved_pct"]),
            "overdue": int(row["overdue"]),
            "overdue_ids": [str(t) for t in row["overdue_ids"]],
            "median_days_to_follow_up": _none(row["median_days_to_follow_up"]),
            "rating": _none(row["rating"]),
            "score": _none(row["score"]),
            "rank": _none(row["rank"]),
            "assessed": bool(row["assessed"]),
            "reward": bool(row["reward"]),
            "punishment": bool(row["punishment"]),
        })
    return {"year": int(r.year), "snapshot_date": r.snapshot_date.isoformat(), "rules": r.rules.as_dict(),
            "units": units}


def explain(row: Mapping[str, Any], rules: Rules, assessed_count: int | None = None) -> list[str]:
    """The score of one unit (a row of Ranking.units), line by line, in Bahasa Indonesia."""
    lines = []
    rec, ass = int(row["received"]), int(row["assessable"])
    lines.append(f"Laporan diterima: {rec}; wajib ditindaklanjuti: {ass} "
                 f"({rec - ass} menunggu verifikasi, tertunda atau arsip tidak dihitung).")
    if not row["assessed"]:
        lines.append(f"Belum dapat dinilai: laporan wajib tindak lanjut {ass} kurang dari minimal "
                     f"{rules.min_reports}. Unit tidak diberi skor dan peringkat.")
    comp = {
        "on_time": (row["on_time_pct"], f"{int(row['on_time'])} tepat waktu dari {int(row['on_time'] + row['late'])} "
                                        f"yang diketahui waktunya ({int(row['timing_unknown'])} ditindaklanjuti tanpa "
                                        f"waktu yang diketahui tidak dihitung; laporan terlambat dihitung tidak tepat)"),
        "followed_up": (row["followed_up_pct"], f"{int(row['followed_up'])} dari {ass}"),
        "resolved": (row["resolved_pct"], f"{int(row['resolved'])} dari {ass}"),
        "rating": (None if row["rating"] is None or pd.isna(row["rating"]) else (float(row["rating"]) - 1) / 4 * 100,
                   f"rating rata-rata {_fmt(row['rating'])} dari {int(row['rating_n'])} penilaian, "
                   f"(r - 1) / 4 x 100"),
    }
    num = den = 0.0
    missing = []
    for k in COMPONENTS:
        val, how = comp[k]
        wk = float(rules.weights.get(k, 0))
        if val is None or pd.isna(val):
            missing.append(COMPONENT_LABELS[k])
            lines.append(f"{COMPONENT_LABELS[k].capitalize()}: tidak tersedia ({how}); bobot {_fmt(wk, 0)} tidak dipakai.")
            continue
        num += float(val) * wk
        den += wk
        lines.append(f"{COMPONENT_LABELS[k].capitalize()}: {how} = {_fmt(val)} x bobot {_fmt(wk, 0)} = "
                     f"{_fmt(float(val) * wk)}.")
    if row["assessed"] and den > 0:
        if missing:
            lines.append("Bobot komponen yang tidak tersedia dibagi rata ke komponen lain (dibagi jumlah bobot yang dipakai).")
        lines.append(f"Skor = {_fmt(num)} / {_fmt(den, 0)} = {_fmt(row['score'])}.")
        if row.get("rank") is not None and not pd.isna(row.get("rank")):
            tail = f" dari {assessed_count} unit yang dinilai" if assessed_count else ""
            lines.append(f"Peringkat {int(row['rank'])}{tail}.")
        if row.get("tie_note"):
            lines.append(str(row["tie_note"]))
    od = int(row["overdue"])
    lines.append(f"Laporan terlambat tindak lanjut pada tanggal snapshot: {od}"
                 + (f" (Tracking ID: {', '.join(map(str, row.get('overdue_ids') or []))})." if od else "."))
    if row["reward"]:
        lines.append(f"Memenuhi standar minimal untuk reward: terlambat {od} <= {rules.reward_max_overdue} dan "
                     f"tepat waktu {_fmt(row['on_time_pct'])} % >= {_fmt(rules.reward_min_on_time_pct)} %.")
    elif row["assessed"]:
        why = []
        if od > rules.reward_max_overdue:
            why.append(f"laporan terlambat {od} > {rules.reward_max_overdue}")
        if row["on_time_pct"] is None or pd.isna(row["on_time_pct"]):
            why.append("% tepat waktu belum dapat dihitung")
        elif float(row["on_time_pct"]) < float(rules.reward_min_on_time_pct):
            why.append(f"tepat waktu {_fmt(row['on_time_pct'])} % < {_fmt(rules.reward_min_on_time_pct)} %")
        lines.append("Belum memenuhi standar minimal reward: " + "; ".join(why) + ".")
    if row["punishment"]:
        lines.append(f"Masuk daftar punishment (peringkat {int(row['punishment_rank'])}): {od} laporan tidak "
                     f"ditindaklanjuti melewati batas waktu.")
    return lines


# --- trends, Tabel 2, public aggregates -----------------------------------------------------------


def monthly_trend(counts: pd.DataFrame, timing: pd.DataFrame) -> pd.DataFrame:
    """Per unit and month of Tanggal Laporan Masuk: received, followed up, selesai, overdue (at S)."""
    c = _count_flags(counts)
    g = c.drop(columns=["rating_sum", "rating_n"]).groupby(["unit_id", "month"], dropna=False, sort=True).sum()
    t = timing[timing["overdue"]] if len(timing) else timing
    if len(t):
        od = pd.DataFrame({"unit_id": t["unit_id"], "month": pd.to_datetime(t["month"]), "overdue": t["n"].astype(int)})
        g = g.join(od.groupby(["unit_id", "month"], dropna=False).sum(), how="left")
    else:
        g["overdue"] = 0
    g["overdue"] = g["overdue"].fillna(0).astype(int)
    g = g.reset_index()
    g["followed_up_pct"] = _pct(g["followed_up"], g["assessable"])
    g["resolved_pct"] = _pct(g["resolved"], g["assessable"])
    return g


def trend_total(trend: pd.DataFrame, unit_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """A monthly_trend summed over units (all, or `unit_ids`): received, followed up, selesai, overdue."""
    t = trend if unit_ids is None else trend[trend["unit_id"].isin(list(unit_ids))]
    g = t.groupby("month", as_index=False)[["received", "assessable", "followed_up", "resolved", "overdue"]].sum()
    g["followed_up_pct"] = _pct(g["followed_up"], g["assessable"])
    g["resolved_pct"] = _pct(g["resolved"], g["assessable"])
    return g


@dataclass(frozen=True)
class Tabel2:
    """Tabel 2 (and the Tabel 6 actuals) from imported reports for one year."""

    year: int
    months: int
    received: int
    resolved: int  # selesai
    unresolved: int  # arsip: declared not resolvable / not the pemda's
    in_process: int  # everything else (verification, waiting, diproses, tertunda)
    followed_up: int
    overdue: int

    @property
    def general(self) -> GeneralFigures:
        return GeneralFigures(self.year, self.received, self.resolved, self.unresolved, self.months)

    @property
    def resolved_pct(self) -> Optional[float]:
        return self.general.resolved_pct


def tabel2(counts: pd.DataFrame, timing: pd.DataFrame, year: int, months: int) -> Tabel2:
    """Tabel 2 of one year from (counts, flagged timing); every report, disposed or not."""
    w = counts["n"].astype(int)
    st = counts["state"]
    fl = _count_flags(counts)
    od = int((timing["n"].astype(int) * timing["overdue"]).sum()) if len(timing) else 0
    return Tabel2(
        year=year, months=months, received=int(w.sum()), resolved=int(w[st == SELESAI].sum()),
        unresolved=int(w[st == ARSIP].sum()), in_process=int(w[~st.isin([SELESAI, ARSIP])].sum()),
        followed_up=int(fl["followed_up"].sum()), overdue=od,
    )


def months_covered(year: int, snapshot: date) -> int:
    """A past year counts 12 months; the snapshot's own year counts up to the snapshot's month."""
    if snapshot.year > year:
        return 12
    if snapshot.year < year:
        return 0
    return snapshot.month


def public_aggregates(counts: pd.DataFrame, by: str) -> pd.DataFrame:
    """Counts for the public statistics, from a counts frame: `by` is a column of it ('month',
    'category', 'unit_id', or a constant). Only counts and percentages (received, % followed up,
    % selesai): no names, texts or Tracking IDs."""
    fl = _count_flags(counts).drop(columns=["unit_id", "month", "rating_sum", "rating_n"])
    fl[by] = counts[by].astype(object).fillna("").to_numpy() if by == "category" else counts[by].to_numpy()
    g = fl.groupby(by, dropna=False, sort=True).sum().reset_index()
    g["followed_up_pct"] = _pct(g["followed_up"], g["assessable"])
    g["resolved_pct"] = _pct(g["resolved"], g["assessable"])
    return g[[by, "received", "followed_up_pct", "resolved_pct"]]


# --- state at a snapshot date from the change-only history ---------------------------------------


def state_as_of(history: pd.DataFrame, snapshot: date, snapshot_id: int | None = None) -> pd.DataFrame:
    """Per report known at S: `state`, `unit_id`, `followed_up_seen`, `waiting_seen`.

    `history`: report_id, snapshot_id, snapshot_date, state, unit_id, prev_seen_date - change-only rows:
    a report's state holds from its row until the next row, whose `prev_seen_date` is the last sighting
    in the earlier state. `followed_up_seen` = date of the first row in diproses/selesai; `waiting_seen`
    = the last sighting in menunggu tindak lanjut before that. Rows after S (or, on S itself, of a later
    snapshot than `snapshot_id`) are ignored."""
    cols = ["report_id", "state", "unit_id", "followed_up_seen", "waiting_seen"]
    h = history.copy()
    if h.empty:
        return pd.DataFrame(columns=cols)
    h["snapshot_date"] = pd.to_datetime(h["snapshot_date"])
    h["prev_seen_date"] = pd.to_datetime(h["prev_seen_date"])
    s = pd.Timestamp(snapshot)
    keep = h["snapshot_date"] < s
    same = h["snapshot_date"] == s
    keep |= same & ((h["snapshot_id"] <= snapshot_id) if snapshot_id is not None else True)
    h = h[keep].sort_values(["report_id", "snapshot_date", "snapshot_id"], kind="stable").reset_index(drop=True)
    if h.empty:
        return pd.DataFrame(columns=cols)
    g = h.groupby("report_id", sort=False)
    last = g.tail(1).set_index("report_id")
    h["seq"] = g.cumcount()
    h["until"] = g["prev_seen_date"].shift(-1)  # last sighting while in this row's state
    is_fu = h["state"].isin(FOLLOWED_UP_STATES)
    first_fu = h[is_fu].groupby("report_id", sort=False).head(1).set_index("report_id")
    out = pd.DataFrame({"state": last["state"], "unit_id": last["unit_id"]})
    out["followed_up_seen"] = first_fu["snapshot_date"].reindex(out.index)
    fu_seq = first_fu["seq"].reindex(h["report_id"]).to_numpy()
    before_fu = np.isnan(fu_seq.astype(float)) | (h["seq"].to_numpy() < fu_seq)
    waits = h[(h["state"] == MENUNGGU).to_numpy() & before_fu & is_fu.groupby(h["report_id"]).transform("any").to_numpy()]
    out["waiting_seen"] = waits.groupby("report_id")["until"].max().reindex(out.index)
    return out.reset_index()


MONTHS_ID = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def month_label(d) -> str:
    """A month for Indonesian readers: 2026-05-01 -> "Mei 2026"."""
    t = pd.Timestamp(d)
    return f"{MONTHS_ID[t.month - 1]} {t.year}"
