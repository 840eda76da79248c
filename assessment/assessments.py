"""The self-assessment (Tabel 3) of one unit and year: answers, evidence, states, priorities (Tabel 5).

States: draf -> diajukan -> diverifikasi -> final; a verifikator may instead return a submitted
assessment (dikembalikan, with a comment), which is edited and submitted again. Only draf and
dikembalikan are editable. Each answer carries its own version and the assessment a version for
its state, so a save based on an outdated view is refused instead of overwriting someone's work.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Mapping, Optional

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from scoring.formatting import fmt_wib
from scoring.assessment import PriorityChoice, Result, check_final_priorities, round2, score_assessment

from . import audit, evidence, instrument, settings_store
from .db import read_only, transaction
from .errors import ConflictError, NotFound, ValidationError
from .instrument import Instrument
from .models import Answer, Assessment, AssessmentEvent, PriorityDecision, Unit, utcnow
from .permissions import Actor, Perm, require

STATES = {
    "draf": "Draf",
    "diajukan": "Diajukan",
    "dikembalikan": "Dikembalikan",
    "diverifikasi": "Diverifikasi",
    "final": "Final",
}
EDITABLE = {"draf", "dikembalikan"}
EVIDENCE_OWNER = "answer"


@dataclass(frozen=True)
class AnswerView:
    question_no: int
    score: Optional[int]
    note: Optional[str]
    evidence_link: Optional[str]
    version: int
    updated_by: str
    updated_at: datetime
    files: tuple[evidence.EvidenceView, ...] = ()


@dataclass(frozen=True)
class EventView:
    from_state: str
    to_state: str
    comment: Optional[str]
    actor: str
    at: datetime


@dataclass(frozen=True)
class AssessmentView:
    id: int
    unit_id: int
    unit_name: str
    unit_kind: str
    year: int
    state: str
    version: int
    instrument: Instrument
    answers: dict[int, AnswerView]
    choices: dict[str, PriorityChoice]
    events: tuple[EventView, ...]
    return_comment: Optional[str]
    created_by: str
    updated_at: datetime

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def editable(self) -> bool:
        return self.state in EDITABLE

    @property
    def scores(self) -> dict[int, Optional[int]]:
        return {q: a.score for q, a in self.answers.items()}

    @property
    def answered(self) -> int:
        return sum(1 for a in self.answers.values() if a.score is not None)

    @property
    def missing(self) -> list[int]:
        return [q for q in sorted(self.instrument.questions) if self.answers.get(q) is None
                or self.answers[q].score is None]


@dataclass(frozen=True)
class AssessmentSummary:
    id: int
    unit_id: int
    unit_name: str
    unit_kind: str
    year: int
    state: str
    answered: int
    total: int
    updated_at: datetime

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)


@dataclass
class AnswerChange:
    """One question's new content, with the answer version the user's form was based on."""

    score: Optional[int]
    note: Optional[str] = None
    evidence_link: Optional[str] = None
    base_version: Optional[int] = None
    fields: tuple[str, ...] = field(default=("score", "note", "evidence_link"))


# --- reading -----------------------------------------------------------------------------------

def check_year(year: Any, s: Session | None = None) -> int:
    try:
        y = int(year)
    except (TypeError, ValueError):
        raise ValidationError(f"Tahun '{year}' tidak valid: isi dengan angka, misalnya 2024.") from None
    if y != year and str(y) != str(year).strip():
        raise ValidationError(f"Tahun '{year}' tidak valid: isi dengan angka, misalnya 2024.")
    lo = int(settings_store.get("assessment.min_year", s))
    hi = date.today().year + int(settings_store.get("assessment.max_year_ahead", s))
    if not lo <= y <= hi:
        raise ValidationError(f"Tahun {y} di luar rentang yang diizinkan ({lo}-{hi}).")
    return y


def _load(s: Session, assessment_id: int) -> Assessment:
    a = s.get(Assessment, assessment_id)
    if a is None:
        raise NotFound(f"Asesmen dengan id {assessment_id} tidak ada.")
    return a


def _view(s: Session, a: Assessment) -> AssessmentView:
    unit = s.get(Unit, a.unit_id)
    inst = instrument.by_id(s, a.instrument_version_id)
    rows = s.exec(select(Answer).where(Answer.assessment_id == a.id)).all()
    files = evidence.list_for(s, EVIDENCE_OWNER, [r.id for r in rows])
    answers = {
        r.question_no: AnswerView(r.question_no, r.score, r.note, r.evidence_link, r.version, r.updated_by,
                                  r.updated_at, tuple(files.get(r.id, [])))
        for r in rows
    }
    decisions = s.exec(select(PriorityDecision).where(PriorityDecision.assessment_id == a.id)).all()
    choices = {
        d.aspect_key: PriorityChoice(d.final_priority, d.reason, d.decided_by, d.decided_at.isoformat())
        for d in decisions
    }
    events = s.exec(select(AssessmentEvent).where(AssessmentEvent.assessment_id == a.id)
                    .order_by(AssessmentEvent.id)).all()
    return AssessmentView(
        id=a.id, unit_id=a.unit_id, unit_name=unit.name if unit else "?", unit_kind=unit.kind if unit else "?",
        year=a.year, state=a.state, version=a.version, instrument=inst, answers=answers, choices=choices,
        events=tuple(EventView(e.from_state, e.to_state, e.comment, e.actor, e.at) for e in events),
        return_comment=a.return_comment, created_by=a.created_by, updated_at=a.updated_at,
    )


def get(actor: Actor, assessment_id: int) -> AssessmentView:
    with read_only() as s:
        a = _load(s, assessment_id)
        require(actor, Perm.READ, unit_id=a.unit_id)
        return _view(s, a)


def find(actor: Actor, unit_id: int, year: int) -> Optional[int]:
    require(actor, Perm.READ, unit_id=unit_id)
    with read_only() as s:
        a = s.exec(select(Assessment).where(Assessment.unit_id == unit_id, Assessment.year == year)).first()
        return a.id if a else None


def find_by_name(actor: Actor, unit_name: str, year: int) -> AssessmentView:
    from .units import find_unit

    with read_only() as s:
        unit = find_unit(s, unit_name)
        if unit is None:
            raise NotFound(f"Unit '{unit_name}' tidak dikenal.")
        a = s.exec(select(Assessment).where(Assessment.unit_id == unit.id, Assessment.year == int(year))).first()
        if a is None:
            raise NotFound(f"Belum ada asesmen untuk {unit.name} tahun {year}.")
        require(actor, Perm.READ, unit_id=a.unit_id)
        return _view(s, a)


def list_assessments(actor: Actor, year: int | None = None) -> list[AssessmentSummary]:
    require(actor, Perm.READ)
    with read_only() as s:
        q = select(Assessment, Unit).join(Unit, Unit.id == Assessment.unit_id)
        if year is not None:
            q = q.where(Assessment.year == year)
        if actor.role == "operator_opd":
            q = q.where(Assessment.unit_id == actor.unit_id)
        out = []
        for a, u in s.exec(q.order_by(Assessment.year.desc(), Unit.name)).all():
            scores = s.exec(select(Answer.score).where(Answer.assessment_id == a.id)).all()
            out.append(AssessmentSummary(a.id, u.id, u.name, u.kind, a.year, a.state,
                                         sum(1 for v in scores if v is not None), len(scores), a.updated_at))
        return out


def result(actor: Actor, assessment_id: int) -> tuple[AssessmentView, Result]:
    view = get(actor, assessment_id)
    return view, compute(view)


def compute(view: AssessmentView) -> Result:
    inst = view.instrument
    return score_assessment(view.scores, sorted(inst.questions), inst.mapping, inst.aspects, inst.categories,
                            view.choices)


# --- writing -----------------------------------------------------------------------------------

def create(actor: Actor, unit_id: int, year: Any) -> int:
    require(actor, Perm.ASSESSMENT_CREATE, unit_id=unit_id)
    with transaction() as s:
        y = check_year(year, s)
        unit = s.get(Unit, unit_id)
        if unit is None:
            raise NotFound(f"Unit dengan id {unit_id} tidak ada.")
        if not unit.active:
            raise ValidationError(f"Unit '{unit.name}' sudah tidak aktif; aktifkan dulu di halaman Unit Kerja.")
        existing = s.exec(select(Assessment).where(Assessment.unit_id == unit_id, Assessment.year == y)).first()
        if existing is not None:
            raise ConflictError(
                f"Asesmen {unit.name} tahun {y} sudah ada (status {STATES[existing.state]}). "
                "Satu unit hanya punya satu asesmen per tahun: buka asesmen yang ada."
            )
        a = Assessment(unit_id=unit_id, year=y, instrument_version_id=instrument.current_version_id(s),
                       created_by=actor.username)
        unit_name = unit.name  # read now: after a failed flush the session cannot load anything
        s.add(a)
        try:
            s.flush()
        except IntegrityError:
            # Two clicks raced past the check above: the unique constraint keeps one record.
            raise ConflictError(f"Asesmen {unit_name} tahun {y} sudah ada. Muat ulang halaman.") from None
        inst = instrument.by_id(s, a.instrument_version_id)
        for q in sorted(inst.questions):
            s.add(Answer(assessment_id=a.id, question_no=q, updated_by=actor.username))
        audit.record(s, actor, "assessment.create", "assessment", a.id, None,
                     {"unit": unit_name, "year": y, "instrument_version": inst.number})
        return int(a.id)


def _editable(s: Session, actor: Actor, assessment_id: int, perm: Perm = Perm.ASSESSMENT_EDIT) -> Assessment:
    a = _load(s, assessment_id)
    require(actor, perm, unit_id=a.unit_id)
    if a.state not in EDITABLE:
        raise ValidationError(
            f"Asesmen ini berstatus {STATES[a.state]} dan tidak dapat diubah. "
            "Hanya asesmen berstatus Draf atau Dikembalikan yang dapat diubah."
        )
    return a


def _check_score(q: int, score: Any) -> Optional[int]:
    if score is None or score == "":
        return None
    try:
        v = int(score)
    except (TypeError, ValueError):
        raise ValidationError(f"Nilai pertanyaan {q} ('{score}') harus angka 1 sampai 4.") from None
    if v != score and str(v) != str(score).strip():
        raise ValidationError(f"Nilai pertanyaan {q} ('{score}') harus bilangan bulat 1 sampai 4.")
    if not 1 <= v <= 4:
        raise ValidationError(f"Nilai pertanyaan {q} adalah {v}: nilai harus 1 sampai 4.")
    return v


def _clean_text(value: Optional[str], limit: int, what: str, q: int) -> Optional[str]:
    if value is None:
        return None
    value = str(value).strip()
    if len(value) > limit:
        raise ValidationError(f"{what} pertanyaan {q} terlalu panjang (maksimal {limit} karakter).")
    return value or None


def save_answers(actor: Actor, assessment_id: int, changes: Mapping[int, AnswerChange]) -> dict[int, int]:
    """Save several answers in one transaction. Returns question -> new answer version.

    A change whose base_version differs from the stored one is refused (someone else saved that
    question in the meantime), and then nothing of the batch is written.
    """
    if not changes:
        return {}
    with transaction() as s:
        return save_answers_in(s, actor, assessment_id, changes)


def save_answers_in(s: Session, actor: Actor, assessment_id: int,
                    changes: Mapping[int, AnswerChange]) -> dict[int, int]:
    """save_answers inside the caller's transaction (consensus and the offline import add their own
    records to the same unit of work)."""
    a = _editable(s, actor, assessment_id)
    inst = instrument.by_id(s, a.instrument_version_id)
    rows = {r.question_no: r for r in s.exec(select(Answer).where(Answer.assessment_id == a.id)).all()}
    out = {}
    for q, ch in sorted(changes.items()):
        if q not in inst.questions or q not in rows:
            raise ValidationError(
                f"Pertanyaan nomor {q} tidak ada dalam instrumen versi {inst.number} (1-{inst.question_count})."
            )
        row = rows[q]
        if ch.base_version is not None and ch.base_version != row.version:
            raise ConflictError(
                f"Jawaban pertanyaan {q} sudah diubah oleh {row.updated_by} pada "
                f"{_wib(row.updated_at)} setelah Anda membukanya. Perubahan Anda untuk pertanyaan ini "
                "tidak disimpan; muat ulang untuk melihat isian terbaru, lalu ulangi bila perlu."
            )
        new = {
            "score": _check_score(q, ch.score) if "score" in ch.fields else row.score,
            "note": _clean_text(ch.note, 4000, "Catatan", q) if "note" in ch.fields else row.note,
            "evidence_link": (evidence.check_link(ch.evidence_link) if ch.evidence_link else None)
            if "evidence_link" in ch.fields else row.evidence_link,
        }
        old = {"score": row.score, "note": row.note, "evidence_link": row.evidence_link}
        if new == old:
            out[q] = row.version
            continue
        # Conditional on the version read above: a concurrent save that got there first makes
        # this match no row, and the user is told instead of silently overwriting.
        done = s.execute(
            update(Answer).where(Answer.id == row.id, Answer.version == row.version)
            .values(score=new["score"], note=new["note"], evidence_link=new["evidence_link"],
                    version=row.version + 1, updated_by=actor.username, updated_at=utcnow())
        ).rowcount
        if done != 1:
            raise ConflictError(
                f"Jawaban pertanyaan {q} baru saja diubah oleh pengguna lain. Perubahan Anda tidak "
                "disimpan; muat ulang untuk melihat isian terbaru."
            )
        audit.record(s, actor, "answer.save", "assessment", a.id, {"question": q, **old}, {"question": q, **new})
        out[q] = row.version + 1
    a.updated_at = utcnow()
    s.add(a)
    return out


def save_answer(actor: Actor, assessment_id: int, question_no: int, score: Any, note: Optional[str] = None,
                evidence_link: Optional[str] = None, base_version: Optional[int] = None) -> int:
    return save_answers(actor, assessment_id,
                        {question_no: AnswerChange(score, note, evidence_link, base_version)})[question_no]


def _answer_row(s: Session, a: Assessment, question_no: int) -> Answer:
    row = s.exec(select(Answer).where(Answer.assessment_id == a.id, Answer.question_no == question_no)).first()
    if row is None:
        raise ValidationError(f"Pertanyaan nomor {question_no} tidak ada dalam asesmen ini.")
    return row


def add_evidence_file(actor: Actor, assessment_id: int, question_no: int, filename: str, data: bytes) -> int:
    with transaction() as s:
        a = _editable(s, actor, assessment_id)
        row = _answer_row(s, a, question_no)
        ev = evidence.add_file(s, actor, EVIDENCE_OWNER, row.id, filename, data)
        return int(ev.id)


def remove_evidence(actor: Actor, assessment_id: int, question_no: int, evidence_id: int) -> None:
    with transaction() as s:
        a = _editable(s, actor, assessment_id)
        row = _answer_row(s, a, question_no)
        evidence.remove(s, actor, evidence_id, EVIDENCE_OWNER, row.id)


def _transition(s: Session, actor: Actor, a: Assessment, to: str, base_version: Optional[int],
                comment: Optional[str] = None) -> None:
    if base_version is not None and base_version != a.version:
        raise ConflictError(
            "Status asesmen ini sudah diubah oleh pengguna lain sejak Anda membukanya "
            f"(sekarang: {STATES[a.state]}). Muat ulang halaman, lalu periksa kembali."
        )
    _bump_version(s, a)
    s.add(AssessmentEvent(assessment_id=a.id, from_state=a.state, to_state=to, comment=comment, actor=actor.username))
    audit.record(s, actor, f"assessment.{to}", "assessment", a.id, {"state": a.state}, {"state": to, "comment": comment})
    a.state = to
    a.updated_at = utcnow()
    a.return_comment = comment if to == "dikembalikan" else a.return_comment
    s.add(a)


def _bump_version(s: Session, a: Assessment) -> None:
    """Move the assessment's version on, refusing if another writer moved it first."""
    done = s.execute(update(Assessment).where(Assessment.id == a.id, Assessment.version == a.version)
                     .values(version=a.version + 1)).rowcount
    if done != 1:
        raise ConflictError("Asesmen ini baru saja diubah oleh pengguna lain. Muat ulang halaman, lalu ulangi.")
    a.version += 1


