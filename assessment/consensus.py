"""Independent scoring by the Tim Asesor, then a consensus set by the team lead.

The round of one assessment has two phases.

1. Penilaian mandiri (independent scoring). Each member (role tim_asesor or admin, with
   Perm.ASSESSMENT_EDIT for the unit) fills in their own 22 scores, with a note, and submits them.
   A submitted set is frozen. The blind rule, enforced here in the service (`comparison`):
   - your own scores are always visible to you;
   - the scores of others are shown only once THEY have submitted (drafts are never shown);
   - if you have started scoring, you see the others' submitted scores only after submitting yours;
   - if you have not scored (verifikator, pimpinan, a lead who only moderates, an operator of the
     unit), you see no score at all until the consensus is opened: only who has submitted and how
     far each member is.
   The audit log does not show the values of unsubmitted scores either: a save is recorded with the
   questions it changed, a submission with the number of answers and a SHA-256 fingerprint of the
   set, and the opening of the consensus with every submitted set in full.
2. Konsensus. The ketua tim (team lead) opens the consensus once at least two members have submitted.
   The ketua is designated per assessment (unit + year) by an admin (`set_lead`, Perm.USERS_MANAGE:
   composing the team is people management): one active user with the role tim_asesor, changeable by
   an admin while the assessment is editable, every designation audited (`consensus.lead_set`). Only
   the designated ketua, or an admin, may open the consensus and set consensus scores (`_require_lead`,
   after Perm.ASSESSMENT_CONSENSUS); until a ketua is designated only an admin may. Independent scoring is then closed (drafts
   not submitted are left out and can no longer be changed) and everyone who may read the
   assessment sees every submitted score, the spread, the flags (spread >= 2) and the agreement
   figures. The lead sets the consensus score per question with a note (required wherever the
   members' scores differ). The consensus score is written into the assessment's Answer through
   `assessments.save_answers`, so results, priorities and exports score it; `ConsensusDecision`
   keeps who decided, the note, and the spread at that moment.

Every write is audited. `set_consensus` writes the answers (through `assessments.save_answers_in`)
and its decision records in one transaction: both or neither.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Optional

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from scoring.agreement import QUADRATIC, TeamAgreement, spread, team_agreement

from . import assessments, audit, instrument
from .assessments import STATES, AnswerChange
from .db import read_only, transaction
from .errors import ConflictError, NotFound, PermissionDenied, ValidationError
from .models import (
    Answer, Assessment, AssessorSubmission, ConsensusDecision, ConsensusLead, ConsensusRound, IndividualScore, Unit,
    User, utcnow,
)
from .permissions import Actor, Perm, can, require

ASSESSOR_ROLES = frozenset({"tim_asesor", "admin"})
LEAD_ROLE = "tim_asesor"  # the role a ketua tim must have
MIN_SUBMITTED = 2
NOTE_LIMIT = 4000


@dataclass(frozen=True)
class OwnScore:
    score: Optional[int]
    note: Optional[str] = None


@dataclass(frozen=True)
class AssessorStatus:
    assessor: str
    full_name: str
    answered: int
    total: int
    submitted_at: Optional[datetime]

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def label(self) -> str:
        return f"{self.full_name} ({self.assessor})" if self.full_name and self.full_name != self.assessor \
            else self.assessor


@dataclass(frozen=True)
class LeadInfo:
    """The designated ketua tim of an assessment."""

    username: str
    full_name: str
    designated_by: str
    designated_at: datetime

    @property
    def label(self) -> str:
        return f"{self.full_name} ({self.username})" if self.full_name and self.full_name != self.username \
            else self.username


@dataclass(frozen=True)
class RoundStatus:
    assessment_id: int
    unit_id: int
    unit_name: str
    year: int
    state: str
    total: int
    assessors: tuple[AssessorStatus, ...]
    opened_by: Optional[str]
    opened_at: Optional[datetime]
    decided: int  # questions with a consensus decision
    # for the asking actor
    has_sheet: bool
    submitted: bool
    can_view: bool
    view_reason: str
    can_score: bool
    score_reason: str
    can_open: bool
    can_decide: bool
    lead: Optional[LeadInfo] = None
    is_lead: bool = False  # the actor is the designated ketua tim
    may_lead: bool = False  # the actor may open/set the consensus (the ketua, or an admin)
    lead_reason: str = ""  # why not, in Bahasa Indonesia ("" when may_lead)
    can_set_lead: bool = False  # the actor may designate or change the ketua tim (admin)

    @property
    def opened(self) -> bool:
        return self.opened_at is not None

    @property
    def submitted_count(self) -> int:
        return sum(1 for a in self.assessors if a.submitted)

    @property
    def pending(self) -> tuple[AssessorStatus, ...]:
        return tuple(a for a in self.assessors if not a.submitted)

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)


@dataclass(frozen=True)
class MySheet:
    assessment_id: int
    assessor: str
    scores: dict[int, Optional[int]]
    notes: dict[int, Optional[str]]
    submitted_at: Optional[datetime]

    @property
    def answered(self) -> int:
        return sum(1 for v in self.scores.values() if v is not None)


@dataclass(frozen=True)
class Decision:
    score: int
    note: Optional[str]
    spread: Optional[int]
    assessors: int
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class ConsensusRow:
    question_no: int
    text: str
    scores: dict[str, Optional[int]]
    notes: dict[str, Optional[str]]
    spread: Optional[int]
    flagged: bool
    exact: Optional[float]
    weighted: Optional[float]
    answer_score: Optional[int]  # what the assessment scores now
    answer_version: int
    decision: Optional[Decision]

    @property
    def unanimous_score(self) -> Optional[int]:
        vals = {v for v in self.scores.values() if v is not None}
        return vals.pop() if len(vals) == 1 else None

    @property
    def changed_after_decision(self) -> bool:
        """The answer was edited elsewhere after the consensus was set."""
        return self.decision is not None and self.answer_score != self.decision.score


@dataclass(frozen=True)
class ComparisonView:
    status: RoundStatus
    assessors: tuple[AssessorStatus, ...]  # the submitted ones, in the order of the columns
    rows: list[ConsensusRow]
    agreement: TeamAgreement


@dataclass(frozen=True)
class AnswerAuthor:
    username: str
    count: int
    last_at: datetime


@dataclass(frozen=True)
class ExistingAnswers:
    """Questions whose answer in the assessment was entered by someone other than the consensus
    (Asesmen Mandiri, an offline upload, an import, or an edit after the consensus was set): setting
    a consensus score there replaces that answer."""

    questions: tuple[int, ...]
    authors: tuple[AnswerAuthor, ...]  # most answers first

    @property
    def count(self) -> int:
        return len(self.questions)


# --- the rule --------------------------------------------------------------------------------------

def visibility(has_sheet: bool, submitted: bool, submitted_count: int, opened: bool) -> tuple[bool, str]:
    """May this actor see the others' scores? (True, "") or (False, reason in Bahasa Indonesia)."""
    if opened:
        return True, ""
    if has_sheet and submitted:
        return True, ""
    if has_sheet:
        return False, ("Nilai anggota tim lain baru terlihat setelah Anda mengajukan nilai Anda sendiri "
                       "(penilaian dilakukan secara independen).")
    return False, (f"Nilai anggota tim belum dapat dilihat: konsensus belum dibuka oleh ketua tim "
                   f"({submitted_count} anggota sudah mengajukan; minimal {MIN_SUBMITTED}).")


