"""The leadership scorecard's own numbers: the chosen year's aspect scores against the previous year,
with a trend arrow and a sort by improvement. Pure: plain values in, plain values out.

Rules
- Means are compared as shown: each rounded to 2 decimals (half away from zero, `round2`) first,
  so the arrow always agrees with the two numbers on the screen and in the PDF.
- delta = mean(year) - mean(previous year). ▲ when delta > 0 (better: a higher mean is better),
  ▼ when delta < 0, ▶ when equal. No previous mean (or no current mean): no arrow, "tidak ada pembanding".
- Priority moves the other way: priority 1 is the most urgent. `priority_change` = previous - current
  (positive: the aspect became less urgent).
- Sort by improvement: largest delta first; aspects without a delta last; ties in Tabel 5 order.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from .assessment import AspectResult, round2

UP, DOWN, SAME = "▲", "▼", "▶"
TREND_LABELS = {UP: "membaik", DOWN: "menurun", SAME: "tetap", None: "tidak ada pembanding"}
# Where a font lacks the arrows (core PDF fonts), the same meaning in words.
ASCII_ARROWS = {UP: "naik", DOWN: "turun", SAME: "tetap", None: "-"}


@dataclass(frozen=True)
class AspectTrend:
    key: str
    name: str
    order: int
    mean: Optional[float]
    previous_mean: Optional[float]
    delta: Optional[float]
    arrow: Optional[str]
    priority: Optional[int]
    previous_priority: Optional[int]

    @property
    def trend_label(self) -> str:
        return TREND_LABELS[self.arrow]

    @property
    def priority_change(self) -> Optional[int]:
        if self.priority is None or self.previous_priority is None:
            return None
        return self.previous_priority - self.priority


def arrow(delta: Optional[float]) -> Optional[str]:
    if delta is None:
        return None
    if delta > 0:
        return UP
    if delta < 0:
        return DOWN
    return SAME


def compare_aspects(current: Sequence[AspectResult], previous: Sequence[AspectResult] | None) -> list[AspectTrend]:
    """One row per aspect of the current year (Tabel 5 order), matched to the previous year by key."""
    prev = {a.key: a for a in (previous or [])}
    out = []
    for a in sorted(current, key=lambda r: r.order):
        p = prev.get(a.key)
        mean = round2(a.mean)
        pmean = round2(p.mean) if p is not None else None
        delta = round2(mean - pmean) if mean is not None and pmean is not None else None
        out.append(AspectTrend(a.key, a.name, a.order, mean, pmean, delta, arrow(delta),
                               a.priority if a.mean is not None else None,
                               (p.priority if p.mean is not None else None) if p is not None else None))
    return out


def sort_by_improvement(rows: Sequence[AspectTrend], best_first: bool = True) -> list[AspectTrend]:
    with_delta = sorted((r for r in rows if r.delta is not None),
                        key=lambda r: (-r.delta if best_first else r.delta, r.order))
    return with_delta + sorted((r for r in rows if r.delta is None), key=lambda r: r.order)


@dataclass(frozen=True)
class TrendSummary:
    improved: int
    declined: int
    same: int
    not_comparable: int
    mean_delta: Optional[float]


def summarize(rows: Sequence[AspectTrend]) -> TrendSummary:
    deltas = [r.delta for r in rows if r.delta is not None]
    return TrendSummary(
        improved=sum(1 for r in rows if r.arrow == UP),
        declined=sum(1 for r in rows if r.arrow == DOWN),
        same=sum(1 for r in rows if r.arrow == SAME),
        not_comparable=sum(1 for r in rows if r.arrow is None),
        mean_delta=round2(sum(deltas) / len(deltas)) if deltas else None,
    )
