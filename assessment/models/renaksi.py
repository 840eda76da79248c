"""Rencana aksi tables: the catalogue of Tabel 7/9, the plan (baseline and current) per year, the
progress per item and year, the responsible units, and Tabel 8's indicators with their status.

Evidence of a progress row or an indicator status lives in `Evidence` with owner_type
"renaksi_progress" / "indicator_status" and owner_id the row's id.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .core import utcnow

__all__ = [
    "RenaksiItem", "RenaksiPlanYear", "RenaksiProgress", "RenaksiResponsible", "RenaksiIndicator",
    "RenaksiIndicatorStatus",
]


class RenaksiItem(SQLModel, table=True):
    """A kelompok program (level kp), program or kegiatan. `code` is its identity ("KP I", "I.2.3")."""

    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True, index=True)
    kp: str = Field(max_length=5, index=True)  # I..V
    level: str = Field(max_length=10)  # kp | program | kegiatan
    parent_id: Optional[int] = Field(default=None, foreign_key="renaksiitem.id")
    title: str = Field(sa_column=Column(Text, nullable=False))  # Tabel 9 wording (Tabel 7 for tabel7-only)
    title_tabel7: Optional[str] = Field(default=None, sa_column=Column(Text))  # where Tabel 7 differs
    printed_code: Optional[str] = Field(default=None, max_length=20)
    parties: str = Field(default="", sa_column=Column(Text, nullable=False))  # pihak terlibat as printed
    source: str = Field(max_length=10)  # tabel9 | tabel7 | portal (added by an admin)
    in_tabel7: bool = True
    tabel7_code: Optional[str] = Field(default=None, max_length=20)  # Tabel 7's code when it differs
    tabel9_code: Optional[str] = Field(default=None, max_length=20)  # Tabel 9's code when it differs
    notes: Optional[str] = Field(default=None, sa_column=Column(Text))
    position: int = 0
    active: bool = True
    retired_reason: Optional[str] = Field(default=None, sa_column=Column(Text))
    version: int = 1  # bumped by every catalogue or plan change (optimistic lock)
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(max_length=120)
    updated_at: datetime = Field(default_factory=utcnow)


class RenaksiPlanYear(SQLModel, table=True):
    """One year of an item's plan: in the baseline (as first loaded) and/or in the current plan."""

    __table_args__ = (UniqueConstraint("item_id", "year", name="uq_renaksi_plan_item_year"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="renaksiitem.id", index=True)
    year: int
    baseline: bool = False
    current: bool = False


class RenaksiProgress(SQLModel, table=True):
    """Status and progress of one item in one year. No row yet = Belum dimulai, 0 %, version 0."""

    __table_args__ = (UniqueConstraint("item_id", "year", name="uq_renaksi_progress_item_year"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="renaksiitem.id", index=True)
    year: int
    status: str = Field(default="belum_dimulai", max_length=20)
    progress: int = 0
    reason: Optional[str] = Field(default=None, sa_column=Column(Text))  # why Tidak dilaksanakan
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    version: int = 1  # optimistic lock: a save based on an older version is refused
    updated_by: str = Field(max_length=120)
    updated_at: datetime = Field(default_factory=utcnow)


class RenaksiResponsible(SQLModel, table=True):
    """A unit responsible for an item (all its years). operator_opd may update only these items."""

    __table_args__ = (UniqueConstraint("item_id", "unit_id", name="uq_renaksi_responsible"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="renaksiitem.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)


class RenaksiIndicator(SQLModel, table=True):
    """One success indicator of Tabel 8 (`code` = "<program no>.<n>", e.g. "2.3")."""

    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=10, unique=True, index=True)
    program_no: int
    program_name: str = Field(max_length=200)
    kp: str = Field(max_length=5)
    text: str = Field(sa_column=Column(Text, nullable=False))
    position: int = 0
    active: bool = True


class RenaksiIndicatorStatus(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("indicator_id", "year", name="uq_renaksi_indicator_year"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="renaksiindicator.id", index=True)
    year: int
    status: str = Field(default="belum_dinilai", max_length=20)
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    version: int = 1
    updated_by: str = Field(max_length=120)
    updated_at: datetime = Field(default_factory=utcnow)