def _is_assessor(actor: Actor, unit_id: int) -> bool:
    return actor.role in ASSESSOR_ROLES and can(actor, Perm.ASSESSMENT_EDIT, unit_id)


def lead_rule(actor: Actor, unit_id: int, lead: Optional[str], lead_label: str = "") -> tuple[bool, str]:
    """May this actor open the consensus and set consensus scores? (True, "") or (False, reason)."""
    if not can(actor, Perm.ASSESSMENT_CONSENSUS, unit_id):
        return False, "Konsensus dibuka dan ditetapkan oleh ketua tim (atau admin)."
    if actor.role == "admin":
        return True, ""
    if lead is None:
        return False, ("Ketua tim asesmen ini belum ditetapkan. Admin menetapkan ketua tim di halaman Konsensus; "
                       "sampai itu hanya admin yang dapat membuka konsensus dan menetapkan nilai konsensus.")
    if actor.role == LEAD_ROLE and actor.username == lead:
        return True, ""
    return False, (f"Hanya ketua tim ({lead_label or lead}) atau admin yang dapat membuka konsensus dan "
                   "menetapkan nilai konsensus.")


# --- reading ---------------------------------------------------------------------------------------

def _load(s: Session, assessment_id: int) -> Assessment:
    a = s.get(Assessment, assessment_id)
    if a is None:
        raise NotFound(f"Asesmen dengan id {assessment_id} tidak ada.")
    return a


