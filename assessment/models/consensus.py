"""Independent scoring by the members of the Tim Asesor, and the consensus set by the team lead.

The consensus score itself is written into the assessment's `Answer` (so results, priorities and
exports score it); `ConsensusDecision` records who decided it, the note, and the spread of the
individual scores at that moment.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .core import utcnow

__all__ = ["IndividualScore", "AssessorSubmission", "ConsensusLead", "ConsensusRound", "ConsensusDecision"]


class IndividualScore(SQLModel, table=True):
    """One assessor's own score (and note) for one question of one assessment."""

    __table_args__ = (
        UniqueConstraint("assessment_id", "assessor", "question_no", name="uq_individual_score"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    assessor: str = Field(max_length=120, index=True)  # username
    question_no: int
    score: Optional[int] = None
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow)


class AssessorSubmission(SQLModel, table=True):
    """An assessor's set of scores for an assessment; `submitted_at` set = submitted and frozen."""

    __table_args__ = (UniqueConstraint("assessment_id", "assessor", name="uq_assessor_submission"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    assessor: str = Field(max_length=120)
    full_name: str = Field(default="", max_length=200)
    started_at: datetime = Field(default_factory=utcnow)
    submitted_at: Optional[datetime] = None


class ConsensusLead(SQLModel, table=True):
    """The ketua tim of an assessment (unit + year): the one Tim Asesor member, designated by an admin,
    who opens the consensus and sets the consensus scores (an admin may always do both)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", unique=True, index=True)
    lead: str = Field(max_length=120)  # username of a tim_asesor
    full_name: str = Field(default="", max_length=200)
    designated_by: str = Field(max_length=120)
    designated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class ConsensusRound(SQLModel, table=True):
    """The team lead opened the consensus of an assessment: independent scoring is closed and the
    submitted scores are visible to everyone who may read the assessment."""

    id: Optional[int] = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", unique=True, index=True)
    opened_by: str = Field(max_length=120)
    opened_at: datetime = Field(default_factory=utcnow)


class ConsensusDecision(SQLModel, table=True):
    """The team lead's consensus for one question: the score written into Answer, and the note."""

    __table_args__ = (UniqueConstraint("assessment_id", "question_no", name="uq_consensus_question"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    question_no: int
    score: int
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    spread: Optional[int] = None
    assessors: int = 0  # how many submitted sets the decision was based on
    version: int = 1
    decided_by: str = Field(max_length=120)
    decided_at: datetime = Field(default_factory=utcnow)
