"""Core tables: units, the instrument, assessments and their answers, Tabel 2, users, audit, settings."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC (SQLModel's UTCDateTime refuses naive values); pages show it in WIB."""
    return datetime.now(timezone.utc)


# --- organisation -------------------------------------------------------------------------------

class Unit(SQLModel, table=True):
    """An instansi (the pemda itself), an OPD or a kecamatan."""

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    kind: str = Field(max_length=20)  # instansi | opd | kecamatan
    active: bool = True
    confirmed: bool = True  # False: taken from an unofficial list, to be confirmed
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)


class UnitAlias(SQLModel, table=True):
    """Another name for a unit, as LAPOR! exports or people write it. `key` is the normalised form."""

    id: Optional[int] = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    alias: str = Field(max_length=250)
    key: str = Field(index=True, unique=True, max_length=250)


# --- the method ---------------------------------------------------------------------------------

class InstrumentVersion(SQLModel, table=True):
    """A frozen copy of the instrument (questions, aspects, mapping, categories).

    An assessment points at the version it was scored with, so a later change of the mapping or the
    thresholds never rewrites an earlier year's result.
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    number: int = Field(unique=True, index=True)
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    checksum: str = Field(max_length=64)
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)


# --- the self-assessment ------------------------------------------------------------------------

class Assessment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_assessment_unit_year"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    year: int = Field(index=True)
    instrument_version_id: int = Field(foreign_key="instrumentversion.id")
    state: str = Field(default="draf", max_length=20)
    version: int = 1  # bumped by every state change: a transition based on an old view is refused
    return_comment: Optional[str] = Field(default=None, sa_column=Column(Text))
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Answer(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("assessment_id", "question_no", name="uq_answer_question"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    question_no: int
    score: Optional[int] = None
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    evidence_link: Optional[str] = Field(default=None, max_length=1000)
    version: int = 1  # optimistic lock per answer: two people on different questions never clash
    updated_by: str = Field(max_length=120)
    updated_at: datetime = Field(default_factory=utcnow)


class AssessmentEvent(SQLModel, table=True):
    """The visible history of an assessment's states (the audit log holds every field change)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    from_state: str = Field(max_length=20)
    to_state: str = Field(max_length=20)
    comment: Optional[str] = Field(default=None, sa_column=Column(Text))
    actor: str = Field(max_length=120)
    at: datetime = Field(default_factory=utcnow)


class PriorityDecision(SQLModel, table=True):
    """Tabel 5: the team's final priority for one aspect, with its reason (Alasan)."""

    __table_args__ = (UniqueConstraint("assessment_id", "aspect_key", name="uq_priority_aspect"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    aspect_key: str = Field(max_length=60)
    final_priority: Optional[int] = None  # None: the suggestion stands
    reason: Optional[str] = Field(default=None, sa_column=Column(Text))
    decided_by: str = Field(max_length=120)
    decided_at: datetime = Field(default_factory=utcnow)


class Evidence(SQLModel, table=True):
    """A file or a link backing an answer, a rencana aksi item, an indicator...

    `owner_type` + `owner_id` say what it belongs to. File content lives in EvidenceBlob, in the
    database, so a save is one transaction and several app replicas see the same files.
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    owner_type: str = Field(max_length=40, index=True)
    owner_id: int = Field(index=True)
    kind: str = Field(max_length=10)  # file | link
    url: Optional[str] = Field(default=None, max_length=1000)
    filename: Optional[str] = Field(default=None, max_length=255)
    content_type: Optional[str] = Field(default=None, max_length=120)
    size: Optional[int] = None
    sha256: Optional[str] = Field(default=None, max_length=64)
    uploaded_by: str = Field(max_length=120)
    uploaded_at: datetime = Field(default_factory=utcnow)
    removed: bool = False


class EvidenceBlob(SQLModel, table=True):
    evidence_id: int = Field(foreign_key="evidence.id", primary_key=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class GeneralFigures(SQLModel, table=True):
    """Tabel 2 for one unit and year, entered by hand (LAPOR! imports compute their own)."""

    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_figures_unit_year"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    year: int
    months: int = 12  # months the count covers ("2021 (Desember)" is a full year)
    received: int
    resolved: int
    unresolved: int
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    version: int = 1
    updated_by: str = Field(max_length=120)
    updated_at: datetime = Field(default_factory=utcnow)


# --- people -------------------------------------------------------------------------------------

class User(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=80)
    full_name: str = Field(max_length=200)
    role: str = Field(max_length=30)
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    password_hash: str = Field(max_length=255)
    active: bool = True
    session_version: int = 1  # bumped on password change or deactivation: other sessions end
    failed_logins: int = 0
    locked_until: Optional[datetime] = None
    font_scale: int = 100
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: Optional[datetime] = None


class AuditLog(SQLModel, table=True):
    """Append-only record of every write. A database trigger refuses UPDATE and DELETE."""

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=120, index=True)
    actor_role: str = Field(max_length=30)
    action: str = Field(max_length=60, index=True)
    entity: str = Field(max_length=60, index=True)
    entity_id: Optional[str] = Field(default=None, max_length=120)
    old: Optional[Any] = Field(default=None, sa_column=Column(JSON))
    new: Optional[Any] = Field(default=None, sa_column=Column(JSON))


class Setting(SQLModel, table=True):
    """A knob of the method (weights, thresholds, limits). Defaults come from data/settings.yaml."""

    key: str = Field(primary_key=True, max_length=120)
    value: Any = Field(sa_column=Column(JSON))
    updated_by: str = Field(max_length=120)
    updated_at: datetime = Field(default_factory=utcnow)