def _sheets(s: Session, a: Assessment) -> list[AssessorSubmission]:
    return list(s.exec(select(AssessorSubmission).where(AssessorSubmission.assessment_id == a.id)
                       .order_by(AssessorSubmission.assessor)).all())


def _scores(s: Session, a: Assessment, assessor: str | None = None) -> dict[str, dict[int, IndividualScore]]:
    q = select(IndividualScore).where(IndividualScore.assessment_id == a.id)
    if assessor is not None:
        q = q.where(IndividualScore.assessor == assessor)
    out: dict[str, dict[int, IndividualScore]] = {}
    for r in s.exec(q).all():
        out.setdefault(r.assessor, {})[r.question_no] = r
    return out


def _round(s: Session, a: Assessment) -> Optional[ConsensusRound]:
    return s.exec(select(ConsensusRound).where(ConsensusRound.assessment_id == a.id)).first()


def _lead(s: Session, a: Assessment) -> Optional[ConsensusLead]:
    return s.exec(select(ConsensusLead).where(ConsensusLead.assessment_id == a.id)).first()


def _lead_info(row: Optional[ConsensusLead]) -> Optional[LeadInfo]:
    return None if row is None else LeadInfo(row.lead, row.full_name, row.designated_by, row.designated_at)


def _require_lead(s: Session, actor: Actor, a: Assessment) -> None:
    """Perm.ASSESSMENT_CONSENSUS, then: the designated ketua tim of this assessment, or an admin."""
    require(actor, Perm.ASSESSMENT_CONSENSUS, unit_id=a.unit_id)
    info = _lead_info(_lead(s, a))
    ok, reason = lead_rule(actor, a.unit_id, info.username if info else None, info.label if info else "")
    if not ok:
        raise PermissionDenied(reason)


def _status(s: Session, actor: Actor, a: Assessment) -> RoundStatus:
    unit = s.get(Unit, a.unit_id)
    inst = instrument.by_id(s, a.instrument_version_id)
    sheets = _sheets(s, a)
    counts: dict[str, int] = {}
    for r in s.exec(select(IndividualScore).where(IndividualScore.assessment_id == a.id)).all():
        if r.score is not None:
            counts[r.assessor] = counts.get(r.assessor, 0) + 1
    people = tuple(AssessorStatus(x.assessor, x.full_name, counts.get(x.assessor, 0), inst.question_count,
                                  x.submitted_at) for x in sheets)
    rnd = _round(s, a)
    decided = len(s.exec(select(ConsensusDecision.id).where(ConsensusDecision.assessment_id == a.id)).all())
    mine = next((x for x in sheets if x.assessor == actor.username), None)
    has_sheet, submitted = mine is not None, bool(mine and mine.submitted_at)
    n_sub = sum(1 for p in people if p.submitted)
    can_view, view_reason = visibility(has_sheet, submitted, n_sub, rnd is not None)
    editable = a.state in assessments.EDITABLE
    if not _is_assessor(actor, a.unit_id):
        can_score, score_reason = False, "Penilaian mandiri diisi oleh anggota Tim Asesor (atau admin)."
    elif not editable:
        can_score, score_reason = False, f"Asesmen berstatus {STATES[a.state]}: penilaian tidak dapat diubah."
    elif rnd is not None:
        can_score, score_reason = False, "Konsensus sudah dibuka: penilaian mandiri ditutup."
    elif submitted:
        can_score, score_reason = False, "Nilai Anda sudah diajukan dan tidak dapat diubah lagi."
    else:
        can_score, score_reason = True, ""
    lead_info = _lead_info(_lead(s, a))
    lead, lead_reason = lead_rule(actor, a.unit_id, lead_info.username if lead_info else None,
                                  lead_info.label if lead_info else "")
    return RoundStatus(
        assessment_id=a.id, unit_id=a.unit_id, unit_name=unit.name if unit else "?", year=a.year, state=a.state,
        total=inst.question_count, assessors=people, opened_by=rnd.opened_by if rnd else None,
        opened_at=rnd.opened_at if rnd else None, decided=decided, has_sheet=has_sheet, submitted=submitted,
        can_view=can_view, view_reason=view_reason, can_score=can_score, score_reason=score_reason,
        can_open=lead and editable and rnd is None and n_sub >= MIN_SUBMITTED,
        can_decide=lead and editable and rnd is not None,
        lead=lead_info, is_lead=bool(lead_info and actor.role == LEAD_ROLE and actor.username == lead_info.username),
        may_lead=lead, lead_reason=lead_reason, can_set_lead=can(actor, Perm.USERS_MANAGE) and editable,
    )


