"""Independent scoring and consensus: the blind rule in the service, the consensus in the result, audit."""
from __future__ import annotations

import pytest
from sqlmodel import select

from assessment import accounts, assessments, consensus, units
from assessment.consensus import OwnScore
from assessment.db import read_only
from assessment.errors import ConflictError, PermissionDenied, ValidationError
from assessment.models import Answer, AuditLog, IndividualScore
from scoring.assessment import round2
from tests.conftest import actor_for
from tests.test_permission_matrix import _digest

PW = "Sandi-Awal-2024!"

BLITAR = [4, 3, 4, 4, 4, 4, 3, 4, 3, 4, 4, 2, 3, 4, 3, 4, 4, 4, 3, 4, 2, 4]
QS = range(1, 23)


@pytest.fixture
def setup(seeded, admin):
    unit = units.resolve_unit("Dinas Komunikasi dan Informatika")
    aid = assessments.create(admin, unit.id, 2023)
    people = {
        "ani": actor_for("tim_asesor", username="ani"),
        "budi": actor_for("tim_asesor", username="budi"),
        "citra": actor_for("tim_asesor", username="citra"),
        "ketua": actor_for("tim_asesor", username="ketua"),
        "verif": actor_for("verifikator"),
        "pimpinan": actor_for("pimpinan"),
        "operator": actor_for("operator_opd", unit_id=unit.id),
    }
    make_users(admin, "ani", "budi", "citra", "ketua")
    assert consensus.set_lead(admin, aid, "ketua")
    return aid, unit, people


def make_users(admin, *names, role="tim_asesor"):
    """Accounts for the actors (a ketua tim must be a real, active Tim Asesor user)."""
    for n in names:
        accounts.create_user(admin, n, f"Nama {n.title()}", role, PW)


def _full(scores):
    return {q: OwnScore(v, f"catatan {q}") for q, v in zip(QS, scores)}


def _audit(action):
    with read_only() as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all())


def test_blind_rule_enforced_in_service(setup):
    aid, _unit, p = setup
    ani, budi = p["ani"], p["budi"]
    assert consensus.save_own(ani, aid, {1: OwnScore(4), 2: OwnScore(3, "bukti SK")}) == 2
    # ani has started: sees only her own
    with pytest.raises(PermissionDenied, match="setelah Anda mengajukan"):
        consensus.comparison(ani, aid)
    assert consensus.my_sheet(ani, aid).scores[2] == 3
    assert consensus.my_sheet(ani, aid).notes[2] == "bukti SK"
    # nobody else sees anything (my_sheet is always one's own)
    assert consensus.my_sheet(budi, aid).answered == 0
    for who in ("budi", "pimpinan", "verif", "ketua", "operator"):
        with pytest.raises(PermissionDenied, match="konsensus belum dibuka"):
            consensus.comparison(p[who], aid)
    with pytest.raises(ValidationError, match="2/22"):
        consensus.submit_own(ani, aid)
    consensus.save_own(ani, aid, _full(BLITAR))
    consensus.submit_own(ani, aid)
    with pytest.raises(ValidationError, match="sudah diajukan"):
        consensus.save_own(ani, aid, {1: OwnScore(1)})
    # ani has submitted: sees the submitted sets (only hers for now); budi's draft stays hidden
    budi_scores = list(BLITAR)
    budi_scores[11] = 4  # question 12: 2 vs 4 -> flagged
    budi_scores[0] = 3  # question 1: 4 vs 3
    consensus.save_own(budi, aid, _full(budi_scores))
    view = consensus.comparison(ani, aid)
    assert [x.assessor for x in view.assessors] == ["ani"]
    assert view.rows[11].scores == {"ani": 2}
    with pytest.raises(PermissionDenied):
        consensus.comparison(budi, aid)
    st = consensus.status(p["pimpinan"], aid)
    assert [(a.assessor, a.answered, a.submitted) for a in st.assessors] == [("ani", 22, True), ("budi", 22, False)]
    assert not st.can_view and not st.can_open
    # the lead may not open with one submission
    with pytest.raises(ValidationError, match="minimal 2"):
        consensus.open_consensus(p["ketua"], aid)
    consensus.submit_own(budi, aid)
    view = consensus.comparison(budi, aid)
    assert view.rows[11].scores == {"ani": 2, "budi": 4}
    assert view.rows[11].spread == 2 and view.rows[11].flagged
    assert view.rows[0].spread == 1 and not view.rows[0].flagged
    assert view.agreement.flagged == (12,)
    assert view.agreement.exact == pytest.approx(20 / 22)
    # observers still wait for the lead
    with pytest.raises(PermissionDenied):
        consensus.comparison(p["pimpinan"], aid)
    with pytest.raises(PermissionDenied):
        consensus.open_consensus(p["verif"], aid)
    assert consensus.status(p["ketua"], aid).can_open
    consensus.open_consensus(p["ketua"], aid)
    with pytest.raises(ConflictError):
        consensus.open_consensus(p["ketua"], aid)
    for who in ("pimpinan", "verif", "ketua", "operator", "citra"):
        assert len(consensus.comparison(p[who], aid).rows) == 22
    # independent scoring is closed once the consensus is open
    with pytest.raises(ValidationError, match="ditutup"):
        consensus.save_own(p["citra"], aid, {1: OwnScore(2)})


