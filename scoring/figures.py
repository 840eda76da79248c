"""Tabel 2 "Informasi umum": the general complaint figures of one year."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class GeneralFigures:
    year: int
    received: int
    resolved: int
    unresolved: int
    months: int = 12

    @property
    def monthly_exact(self) -> float:
        return self.received / self.months

    @property
    def monthly_printed(self) -> int:
        """As the seed prints it: the exact monthly mean rounded down (91/12 = 7.58 -> 7)."""
        return self.received // self.months

    @property
    def resolved_pct(self) -> Optional[float]:
        return None if self.received == 0 else 100.0 * self.resolved / self.received

    @property
    def unresolved_pct(self) -> Optional[float]:
        return None if self.received == 0 else 100.0 * self.unresolved / self.received

    @property
    def pending(self) -> int:
        """Reports neither resolved nor declared unresolvable (still in process)."""
        return self.received - self.resolved - self.unresolved


def check(received: int, resolved: int, unresolved: int, months: int) -> list[str]:
    """Faults of a Tabel 2 entry, in Bahasa Indonesia; empty when consistent."""
    out = []
    for name, v in (("Jumlah pengaduan", received), ("Jumlah diselesaikan", resolved),
                    ("Jumlah tidak dapat diselesaikan", unresolved)):
        if v is None or int(v) != v or v < 0:
            out.append(f"{name} harus bilangan bulat 0 atau lebih.")
    if not out and resolved + unresolved > received:
        out.append(
            f"Jumlah diselesaikan ({resolved}) ditambah tidak dapat diselesaikan ({unresolved}) "
            f"melebihi jumlah pengaduan ({received})."
        )
    if not 1 <= months <= 12:
        out.append("Jumlah bulan yang dicakup harus 1 sampai 12.")
    return out