def status(actor: Actor, assessment_id: int) -> RoundStatus:
    """Progress of the round (who has submitted, how far each is): no scores. Needs Perm.READ."""
    with read_only() as s:
        a = _load(s, assessment_id)
        require(actor, Perm.READ, unit_id=a.unit_id)
        return _status(s, actor, a)


def my_sheet(actor: Actor, assessment_id: int) -> MySheet:
    """The actor's own scores (always visible to the actor)."""
    with read_only() as s:
        a = _load(s, assessment_id)
        require(actor, Perm.READ, unit_id=a.unit_id)
        inst = instrument.by_id(s, a.instrument_version_id)
        rows = _scores(s, a, actor.username).get(actor.username, {})
        sheet = next((x for x in _sheets(s, a) if x.assessor == actor.username), None)
        return MySheet(
            assessment_id=a.id, assessor=actor.username,
            scores={q: rows[q].score if q in rows else None for q in sorted(inst.questions)},
            notes={q: rows[q].note if q in rows else None for q in sorted(inst.questions)},
            submitted_at=sheet.submitted_at if sheet else None,
        )


def comparison(actor: Actor, assessment_id: int, weights: str = QUADRATIC) -> ComparisonView:
    """Every submitted score per question, the spread, flags and agreement. Refused by the blind rule."""
    with read_only() as s:
        a = _load(s, assessment_id)
        require(actor, Perm.READ, unit_id=a.unit_id)
        st = _status(s, actor, a)
        if not st.can_view:
            raise PermissionDenied(st.view_reason)
        inst = instrument.by_id(s, a.instrument_version_id)
        submitted = [p for p in st.assessors if p.submitted]
        names = [p.assessor for p in submitted]
        rows_by = _scores(s, a)
        ratings = {n: {q: r.score for q, r in rows_by.get(n, {}).items()} for n in names}
        agreement = team_agreement(ratings, sorted(inst.questions), weights)
        answers = {r.question_no: r for r in s.exec(select(Answer).where(Answer.assessment_id == a.id)).all()}
        decisions = {d.question_no: d for d in s.exec(select(ConsensusDecision)
                                                      .where(ConsensusDecision.assessment_id == a.id)).all()}
        rows = []
        for q in sorted(inst.questions):
            qa = agreement.question(q)
            d = decisions.get(q)
            ans = answers.get(q)
            rows.append(ConsensusRow(
                question_no=q, text=inst.questions[q], scores=dict(qa.scores),
                notes={n: (rows_by.get(n, {}).get(q).note if rows_by.get(n, {}).get(q) else None) for n in names},
                spread=qa.spread, flagged=qa.flagged, exact=qa.exact, weighted=qa.weighted,
                answer_score=ans.score if ans else None, answer_version=ans.version if ans else 0,
                decision=Decision(d.score, d.note, d.spread, d.assessors, d.decided_by, d.decided_at) if d else None,
            ))
        return ComparisonView(status=st, assessors=tuple(submitted), rows=rows, agreement=agreement)


