"""SP4N-LAPOR! complaints: snapshots (one per imported export), reports, their status history, the
raw-to-canonical status table and the cuti bersama days (docs/complaints.md).

Status history is kept change-only: a report gets a `ComplaintStatus` row when it is first seen and
whenever its status or its unit changes in a later snapshot. Its state at any snapshot date S is
the last row dated on or before S. `ComplaintReport` also keeps the current (latest) view and the
dates the ranking needs (`followed_up_seen_date`, `waiting_seen_date`) so that the default ranking
reads one table.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import BigInteger, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .core import utcnow


class ComplaintSnapshot(SQLModel, table=True):
    """One imported export, dated by its Tanggal Generate (or the date the importer gave)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    snapshot_date: date = Field(index=True)
    generated_date: Optional[date] = None
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=10)  # xlsx | csv | demo
    rows: int = 0
    new_count: int = 0
    updated_count: int = 0
    unchanged_count: int = 0
    synthetic: bool = False  # demo data: labelled "DATA SINTETIS (demo)" wherever it shows
    label: Optional[str] = Field(default=None, max_length=120)
    imported_by: str = Field(max_length=120)
    imported_at: datetime = Field(default_factory=utcnow)


class ComplaintReport(SQLModel, table=True):
    """A LAPOR! report, upserted by Tracking ID. Fields marked personal are never shown on public
    pages, written to logs or put in exports meant for sharing. Few indexes on purpose: a million-row
    import pays for every one of them."""

    __table_args__ = (Index("ix_complaintreport_unit_year", "unit_id", "year"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    tracking_id: str = Field(max_length=20, unique=True, index=True)
    report_date: date  # Tanggal Laporan Masuk
    year: int  # no index of its own: a year is half the table; (unit_id, year) serves the unit pages
    report_time: Optional[str] = Field(default=None, max_length=20)
    reporter_name: Optional[str] = Field(default=None, sa_column=Column(Text))  # personal
    classification: str = Field(default="", sa_column=Column(Text, nullable=False))
    category_id: Optional[str] = Field(default=None, sa_column=Column(Text))
    category: Optional[str] = Field(default=None, sa_column=Column(Text))
    title: Optional[str] = Field(default=None, sa_column=Column(Text))  # personal
    body_initial: Optional[str] = Field(default=None, sa_column=Column(Text))  # personal
    body_final: Optional[str] = Field(default=None, sa_column=Column(Text))  # personal
    report_type: str = Field(default="Biasa", max_length=10)  # Biasa | Anonim | Rahasia
    channel: Optional[str] = Field(default=None, sa_column=Column(Text))
    parent_instansi: Optional[str] = Field(default=None, sa_column=Column(Text))
    instansi_id: Optional[str] = Field(default=None, sa_column=Column(Text))
    instansi_name: Optional[str] = Field(default=None, sa_column=Column(Text))
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id")  # None: not yet disposed
    status_raw: str = Field(sa_column=Column(Text, nullable=False))
    status_key: str = Field(max_length=200)
    state: str = Field(max_length=30)
    hold_reason: Optional[str] = Field(default=None, sa_column=Column(Text))  # personal
    province: Optional[str] = Field(default=None, sa_column=Column(Text))
    city: Optional[str] = Field(default=None, sa_column=Column(Text))
    district: Optional[str] = Field(default=None, sa_column=Column(Text))
    village: Optional[str] = Field(default=None, sa_column=Column(Text))
    sk_number: Optional[str] = Field(default=None, sa_column=Column(Text))
    sk_url: Optional[str] = Field(default=None, sa_column=Column(Text))
    annual_report_url: Optional[str] = Field(default=None, sa_column=Column(Text))
    setwapres: Optional[str] = Field(default=None, sa_column=Column(Text))
    rating: Optional[float] = None
    # dates operators recorded (not in the LAPOR! export)
    disposition_date: Optional[date] = None
    follow_up_date: Optional[date] = None
    completion_date: Optional[date] = None
    # what the snapshots tell
    first_snapshot_id: int = Field(foreign_key="complaintsnapshot.id")
    first_seen_date: date
    last_snapshot_id: int = Field(foreign_key="complaintsnapshot.id")
    last_seen_date: date
    followed_up_seen_date: Optional[date] = None  # first snapshot seeing it followed up (diproses/selesai)
    waiting_seen_date: Optional[date] = None  # last snapshot seeing it still waiting, before that
    content_hash: int = Field(sa_column=Column(BigInteger, nullable=False))  # 64-bit hash of the row's content


class ComplaintStatus(SQLModel, table=True):
    """Status history, change-only: first sighting and every change of status or unit."""

    __table_args__ = (UniqueConstraint("report_id", "snapshot_id", name="uq_complaintstatus_report_snapshot"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="complaintreport.id")  # indexed by the unique constraint
    snapshot_id: int = Field(foreign_key="complaintsnapshot.id")
    snapshot_date: date
    status_raw: str = Field(sa_column=Column(Text, nullable=False))
    status_key: str = Field(max_length=200)
    state: str = Field(max_length=30)
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    prev_seen_date: Optional[date] = None  # the report's previous sighting (any snapshot), if any


class ComplaintStatusMap(SQLModel, table=True):
    """Raw LAPOR! status (normalised: case and spaces ignored) -> canonical state. Admins extend it."""

    key: str = Field(primary_key=True, max_length=200)
    raw: str = Field(max_length=200)
    state: str = Field(max_length=30)
    source: str = Field(default="bawaan", max_length=20)  # bawaan (data file) | admin | impor
    updated_by: str = Field(max_length=120)
    updated_at: datetime = Field(default_factory=utcnow)


class NonWorkingDay(SQLModel, table=True):
    """A cuti bersama day (national holidays come from the `holidays` package)."""

    day: date = Field(primary_key=True)
    year: int = Field(index=True)
    note: Optional[str] = Field(default=None, max_length=200)
    updated_by: str = Field(max_length=120)
    updated_at: datetime = Field(default_factory=utcnow)


class ComplaintAggregate(SQLModel, table=True):
    """The ranking's inputs for one snapshot and year, aggregated (derived data: recomputed whenever it
    is missing): per unit/state/month/category counts and the grouped working-day numbers
    (scoring.ranking.parts + compact_timing), as Arrow IPC bytes. Written at the end of every import,
    so the Peringkat OPD page never scans a million reports. `calendar_key` identifies the working-day
    calendar (holidays + cuti bersama) the day numbers were counted with; `cap` the cap on them."""

    __table_args__ = (UniqueConstraint("snapshot_id", "year", "calendar_key", name="uq_complaintaggregate"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="complaintsnapshot.id", index=True)
    year: int
    calendar_key: str = Field(max_length=64)
    cap: int
    counts: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    timing: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class ComplaintUndo(SQLModel, table=True):
    """What an import overwrote, so that the latest snapshot can be removed again (undo a mistaken
    import): the full previous rows of the reports it changed and the sighting fields of those it only
    saw again, as Arrow IPC. Deleted together with its snapshot."""

    snapshot_id: int = Field(foreign_key="complaintsnapshot.id", primary_key=True)
    changed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    touched: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


__all__ = ["ComplaintSnapshot", "ComplaintReport", "ComplaintStatus", "ComplaintStatusMap", "NonWorkingDay",
           "ComplaintAggregate", "ComplaintUndo"]