def test_pending_drafts_are_left_out_and_roles(setup):
    aid, _unit, p = setup
    with pytest.raises(PermissionDenied):
        consensus.save_own(p["operator"], aid, {1: OwnScore(4)})
    with pytest.raises(PermissionDenied):
        consensus.save_own(p["pimpinan"], aid, {1: OwnScore(4)})
    with pytest.raises(ValidationError, match="1 sampai 4"):
        consensus.save_own(p["ani"], aid, {1: OwnScore(5)})
    with pytest.raises(ValidationError, match="bilangan bulat"):
        consensus.save_own(p["ani"], aid, {1: OwnScore(2.5)})
    with pytest.raises(ValidationError, match="tidak ada dalam instrumen"):
        consensus.save_own(p["ani"], aid, {23: OwnScore(2)})
    with read_only() as s:
        assert s.exec(select(IndividualScore)).all() == []  # nothing written by the refusals
    for who in ("ani", "budi"):
        consensus.save_own(p[who], aid, _full(BLITAR))
        consensus.submit_own(p[who], aid)
    consensus.save_own(p["citra"], aid, {1: OwnScore(1)})
    consensus.open_consensus(p["ketua"], aid)
    view = consensus.comparison(p["citra"], aid)
    assert [x.assessor for x in view.assessors] == ["ani", "budi"]
    assert "citra" not in view.rows[0].scores
    with pytest.raises(ValidationError):
        consensus.submit_own(p["citra"], aid)