def _existing(s: Session, a: Assessment) -> tuple[ExistingAnswers, dict[int, Answer]]:
    decided = {d.question_no: d.score for d in s.exec(select(ConsensusDecision)
                                                      .where(ConsensusDecision.assessment_id == a.id)).all()}
    rows = {r.question_no: r for r in s.exec(select(Answer).where(Answer.assessment_id == a.id)).all()
            if r.score is not None and decided.get(r.question_no) != r.score}
    by: dict[str, list[Answer]] = {}
    for r in rows.values():
        by.setdefault(r.updated_by, []).append(r)
    authors = sorted((AnswerAuthor(n, len(rs), max(r.updated_at for r in rs)) for n, rs in by.items()),
                     key=lambda x: (-x.count, x.username))
    return ExistingAnswers(tuple(sorted(rows)), tuple(authors)), rows


def existing_answers(actor: Actor, assessment_id: int) -> ExistingAnswers:
    """The answers a consensus would replace (not those the consensus itself wrote). Needs Perm.READ;
    shows who entered them and when, never the values."""
    with read_only() as s:
        a = _load(s, assessment_id)
        require(actor, Perm.READ, unit_id=a.unit_id)
        return _existing(s, a)[0]


# --- writing ---------------------------------------------------------------------------------------

def _check_score(q: int, value: Any) -> Optional[int]:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError(f"Nilai pertanyaan {q} harus angka 1 sampai 4.")
    try:
        v = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"Nilai pertanyaan {q} ('{value}') harus angka 1 sampai 4.") from None
    if v != value and str(v) != str(value).strip():
        raise ValidationError(f"Nilai pertanyaan {q} ('{value}') harus bilangan bulat 1 sampai 4.")
    if not 1 <= v <= 4:
        raise ValidationError(f"Nilai pertanyaan {q} adalah {v}: nilai harus 1 sampai 4.")
    return v


def _check_note(q: int, note: Optional[str]) -> Optional[str]:
    note = (str(note).strip() if note is not None else "") or None
    if note and len(note) > NOTE_LIMIT:
        raise ValidationError(f"Catatan pertanyaan {q} terlalu panjang (maksimal {NOTE_LIMIT} karakter).")
    return note


def _scoring_open(s: Session, actor: Actor, assessment_id: int) -> tuple[Assessment, Optional[AssessorSubmission]]:
    a = _load(s, assessment_id)
    require(actor, Perm.ASSESSMENT_EDIT, unit_id=a.unit_id)
    if actor.role not in ASSESSOR_ROLES:
        raise PermissionDenied("Penilaian mandiri Tim Asesor hanya diisi oleh anggota Tim Asesor atau admin.")
    if a.state not in assessments.EDITABLE:
        raise ValidationError(f"Asesmen ini berstatus {STATES[a.state]}: penilaian mandiri tidak dapat diubah.")
    if _round(s, a) is not None:
        raise ValidationError("Konsensus asesmen ini sudah dibuka: penilaian mandiri ditutup.")
    sheet = s.exec(select(AssessorSubmission).where(AssessorSubmission.assessment_id == a.id,
                                                    AssessorSubmission.assessor == actor.username)).first()
    if sheet is not None and sheet.submitted_at is not None:
        raise ValidationError("Nilai Anda untuk asesmen ini sudah diajukan dan tidak dapat diubah lagi.")
    return a, sheet