def submit(actor: Actor, assessment_id: int, base_version: Optional[int] = None) -> None:
    with transaction() as s:
        a = _editable(s, actor, assessment_id, Perm.ASSESSMENT_SUBMIT)
        scores = {r.question_no: r.score for r in s.exec(select(Answer).where(Answer.assessment_id == a.id)).all()}
        missing = [q for q, v in sorted(scores.items()) if v is None]
        if missing:
            raise ValidationError(
                f"Asesmen belum lengkap: {len(scores) - len(missing)}/{len(scores)} pertanyaan terisi. "
                f"Belum dinilai: pertanyaan {', '.join(map(str, missing))}."
            )
        view = _view(s, a)
        problems = check_final_priorities(
            {r.key: r.suggested_priority for r in compute(view).aspects}, view.choices,
            {x.key: x.name for x in view.instrument.aspects})
        if problems:
            raise ValidationError("Tabel 5 belum benar: " + " ".join(problems))
        _transition(s, actor, a, "diajukan", base_version)


def verify(actor: Actor, assessment_id: int, base_version: Optional[int] = None) -> None:
    with transaction() as s:
        a = _load(s, assessment_id)
        require(actor, Perm.ASSESSMENT_VERIFY, unit_id=a.unit_id)
        if a.state != "diajukan":
            raise ValidationError(f"Hanya asesmen berstatus Diajukan yang dapat diverifikasi (sekarang: {STATES[a.state]}).")
        _transition(s, actor, a, "diverifikasi", base_version)