def test_consensus_flows_into_result_and_audit(setup):
    aid, _unit, p = setup
    ani_s = list(BLITAR)
    budi_s = list(BLITAR)
    budi_s[11] = 4  # q12: ani 2, budi 4
    budi_s[20] = 3  # q21: ani 2, budi 3
    consensus.save_own(p["ani"], aid, _full(ani_s))
    consensus.submit_own(p["ani"], aid)
    consensus.save_own(p["budi"], aid, _full(budi_s))
    consensus.submit_own(p["budi"], aid)
    with pytest.raises(ValidationError, match="belum dibuka"):
        consensus.set_consensus(p["ketua"], aid, {1: OwnScore(4)})
    consensus.open_consensus(p["ketua"], aid)
    decisions = {q: OwnScore(v) for q, v in zip(QS, BLITAR)}
    # a note is required where the members differ (12 and 21)
    with pytest.raises(ValidationError, match="pertanyaan 12, 21"):
        consensus.set_consensus(p["ketua"], aid, decisions)
    with pytest.raises(PermissionDenied):
        consensus.set_consensus(p["verif"], aid, decisions)
    view = assessments.get(p["ketua"], aid)
    assert view.answered == 0  # nothing written by the refusals
    decisions[12] = OwnScore(2, "Belum ada Perbup; anggaran belum memadai.")
    decisions[21] = OwnScore(2, "Belum terintegrasi dengan kanal lokal.")
    assert consensus.set_consensus(p["ketua"], aid, decisions) == 22
    view, res = assessments.result(p["pimpinan"], aid)
    assert [view.scores[q] for q in QS] == BLITAR
    means = [round2(r.mean) for r in sorted(res.aspects, key=lambda r: r.order)]
    assert means == [3.50, 3.56, 3.40, 4.00, 3.67]
    assert [r.suggested_priority for r in sorted(res.aspects, key=lambda r: r.order)] == [2, 3, 1, 5, 4]
    cmp = consensus.comparison(p["pimpinan"], aid)
    assert cmp.rows[11].decision.score == 2 and cmp.rows[11].decision.spread == 2
    assert cmp.rows[11].decision.note.startswith("Belum ada Perbup")
    assert cmp.rows[11].decision.assessors == 2
    assert consensus.status(p["ketua"], aid).decided == 22
    # a different consensus on a unanimous question needs a note too
    with pytest.raises(ValidationError, match="pertanyaan 1"):
        consensus.set_consensus(p["ketua"], aid, {1: OwnScore(3)})
    assert consensus.set_consensus(p["ketua"], aid, {1: OwnScore(3, "Bukti kanal belum lengkap.")}) == 1
    assert assessments.get(p["ketua"], aid).scores[1] == 3
    # an edit on the main page after the consensus is shown
    version = assessments.get(p["ketua"], aid).answers[1].version
    assessments.save_answer(p["ani"], aid, 1, 4, base_version=version)
    assert consensus.comparison(p["ketua"], aid).rows[0].changed_after_decision
    # a stale answer version is refused, and nothing is written
    with pytest.raises(ConflictError):
        consensus.set_consensus(p["ketua"], aid, {1: OwnScore(3, "lagi")}, answer_versions={1: version})
    assert assessments.get(p["ketua"], aid).scores[1] == 4

    # audit: one row per write; no score values before the consensus is opened
    saves = _audit("consensus.own_save")
    assert len(saves) == 2 and saves[0].new == {"assessor": "ani", "questions": list(QS)}
    subs = _audit("consensus.submit")
    assert [r.new["assessor"] for r in subs] == ["ani", "budi"]
    assert all(len(r.new["sha256"]) == 64 and r.new["answered"] == 22 for r in subs)
    opened = _audit("consensus.open")
    assert len(opened) == 1 and opened[0].actor == "ketua"
    assert opened[0].new["submitted"]["budi"]["12"] == 4
    sets = _audit("consensus.set")
    assert len(sets) == 23
    q12 = next(r for r in sets if r.new["question"] == 12)
    assert q12.new["score"] == 2 and q12.new["spread"] == 2 and q12.actor == "ketua"
    answer_saves = [r for r in _audit("answer.save") if r.actor == "ketua"]
    assert len(answer_saves) == 23  # 22 consensus scores, then question 1 changed to 3
    assert len(_audit("consensus.sheet_start")) == 2


def test_consensus_refused_when_not_editable(setup, admin):
    aid, _unit, p = setup
    for who in ("ani", "budi"):
        consensus.save_own(p[who], aid, _full(BLITAR))
        consensus.submit_own(p[who], aid)
    consensus.open_consensus(p["ketua"], aid)
    consensus.set_consensus(p["ketua"], aid, {q: OwnScore(v) for q, v in zip(QS, BLITAR)})
    assessments.submit(admin, aid)
    with pytest.raises(ValidationError, match="Diajukan"):
        consensus.set_consensus(p["ketua"], aid, {1: OwnScore(3, "x")})
    with read_only() as s:
        assert s.exec(select(Answer.score).where(Answer.assessment_id == aid, Answer.question_no == 1)).one() == 4
    st = consensus.status(p["ketua"], aid)
    assert not st.can_decide and st.state_label == "Diajukan"