def save_own(actor: Actor, assessment_id: int, changes: Mapping[int, OwnScore]) -> int:
    """Save the actor's own scores/notes (draft). Returns how many questions changed."""
    if not changes:
        return 0
    with transaction() as s:
        a, sheet = _scoring_open(s, actor, assessment_id)
        inst = instrument.by_id(s, a.instrument_version_id)
        if sheet is None:
            sheet = AssessorSubmission(assessment_id=a.id, assessor=actor.username,
                                       full_name=(actor.full_name or "")[:200])
            s.add(sheet)
            try:
                s.flush()
            except IntegrityError:
                raise ConflictError("Lembar penilaian Anda baru saja dibuat di jendela lain. Muat ulang halaman.") from None
            audit.record(s, actor, "consensus.sheet_start", "assessment", a.id, None, {"assessor": actor.username})
        rows = _scores(s, a, actor.username).get(actor.username, {})
        changed = []
        for q, ch in sorted(changes.items()):
            if q not in inst.questions:
                raise ValidationError(
                    f"Pertanyaan nomor {q} tidak ada dalam instrumen versi {inst.number} (1-{inst.question_count}).")
            score, note = _check_score(q, ch.score), _check_note(q, ch.note)
            row = rows.get(q)
            if row is None:
                if score is None and note is None:
                    continue
                row = IndividualScore(assessment_id=a.id, assessor=actor.username, question_no=q)
            elif row.score == score and row.note == note:
                continue
            else:
                row.version += 1
            row.score, row.note, row.updated_at = score, note, utcnow()
            s.add(row)
            changed.append(q)
        try:
            s.flush()
        except IntegrityError:
            raise ConflictError("Nilai Anda baru saja disimpan di jendela lain. Muat ulang halaman, lalu ulangi.") from None
        if changed:
            # The values are not written to the audit log while the scoring is blind (see module doc).
            audit.record(s, actor, "consensus.own_save", "assessment", a.id, None,
                         {"assessor": actor.username, "questions": changed})
        return len(changed)


def _fingerprint(rows: Mapping[int, IndividualScore]) -> str:
    data = {str(q): [r.score, r.note] for q, r in sorted(rows.items())}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def submit_own(actor: Actor, assessment_id: int) -> None:
    """Submit the actor's own set (all questions scored); it is frozen afterwards."""
    with transaction() as s:
        a, sheet = _scoring_open(s, actor, assessment_id)
        inst = instrument.by_id(s, a.instrument_version_id)
        rows = _scores(s, a, actor.username).get(actor.username, {})
        missing = [q for q in sorted(inst.questions) if q not in rows or rows[q].score is None]
        if sheet is None or missing:
            raise ValidationError(
                f"Penilaian Anda belum lengkap: {inst.question_count - len(missing)}/{inst.question_count} "
                f"pertanyaan terisi. Belum dinilai: pertanyaan {', '.join(map(str, missing))}.")
        sheet.submitted_at = utcnow()
        s.add(sheet)
        audit.record(s, actor, "consensus.submit", "assessment", a.id, None,
                     {"assessor": actor.username, "answered": len(rows), "sha256": _fingerprint(rows)})


def open_consensus(actor: Actor, assessment_id: int) -> None:
    """The team lead closes independent scoring and opens the comparison to the team."""
    with transaction() as s:
        a = _load(s, assessment_id)
        _require_lead(s, actor, a)
        if a.state not in assessments.EDITABLE:
            raise ValidationError(f"Asesmen ini berstatus {STATES[a.state]}: konsensus tidak dapat dibuka.")
        if _round(s, a) is not None:
            raise ConflictError("Konsensus asesmen ini sudah dibuka.")
        sheets = _sheets(s, a)
        done = [x.assessor for x in sheets if x.submitted_at is not None]
        if len(done) < MIN_SUBMITTED:
            raise ValidationError(
                f"Konsensus baru dapat dibuka setelah minimal {MIN_SUBMITTED} anggota mengajukan nilainya "
                f"(sekarang {len(done)}).")
        s.add(ConsensusRound(assessment_id=a.id, opened_by=actor.username))
        try:
            s.flush()
        except IntegrityError:
            raise ConflictError("Konsensus asesmen ini baru saja dibuka oleh pengguna lain.") from None
        by = _scores(s, a)
        audit.record(s, actor, "consensus.open", "assessment", a.id, None, {
            "submitted": {n: {q: r.score for q, r in sorted(by.get(n, {}).items())} for n in done},
            "left_out": [x.assessor for x in sheets if x.submitted_at is None],
        })