def return_for_revision(actor: Actor, assessment_id: int, comment: str, base_version: Optional[int] = None) -> None:
    with transaction() as s:
        a = _load(s, assessment_id)
        require(actor, Perm.ASSESSMENT_VERIFY, unit_id=a.unit_id)
        if a.state not in ("diajukan", "diverifikasi"):
            raise ValidationError(
                f"Hanya asesmen berstatus Diajukan atau Diverifikasi yang dapat dikembalikan (sekarang: {STATES[a.state]})."
            )
        comment = (comment or "").strip()
        if not comment:
            raise ValidationError("Komentar wajib diisi saat mengembalikan asesmen: jelaskan apa yang perlu diperbaiki.")
        _transition(s, actor, a, "dikembalikan", base_version, comment)


def finalize(actor: Actor, assessment_id: int, base_version: Optional[int] = None) -> None:
    with transaction() as s:
        a = _load(s, assessment_id)
        require(actor, Perm.ASSESSMENT_FINALIZE, unit_id=a.unit_id)
        if a.state != "diverifikasi":
            raise ValidationError(f"Hanya asesmen berstatus Diverifikasi yang dapat difinalkan (sekarang: {STATES[a.state]}).")
        _transition(s, actor, a, "final", base_version)


def set_priorities(actor: Actor, assessment_id: int, choices: Mapping[str, tuple[Optional[int], Optional[str]]],
                   base_version: Optional[int] = None) -> None:
    """Tabel 5: the team's final priority and reason per aspect (None keeps the suggestion)."""
    with transaction() as s:
        a = _editable(s, actor, assessment_id, Perm.PRIORITY_DECIDE)
        if base_version is not None and base_version != a.version:
            raise ConflictError("Tabel prioritas sudah diubah oleh pengguna lain sejak Anda membukanya. Muat ulang halaman.")
        view = _view(s, a)
        keys = {x.key for x in view.instrument.aspects}
        unknown = set(choices) - keys
        if unknown:
            raise ValidationError(f"Aspek tidak dikenal: {', '.join(sorted(unknown))}.")
        new_choices = dict(view.choices)
        for k, (p, reason) in choices.items():
            if p is not None:
                try:
                    p = int(p)
                except (TypeError, ValueError):
                    raise ValidationError(f"Prioritas untuk aspek '{view.instrument.aspect(k).name}' harus angka.") from None
            reason = (reason or "").strip() or None
            if reason and len(reason) > 4000:
                raise ValidationError("Alasan terlalu panjang (maksimal 4000 karakter).")
            new_choices[k] = PriorityChoice(p, reason, actor.username, None)
        result = compute(view)
        suggested = {r.key: r.suggested_priority for r in result.aspects}
        # A final priority equal to the suggestion is no decision: store it as "suggestion stands".
        for k, c in list(new_choices.items()):
            if c.final_priority is not None and c.final_priority == suggested.get(k):
                new_choices[k] = PriorityChoice(None, c.reason, c.decided_by, c.decided_at)
        problems = check_final_priorities(suggested, new_choices, {x.key: x.name for x in view.instrument.aspects})
        if problems:
            raise ValidationError(" ".join(problems))
        existing = {d.aspect_key: d for d in s.exec(select(PriorityDecision)
                                                      .where(PriorityDecision.assessment_id == a.id)).all()}
        for k in choices:
            c = new_choices[k]
            d = existing.get(k)
            old = None if d is None else {"final_priority": d.final_priority, "reason": d.reason}
            new = {"final_priority": c.final_priority, "reason": c.reason}
            if old == new:
                continue
            if d is None:
                d = PriorityDecision(assessment_id=a.id, aspect_key=k, decided_by=actor.username)
            d.final_priority, d.reason = c.final_priority, c.reason
            d.decided_by, d.decided_at = actor.username, utcnow()
            s.add(d)
            audit.record(s, actor, "priority.set", "assessment", a.id, {"aspect": k, **(old or {})}, {"aspect": k, **new})
        _bump_version(s, a)
        a.updated_at = utcnow()
        s.add(a)


