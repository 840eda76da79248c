"""The assessment services on a real database: states, bad input, two users at once, audit."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func
from sqlmodel import select

from assessment import assessments, instrument, seed, units
from assessment.assessments import AnswerChange
from assessment.db import read_only
from assessment.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from assessment.models import Answer, Assessment, AuditLog, Evidence
from tests.conftest import actor_for

BLITAR = [4, 3, 4, 4, 4, 4, 3, 4, 3, 4, 4, 2, 3, 4, 3, 4, 4, 4, 3, 4, 2, 4]


def _count(model) -> int:
    with read_only() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def _unit(name="Dinas Komunikasi dan Informatika"):
    return units.resolve_unit(name).id


def _fill(actor, aid, values=BLITAR):
    assessments.save_answers(actor, aid, {q: AnswerChange(v) for q, v in enumerate(values, start=1)})


def test_full_flow_draft_to_final(seeded, admin):
    asesor, verif = actor_for("tim_asesor"), actor_for("verifikator")
    aid = assessments.create(asesor, _unit(), 2024)
    assert assessments.get(asesor, aid).state == "draf"
    with pytest.raises(ValidationError, match="belum lengkap: 0/22"):
        assessments.submit(asesor, aid)
    _fill(asesor, aid)
    view = assessments.get(asesor, aid)
    assert view.answered == 22
    assessments.submit(asesor, aid, base_version=view.version)
    with pytest.raises(ValidationError, match="Diajukan dan tidak dapat diubah"):
        assessments.save_answer(asesor, aid, 1, 2)
    with pytest.raises(ValidationError, match="Komentar wajib"):
        assessments.return_for_revision(verif, aid, "  ")
    assessments.return_for_revision(verif, aid, "Bukti pertanyaan 12 belum ada")
    v = assessments.get(asesor, aid)
    assert v.state == "dikembalikan" and v.return_comment == "Bukti pertanyaan 12 belum ada"
    assessments.save_answer(asesor, aid, 12, 3, note="SK sudah terbit")
    assessments.submit(asesor, aid)
    assessments.verify(verif, aid)
    assessments.finalize(verif, aid)
    final = assessments.get(asesor, aid)
    assert final.state == "final"
    assert [e.to_state for e in final.events] == ["diajukan", "dikembalikan", "diajukan", "diverifikasi", "final"]
    with pytest.raises(ValidationError, match="Final dan tidak dapat diubah"):
        assessments.save_answer(admin, aid, 1, 1)
    res = assessments.compute(final)
    assert res.aspects[0].mean == pytest.approx(22 / 6)  # question 12 raised from 2 to 3


def test_bad_input_is_refused_and_nothing_written(seeded):
    asesor = actor_for("tim_asesor")
    aid = assessments.create(asesor, _unit(), 2024)
    before = (_count(Answer), _count(AuditLog))
    for bad, msg in [(5, "nilai harus 1 sampai 4"), (0, "nilai harus 1 sampai 4"), ("x", "harus angka 1 sampai 4"),
                     (2.5, "harus bilangan bulat")]:
        with pytest.raises(ValidationError, match=msg):
            assessments.save_answers(asesor, aid, {1: AnswerChange(3), 2: AnswerChange(bad)})
    with pytest.raises(ValidationError, match="Pertanyaan nomor 23 tidak ada"):
        assessments.save_answer(asesor, aid, 23, 3)
    with pytest.raises(ValidationError, match="Tautan bukti"):
        assessments.save_answer(asesor, aid, 1, 3, evidence_link="javascript:alert(1)")
    with pytest.raises(NotFound):
        assessments.create(asesor, 99999, 2024)
    with pytest.raises(ValidationError, match="di luar rentang"):
        assessments.create(asesor, _unit(), 1999)
    with pytest.raises(ConflictError, match="sudah ada"):
        assessments.create(asesor, _unit(), 2024)
    with pytest.raises(NotFound):
        assessments.get(asesor, 424242)
    assert (_count(Answer), _count(AuditLog)) == before
    assert assessments.get(asesor, aid).answered == 0


def test_evidence_file_checks(seeded, monkeypatch):
    asesor = actor_for("tim_asesor")
    aid = assessments.create(asesor, _unit(), 2024)
    eid = assessments.add_evidence_file(asesor, aid, 3, "sk_tim.pdf", b"%PDF-1.4 contoh")
    assert assessments.get(asesor, aid).answers[3].files[0].filename == "sk_tim.pdf"
    n = _count(Evidence)
    with pytest.raises(ValidationError, match="jenis '.exe' tidak diizinkan"):
        assessments.add_evidence_file(asesor, aid, 3, "virus.exe", b"MZ")
    with pytest.raises(ValidationError, match="bukan berkas .pdf yang sah"):
        assessments.add_evidence_file(asesor, aid, 3, "palsu.pdf", b"<html>")
    big = b"%PDF" + b"0" * (10 * 1024 * 1024)
    with pytest.raises(ValidationError, match="melebihi batas 10 MB"):
        assessments.add_evidence_file(asesor, aid, 3, "besar.pdf", big)
    assert _count(Evidence) == n
    assessments.remove_evidence(asesor, aid, 3, eid)
    assert assessments.get(asesor, aid).answers[3].files == ()


def test_two_users_saving_the_same_answer_one_wins_the_other_is_told(seeded):
    a1, a2 = actor_for("tim_asesor", username="ani"), actor_for("tim_asesor", username="budi")
    aid = assessments.create(a1, _unit(), 2024)
    base = assessments.get(a1, aid).answers[5].version
    assessments.save_answer(a1, aid, 5, 4, base_version=base)
    with pytest.raises(ConflictError, match="sudah diubah oleh ani"):
        assessments.save_answer(a2, aid, 5, 1, base_version=base)
    assert assessments.get(a1, aid).answers[5].score == 4
    # Different questions never clash.
    assessments.save_answer(a2, aid, 6, 2, base_version=base)


def test_concurrent_saves_in_threads(seeded):
    a1 = actor_for("tim_asesor", username="ani")
    aid = assessments.create(a1, _unit(), 2024)
    base = assessments.get(a1, aid).answers[7].version
    outcomes = []
    barrier = threading.Barrier(4)

    def worker(i):
        barrier.wait()
        try:
            assessments.save_answer(actor_for("tim_asesor", username=f"u{i}"), aid, 7, (i % 4) + 1, base_version=base)
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    # Four saves based on the same version: exactly one wins, the other three are told.
    final = assessments.get(a1, aid).answers[7]
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    assert final.version == base + 1


def test_double_create_makes_one_record(seeded):
    a = actor_for("tim_asesor")
    unit_id = _unit()
    errors = []

    def go():
        try:
            assessments.create(a, unit_id, 2025)
        except ConflictError as exc:
            errors.append(exc)

    ts = [threading.Thread(target=go) for _ in range(3)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    with read_only() as s:
        n = s.exec(select(func.count()).select_from(Assessment).where(Assessment.unit_id == unit_id,
                                                                      Assessment.year == 2025)).one()
    assert n == 1 and len(errors) == 2


def test_priorities_need_reasons_and_a_permutation(seeded):
    asesor = actor_for("tim_asesor")
    aid = assessments.create(asesor, _unit(), 2024)
    _fill(asesor, aid)
    with pytest.raises(ValidationError, match="alasan wajib diisi"):
        assessments.set_priorities(asesor, aid, {"kelembagaan": (1, ""), "data_aplikasi": (2, "")})
    with pytest.raises(ValidationError, match="Prioritas 1 dipakai oleh lebih dari satu aspek"):
        assessments.set_priorities(asesor, aid, {"kelembagaan": (1, "SK belum diperbarui")})
    assessments.set_priorities(asesor, aid, {"kelembagaan": (1, "SK belum diperbarui"),
                                             "data_aplikasi": (2, "Integrasi sudah dianggarkan")})
    view, res = assessments.result(asesor, aid)
    by = {r.key: r for r in res.aspects}
    assert (by["kelembagaan"].suggested_priority, by["kelembagaan"].priority) == (2, 1)
    assert by["data_aplikasi"].priority == 2 and by["data_aplikasi"].reason == "Integrasi sudah dianggarkan"
    assert view.choices["kelembagaan"].decided_by == "tim_asesor.test"


def test_roles_are_enforced_in_the_services(seeded):
    kominfo, other = _unit(), _unit("Dinas Kesehatan")
    op = actor_for("operator_opd", unit_id=kominfo)
    aid = assessments.create(op, kominfo, 2024)
    assessments.save_answer(op, aid, 1, 4)
    with pytest.raises(PermissionDenied, match="unitnya sendiri"):
        assessments.create(op, other, 2024)
    other_id = assessments.create(actor_for("tim_asesor"), other, 2024)
    with pytest.raises(PermissionDenied):
        assessments.get(op, other_id)
    with pytest.raises(PermissionDenied):
        assessments.save_answer(actor_for("pimpinan"), aid, 1, 3)
    with pytest.raises(PermissionDenied):
        assessments.verify(actor_for("tim_asesor"), aid)
    assert [a.unit_id for a in assessments.list_assessments(op)] == [kominfo]


def test_audit_rows_record_old_and_new(seeded):
    asesor = actor_for("tim_asesor")
    aid = assessments.create(asesor, _unit(), 2024)
    assessments.save_answer(asesor, aid, 4, 2)
    assessments.save_answer(asesor, aid, 4, 3, note="diperbaiki")
    with read_only() as s:
        rows = s.exec(select(AuditLog).where(AuditLog.action == "answer.save").order_by(AuditLog.id)).all()
    assert [(r.old["score"], r.new["score"]) for r in rows] == [(None, 2), (2, 3)]
    assert rows[1].new["note"] == "diperbaiki" and rows[1].actor == "tim_asesor.test"


def test_seed_is_idempotent_and_scores_blitar(seeded):
    seed.load_demo()
    n = (_count(Assessment), _count(Answer), _count(AuditLog))
    seed.load_demo()
    assert (_count(Assessment), _count(Answer)) == n[:2]
    view = assessments.find_by_name(actor_for("pimpinan"), "Pemerintah Kabupaten Blitar", 2022)
    doc = assessments.score_document(view, assessments.compute(view))
    assert [a["mean"] for a in doc["aspects"]] == [3.50, 3.56, 3.40, 4.00, 3.67]
    assert [a["suggested_priority"] for a in doc["aspects"]] == [2, 3, 1, 5, 4]
    assert doc["state"] == "final" and doc["instrument_version"] == 1


def test_new_instrument_version_keeps_old_results(seeded, admin):
    seed.load_demo()
    view = assessments.find_by_name(admin, "Pemerintah Kabupaten Blitar", 2022)
    inst = instrument.current()
    mapping = {q: list(a) for q, a in inst.mapping.items()}
    mapping[21] = ["partisipasi"]  # move question 21 (scored 2)
    with pytest.raises(ValidationError, match="Catatan perubahan wajib"):
        instrument.save_new_version(admin, mapping, None, "")
    number = instrument.save_new_version(admin, mapping, None, "uji pemetaan", base_number=inst.number)
    assert number == 2
    with pytest.raises(ValidationError, match="sudah diubah menjadi versi 2"):
        instrument.save_new_version(admin, mapping, None, "lagi", base_number=1)
    old = assessments.compute(assessments.get(admin, view.id))
    assert round(old.aspects[2].mean, 2) == 3.40  # 2022 keeps version 1
    new_id = assessments.create(admin, _unit(), 2024)
    assert assessments.get(admin, new_id).instrument.number == 2
    with pytest.raises(PermissionDenied):
        instrument.save_new_version(actor_for("tim_asesor"), mapping, None, "x")


def test_saving_one_field_leaves_the_others_alone(seeded):
    asesor = actor_for("tim_asesor")
    aid = assessments.create(asesor, _unit(), 2024)
    assessments.save_answers(asesor, aid, {1: AnswerChange(3, note="catatan awal")})
    with pytest.raises(ValidationError, match="Catatan pertanyaan 1 terlalu panjang"):
        assessments.save_answers(asesor, aid, {1: AnswerChange(3, note="x" * 4001, fields=("note",))})
    assessments.save_answers(asesor, aid, {1: AnswerChange(None, note="x" * 4001,
                                                            evidence_link="https://jdih.blitarkab.go.id/bukti-1",
                                                            fields=("evidence_link",))})
    a = assessments.get(asesor, aid).answers[1]
    assert (a.score, a.note, a.evidence_link) == (3, "catatan awal", "https://jdih.blitarkab.go.id/bukti-1")