def set_consensus(actor: Actor, assessment_id: int, decisions: Mapping[int, OwnScore],
                  answer_versions: Mapping[int, int] | None = None, replace_existing: bool = False) -> int:
    """Set the consensus score and note of some questions; returns how many were recorded.

    A note is required wherever the submitted scores differ, or the consensus differs from the
    score they all gave. `answer_versions` are the answer versions the lead's page showed: a
    question edited elsewhere in the meantime is refused (and then nothing is written).
    A consensus score that would replace an answer entered by someone else (see `existing_answers`)
    is refused unless `replace_existing=True`: the lead confirmed it (page checkbox, CLI flag).
    """
    if not decisions:
        return 0
    with read_only() as s:
        a = _load(s, assessment_id)
        _require_lead(s, actor, a)
        if a.state not in assessments.EDITABLE:
            raise ValidationError(f"Asesmen ini berstatus {STATES[a.state]}: konsensus tidak dapat diubah.")
        if _round(s, a) is None:
            raise ValidationError("Konsensus belum dibuka: buka konsensus dulu setelah anggota tim mengajukan nilainya.")
        inst = instrument.by_id(s, a.instrument_version_id)
        done = [x.assessor for x in _sheets(s, a) if x.submitted_at is not None]
        submitted = {n: {q: r.score for q, r in rows.items()} for n, rows in _scores(s, a).items() if n in done}
        answers = {r.question_no: (r.score, r.version)
                   for r in s.exec(select(Answer).where(Answer.assessment_id == a.id)).all()}
        _ex, others = _existing(s, a)
    plan: dict[int, tuple[int, Optional[str], Optional[int]]] = {}
    problems = []
    for q, d in sorted(decisions.items()):
        if q not in inst.questions:
            raise ValidationError(
                f"Pertanyaan nomor {q} tidak ada dalam instrumen versi {inst.number} (1-{inst.question_count}).")
        score = _check_score(q, d.score)
        if score is None:
            raise ValidationError(f"Nilai konsensus pertanyaan {q} wajib diisi (1 sampai 4).")
        note = _check_note(q, d.note)
        vals = [submitted[n][q] for n in done if submitted.get(n, {}).get(q) is not None]
        differs = len(set(vals)) > 1 or bool(vals and score != vals[0])
        if differs and not note:
            problems.append(str(q))
        plan[q] = (score, note, spread(vals))
    if problems:
        raise ValidationError(
            "Catatan konsensus wajib diisi untuk pertanyaan yang nilainya berbeda antar anggota atau berbeda "
            f"dari nilai anggota: pertanyaan {', '.join(problems)}.")
    changes = {}
    for q, (score, _note, _sp) in plan.items():
        cur_score, cur_version = answers.get(q, (None, None))
        base = (answer_versions or {}).get(q, cur_version)
        if cur_version is None or cur_score != score or base != cur_version:
            changes[q] = AnswerChange(score, base_version=base, fields=("score",))
    stale = any(q in answers and ch.base_version != answers[q][1] for q, ch in changes.items())
    replaced = [q for q in changes if q in others and others[q].score != changes[q].score]
    if replaced and not replace_existing and not stale:  # a stale page gets the ConflictError below first
        who = ", ".join(sorted({others[q].updated_by for q in replaced}))
        raise ValidationError(
            f"{len(replaced)} pertanyaan sudah berjawaban di asesmen ini (diisi oleh {who}) dan akan diganti nilai "
            f"konsensus: pertanyaan {', '.join(map(str, sorted(replaced)))}. Konfirmasi dulu bahwa jawaban itu "
            "boleh diganti; tidak ada yang disimpan.")
    with transaction() as s:
        _require_lead(s, actor, _load(s, assessment_id))  # again: the ketua may have been changed meanwhile
        assessments.save_answers_in(s, actor, assessment_id, changes)
        a = _load(s, assessment_id)
        existing = {d.question_no: d for d in s.exec(select(ConsensusDecision)
                                                      .where(ConsensusDecision.assessment_id == a.id)).all()}
        count = 0
        for q, (score, note, sp) in plan.items():
            d = existing.get(q)
            old = None if d is None else {"question": q, "score": d.score, "note": d.note}
            new = {"question": q, "score": score, "note": note, "spread": sp, "assessors": len(done)}
            if d is not None and d.score == score and d.note == note:
                continue
            if d is None:
                d = ConsensusDecision(assessment_id=a.id, question_no=q, score=score, decided_by=actor.username)
            else:
                d.version += 1
            d.score, d.note, d.spread, d.assessors = score, note, sp, len(done)
            d.decided_by, d.decided_at = actor.username, utcnow()
            s.add(d)
            audit.record(s, actor, "consensus.set", "assessment", a.id, old, new)
            count += 1
        try:
            s.flush()
        except IntegrityError:
            raise ConflictError("Konsensus baru saja disimpan oleh pengguna lain. Muat ulang halaman.") from None
        return count