# --- the command line's JSON, and the seed ---------------------------------------------------------

def score_document(view: AssessmentView, res: Result) -> dict[str, Any]:
    """The `manage.py score --json` object; aspects in Tabel 5's order."""
    return {
        "unit": view.unit_name,
        "year": view.year,
        "state": view.state,
        "instrument_version": view.instrument.number,
        "aspects": [
            {"name": r.name, "mean": round2(r.mean), "weak": r.weak, "suggested_priority": r.suggested_priority,
             "final_priority": r.final_priority, "reason": r.reason}
            for r in sorted(res.aspects, key=lambda r: r.order)
        ],
        "questions": [{"no": q, "score": view.scores.get(q), "category": res.categories.get(q)}
                      for q in sorted(view.instrument.questions)],
    }


def load_seed_assessment(s: Session, actor: Actor, path: str = "seed/blitar_2022.yaml") -> None:
    """The seed's Blitar 2022 self-assessment and Tabel 2 figures. Does nothing if already there."""
    from .datafiles import fail, load_yaml
    from .figures import upsert_figures_in
    from .units import find_unit

    data = load_yaml(path) or {}
    unit = find_unit(s, data.get("unit", ""))
    if unit is None:
        raise fail(path, f"unit '{data.get('unit')}' tidak ada di data/units.yaml.")
    spec = data["assessment"]
    year = int(spec["year"])
    if s.exec(select(Assessment).where(Assessment.unit_id == unit.id, Assessment.year == year)).first() is None:
        a = Assessment(unit_id=unit.id, year=year, instrument_version_id=instrument.current_version_id(s),
                       state=spec.get("state", "final"), created_by=actor.username, return_comment=None)
        s.add(a)
        s.flush()
        inst = instrument.by_id(s, a.instrument_version_id)
        scores = {int(k): int(v) for k, v in spec["scores"].items()}
        if sorted(scores) != sorted(inst.questions):
            raise fail(path, "nilai harus ada untuk setiap pertanyaan instrumen.")
        for q in sorted(inst.questions):
            s.add(Answer(assessment_id=a.id, question_no=q, score=scores[q], note=None, updated_by=actor.username))
        for k, reason in (spec.get("reasons") or {}).items():
            inst.aspect(k)
            s.add(PriorityDecision(assessment_id=a.id, aspect_key=k, final_priority=None, reason=reason,
                                   decided_by=actor.username))
        s.add(AssessmentEvent(assessment_id=a.id, from_state="draf", to_state=a.state,
                              comment=spec.get("note"), actor=actor.username))
        audit.record(s, actor, "assessment.seed", "assessment", a.id, None,
                     {"unit": unit.name, "year": year, "scores": scores, "state": a.state})
    for f in data.get("general_figures") or []:
        upsert_figures_in(s, actor, unit.id, int(f["year"]), int(f["received"]), int(f["resolved"]),
                          int(f["unresolved"]), int(f.get("months", 12)), f.get("note"), only_if_missing=True)


def _wib(dt: datetime) -> str:
    return fmt_wib(dt, suffix=True)