def test_visibility_rule_table():
    v = consensus.visibility
    assert v(has_sheet=True, submitted=False, submitted_count=3, opened=False)[0] is False
    assert v(has_sheet=True, submitted=True, submitted_count=1, opened=False)[0] is True
    assert v(has_sheet=False, submitted=False, submitted_count=5, opened=False)[0] is False
    assert v(has_sheet=False, submitted=False, submitted_count=2, opened=True)[0] is True
    assert v(has_sheet=True, submitted=False, submitted_count=2, opened=True)[0] is True


def test_only_the_ketua_opens_and_sets_consensus(seeded, admin):
    unit = units.resolve_unit("Dinas Komunikasi dan Informatika")
    aid = assessments.create(admin, unit.id, 2022)
    make_users(admin, "ani", "budi", "ketua")
    make_users(admin, "pim", role="pimpinan")
    ani, budi, ketua = (actor_for("tim_asesor", username=n) for n in ("ani", "budi", "ketua"))
    for who in (ani, budi):
        consensus.save_own(who, aid, _full(BLITAR))
        consensus.submit_own(who, aid)
    # no ketua yet: no tim_asesor may open; the page says who designates one
    st = consensus.status(ketua, aid)
    assert st.lead is None and not st.can_open and not st.may_lead and "belum ditetapkan" in st.lead_reason
    assert not st.can_set_lead and consensus.status(admin, aid).can_set_lead
    before = _digest()
    with pytest.raises(PermissionDenied, match="belum ditetapkan"):
        consensus.open_consensus(ketua, aid)
    # only an admin designates, and only an active Tim Asesor user
    for who in (ani, actor_for("verifikator"), actor_for("pimpinan")):
        with pytest.raises(PermissionDenied):
            consensus.set_lead(who, aid, "ani")
    with pytest.raises(ValidationError, match="tidak ada"):
        consensus.set_lead(admin, aid, "siapa")
    with pytest.raises(ValidationError, match="bukan Tim Asesor"):
        consensus.set_lead(admin, aid, "pim")
    assert _digest() == before  # nothing written by any refusal
    accounts.set_active(admin, accounts.find_user_id(admin, "budi"), False)
    with pytest.raises(ValidationError, match="tidak aktif"):
        consensus.set_lead(admin, aid, "budi")
    assert [c.username for c in consensus.lead_candidates(admin)] == ["ani", "ketua"]
    with pytest.raises(PermissionDenied):
        consensus.lead_candidates(ketua)
    assert consensus.set_lead(admin, aid, "ketua") is True
    assert consensus.set_lead(admin, aid, "ketua") is False  # unchanged: nothing written
    st = consensus.status(ketua, aid)
    assert st.is_lead and st.may_lead and st.can_open and st.lead.username == "ketua"
    assert st.lead.label == "Nama Ketua (ketua)" and st.lead.designated_by == admin.username
    st = consensus.status(ani, aid)
    assert not st.is_lead and not st.can_open and "Hanya ketua tim (Nama Ketua (ketua))" in st.lead_reason
    # a member who is not the ketua is refused, and nothing is written
    before = _digest()
    with pytest.raises(PermissionDenied, match="Hanya ketua tim"):
        consensus.open_consensus(ani, aid)
    assert _digest() == before
    consensus.open_consensus(ketua, aid)
    before = _digest()
    with pytest.raises(PermissionDenied, match="Hanya ketua tim"):
        consensus.set_consensus(ani, aid, {q: OwnScore(v) for q, v in zip(QS, BLITAR)})
    assert _digest() == before
    assert assessments.get(admin, aid).answered == 0
    assert consensus.set_consensus(ketua, aid, {1: OwnScore(4)}) == 1
    # the admin changes the ketua: the former ketua is refused from now on, the new one may decide
    assert consensus.set_lead(admin, aid, "ani")
    with pytest.raises(PermissionDenied, match="Nama Ani"):
        consensus.set_consensus(ketua, aid, {2: OwnScore(3)})
    assert consensus.set_consensus(ani, aid, {2: OwnScore(3)}) == 1
    assert consensus.set_consensus(admin, aid, {3: OwnScore(4)}) == 1  # an admin may always
    sets = _audit("consensus.lead_set")
    assert [(r.actor, r.old, r.new["lead"]) for r in sets] == [
        (admin.username, None, "ketua"), (admin.username, {"lead": "ketua"}, "ani")]
    assert sets[0].new["unit"] == "Dinas Komunikasi dan Informatika" and sets[0].new["year"] == 2022
    # once submitted for verification the ketua can no longer be changed
    consensus.set_consensus(admin, aid, {q: OwnScore(v) for q, v in zip(QS, BLITAR)})
    assessments.submit(admin, aid)
    with pytest.raises(ValidationError, match="Diajukan"):
        consensus.set_lead(admin, aid, "ketua")
    assert not consensus.status(admin, aid).can_set_lead