# --- the ketua tim ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class LeadCandidate:
    username: str
    full_name: str

    @property
    def label(self) -> str:
        return f"{self.full_name} ({self.username})" if self.full_name and self.full_name != self.username \
            else self.username


def lead_candidates(actor: Actor) -> list[LeadCandidate]:
    """The active users with the role tim_asesor, who may be designated ketua tim (for the admin's choice)."""
    require(actor, Perm.USERS_MANAGE)
    with read_only() as s:
        rows = s.exec(select(User).where(User.role == LEAD_ROLE, User.active == True)  # noqa: E712
                      .order_by(User.username)).all()
        return [LeadCandidate(u.username, u.full_name) for u in rows]


def set_lead(actor: Actor, assessment_id: int, username: str) -> bool:
    """Designate (or change) the ketua tim of an assessment. Admin only (Perm.USERS_MANAGE).

    The ketua must be an active user with the role tim_asesor. Returns False when that user already
    is the ketua (nothing written), True otherwise; each designation is audited as consensus.lead_set.
    """
    require(actor, Perm.USERS_MANAGE)
    name = (username or "").strip().lower()  # usernames are stored in lower case (accounts)
    if not name:
        raise ValidationError("Pilih pengguna Tim Asesor yang akan menjadi ketua tim.")
    with transaction() as s:
        a = _load(s, assessment_id)
        if a.state not in assessments.EDITABLE:
            raise ValidationError(f"Asesmen ini berstatus {STATES[a.state]}: ketua tim tidak dapat diubah lagi.")
        user = s.exec(select(User).where(User.username == name)).first()
        if user is None:
            raise ValidationError(f"Pengguna '{name}' tidak ada: ketua tim harus pengguna berperan Tim Asesor.")
        if user.role != LEAD_ROLE:
            raise ValidationError(f"Pengguna '{name}' berperan {user.role}, bukan Tim Asesor: ketua tim harus "
                                  "anggota Tim Asesor.")
        if not user.active:
            raise ValidationError(f"Pengguna '{name}' tidak aktif: pilih anggota Tim Asesor yang aktif.")
        row = _lead(s, a)
        if row is not None and row.lead == name:
            return False
        old = None if row is None else {"lead": row.lead}
        if row is None:
            row = ConsensusLead(assessment_id=a.id, lead=name, designated_by=actor.username)
        else:
            row.version += 1
        row.lead, row.full_name = name, (user.full_name or "")[:200]
        row.designated_by, row.designated_at = actor.username, utcnow()
        s.add(row)
        try:
            s.flush()
        except IntegrityError:
            raise ConflictError("Ketua tim asesmen ini baru saja ditetapkan oleh pengguna lain. Muat ulang halaman.") \
                from None
        unit = s.get(Unit, a.unit_id)
        audit.record(s, actor, "consensus.lead_set", "assessment", a.id, old,
                     {"lead": name, "unit": unit.name if unit else None, "year": a.year})
        return True
