"""Small-count suppression for published tables (Statistik Publik), so that no reporter can be singled out.

The rule, for one table whose rows add up to a published total (per month, per category, per unit):

1. A row with fewer than `min_count` reports (but at least one) is *small*: its count is shown as
   "< min_count" and its percentages are hidden.
2. The total minus the shown rows gives the sum of the hidden rows. Whenever that sum would let a
   reader work out a small row's exact count - always so when only one row is hidden, also e.g. for
   two hidden rows adding up to 2 - the smallest shown row (the first of equal ones) is hidden as
   well (*complement*, shown as "disembunyikan"), and again, until no small row can be worked out.
   What the reader is assumed to know: the total, every shown row, that a small row holds 1 to
   min_count - 1 reports, and that a complement holds at least min_count and at most the smallest
   row still shown.
3. A total below `min_count` is itself small: the caller hides it, and then nothing can be subtracted.

Rows with 0 reports stay shown (nobody can be singled out in an empty cell). `min_count` 1 or less
switches suppression off. Pure: no Streamlit, no database.
"""
from __future__ import annotations

from typing import Sequence

SHOWN = "shown"
SMALL = "small"
COMPLEMENT = "complement"


def total_is_small(total: int, min_count: int) -> bool:
    return min_count > 1 and 0 < int(total) < min_count


def _some_small_row_determined(counts: Sequence[int], status: list[str], min_count: int) -> bool:
    hidden = [i for i, s in enumerate(status) if s != SHOWN]
    shown = [int(counts[i]) for i, s in enumerate(status) if s == SHOWN and counts[i] > 0]
    total_hidden = sum(int(counts[i]) for i in hidden)
    comp_hi = min(shown) if shown else total_hidden
    lo = {i: (1 if status[i] == SMALL else min_count) for i in hidden}
    hi = {i: (min_count - 1 if status[i] == SMALL else comp_hi) for i in hidden}
    sum_lo, sum_hi = sum(lo.values()), sum(hi.values())
    for i in hidden:
        if status[i] != SMALL:
            continue
        least = max(lo[i], total_hidden - (sum_hi - hi[i]))
        most = min(hi[i], total_hidden - (sum_lo - lo[i]))
        if least >= most:
            return True
    return False


def suppress(counts: Sequence[int], min_count: int) -> list[str]:
    """Per row of a table: SHOWN, SMALL (shown as "< min_count") or COMPLEMENT (hidden so that the
    small rows cannot be worked out from the total), by the rule in the module docstring."""
    counts = [int(c) for c in counts]
    if min_count <= 1:
        return [SHOWN] * len(counts)
    status = [SMALL if 0 < c < min_count else SHOWN for c in counts]
    if SMALL not in status or total_is_small(sum(counts), min_count):
        return status  # nothing hidden, or the total is hidden too: nothing to subtract from
    while _some_small_row_determined(counts, status, min_count):
        candidates = [i for i, s in enumerate(status) if s == SHOWN and counts[i] > 0]
        if not candidates:
            break
        status[min(candidates, key=lambda i: (counts[i], i))] = COMPLEMENT
    return status