def test_consensus_never_replaces_existing_answers_silently(setup):
    """An assessment already answered in Asesmen Mandiri: the consensus says so and needs a confirmation."""
    aid, _unit, p = setup
    op = p["operator"]
    view = assessments.get(op, aid)
    first = {q: assessments.AnswerChange(BLITAR[q - 1], base_version=view.answers[q].version) for q in range(1, 20)}
    assessments.save_answers(op, aid, first)  # 19 answers by the operator
    view = assessments.get(p["ani"], aid)
    assessments.save_answers(p["ani"], aid, {q: assessments.AnswerChange(4, base_version=view.answers[q].version)
                                             for q in (20, 21, 22)})  # 3 by a Tim Asesor member
    ex = consensus.existing_answers(p["pimpinan"], aid)
    assert ex.count == 22 and ex.questions == tuple(QS)
    assert [(a.username, a.count) for a in ex.authors] == [(op.username, 19), ("ani", 3)]
    for who in ("ani", "budi"):
        consensus.save_own(p[who], aid, _full([1] * 22))
        consensus.submit_own(p[who], aid)
    consensus.open_consensus(p["ketua"], aid)
    decisions = {q: OwnScore(1) for q in QS}
    decisions[1] = OwnScore(BLITAR[0], "sama dengan jawaban operator; bukti lengkap")  # no change: not a replacement
    before = _digest()
    with pytest.raises(ValidationError) as exc:
        consensus.set_consensus(p["ketua"], aid, decisions)
    assert str(exc.value) == (
        f"21 pertanyaan sudah berjawaban di asesmen ini (diisi oleh ani, {op.username}) dan akan diganti nilai "
        "konsensus: pertanyaan 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22. "
        "Konfirmasi dulu bahwa jawaban itu boleh diganti; tidak ada yang disimpan.")
    assert _digest() == before  # nothing written
    assert [assessments.get(op, aid).scores[q] for q in QS] == BLITAR[:19] + [4, 4, 4]
    # only questions that keep their answer: no confirmation needed
    assert consensus.set_consensus(p["ketua"], aid, {1: decisions[1]}) == 1
    # confirmed: replaced, audited as answer.save by the ketua with the old values
    assert consensus.set_consensus(p["ketua"], aid, decisions, replace_existing=True) == 21
    assert [assessments.get(op, aid).scores[q] for q in QS] == [BLITAR[0]] + [1] * 21
    saves = {r.new["question"]: r.old["score"] for r in _audit("answer.save") if r.actor == "ketua"}
    assert saves == {q: (BLITAR[q - 1] if q < 20 else 4) for q in range(2, 23)}
    # what the consensus wrote is not "existing" any more; question 1 (same value) neither
    assert consensus.existing_answers(p["ketua"], aid).count == 0
    # an answer edited afterwards on Asesmen Mandiri is existing again
    view = assessments.get(op, aid)
    assessments.save_answer(op, aid, 5, 3, base_version=view.answers[5].version)
    ex = consensus.existing_answers(p["ketua"], aid)
    assert ex.questions == (5,) and ex.authors[0].username == op.username and ex.authors[0].count == 1
    with pytest.raises(ValidationError, match="1 pertanyaan sudah berjawaban"):
        consensus.set_consensus(p["ketua"], aid, {5: OwnScore(1)})
