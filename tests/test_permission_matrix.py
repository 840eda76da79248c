"""Every role against every write service: allowed -> it succeeds and leaves an audit row by that actor;
refused -> PermissionDenied and the database is exactly as before (row counts AND content of every table).

The table CASES is explicit: who may call what. `test_every_write_service_is_in_the_matrix` scans
assessment/*.py for public functions that take an `actor` and open a transaction, so a new write
service fails the suite until it is added here (or to EXEMPT, with the reason).
"""
from __future__ import annotations

import ast
import hashlib
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import pytest
from sqlalchemy import func, select as sa_select
from sqlmodel import SQLModel, select

from assessment.errors import PermissionDenied
from assessment.permissions import SYSTEM, Actor
from tests.conftest import ROOT, actor_for

KINDS = ("admin", "tim_asesor", "verifikator", "pimpinan", "operator_own", "operator_other", "public")
OWN_UNIT = "Dinas Komunikasi dan Informatika"
OTHER_UNIT = "Dinas Kesehatan"
PW = "Sandi-Awal-2024!"

# Functions that write but are no service a page or a user reaches with another role's actor.
EXEMPT = {
    "accounts.authenticate": "login: no actor yet; audited as user.login / user.login_failed / user.locked "
                             "(tests/test_accounts.py)",
    "accounts.set_font_scale": "each user's own display preference (every role, pimpinan too); changes no "
                               "monitoring data; audited as user.font_scale",
    "seed.load_base": "start-up and `manage.py` only, always as SYSTEM; each loader audits what it adds",
    "seed.load_demo": "`manage.py seed-demo` only, always as SYSTEM",
}


class Ctx:
    """Builds, as SYSTEM, the state in which a write would succeed; each call gets fresh objects."""

    def __init__(self) -> None:
        from assessment import units

        self.own = units.resolve_unit(OWN_UNIT).id
        self.other = units.resolve_unit(OTHER_UNIT).id
        self._years = itertools.count(2018)
        self._n = itertools.count(1)

    def n(self) -> int:
        return next(self._n)

    def actor(self, kind: str) -> Optional[Actor]:
        if kind == "public":
            return None
        if kind == "operator_own":
            return actor_for("operator_opd", self.own, username="op.own")
        if kind == "operator_other":
            return actor_for("operator_opd", self.other, username="op.other")
        return actor_for(kind, username=f"{kind}.matrix")

    # --- assessments
    def assessment(self, state: str = "draf", filled: bool = True) -> int:
        from assessment import assessments as a
        from assessment.assessments import AnswerChange

        aid = a.create(SYSTEM, self.own, next(self._years))
        if filled or state != "draf":
            view = a.get(SYSTEM, aid)
            a.save_answers(SYSTEM, aid, {q: AnswerChange(score=(q % 4) + 1) for q in view.instrument.questions})
        if state in ("diajukan", "diverifikasi", "final"):
            a.submit(SYSTEM, aid)
        if state in ("diverifikasi", "final"):
            a.verify(SYSTEM, aid)
        if state == "final":
            a.finalize(SYSTEM, aid)
        return aid

    def evidence(self, aid: int) -> int:
        from assessment import assessments as a

        return a.add_evidence_file(SYSTEM, aid, 1, "bukti.pdf", b"%PDF-1.4 bukti")

    def submitted_sheet(self, aid: int, who: str) -> None:
        from assessment import consensus as c

        me = actor_for("tim_asesor", username=who)
        c.save_own(me, aid, {q: c.OwnScore(score=(q % 4) + 1) for q in range(1, 23)})
        c.submit_own(me, aid)

    def ketua(self, aid: int, username: str = "tim_asesor.matrix") -> None:
        """Designate `username` (an account made here if missing) ketua tim of the assessment."""
        from assessment import accounts
        from assessment import consensus as c
        from assessment.errors import NotFound

        try:
            accounts.find_user_id(SYSTEM, username)
        except NotFound:
            accounts.create_user(SYSTEM, username, "Ketua Tim Uji", "tim_asesor", PW)
        c.set_lead(SYSTEM, aid, username)

    # --- users
    def user(self, role: str = "tim_asesor") -> int:
        from assessment import accounts

        return accounts.create_user(SYSTEM, f"target.{self.n()}", "Target Uji", role, PW,
                                    self.own if role == "operator_opd" else None)

    # --- units
    def unit(self) -> int:
        from assessment import units

        return units.create_unit(SYSTEM, f"Unit Uji {self.n()}", "opd", aliases=[f"UU{self.n()}"])

    # --- rencana aksi
    def item(self, planned: bool = True):
        """A kegiatan of the own unit (responsible), different for each call."""
        from assessment import renaksi

        items = [it for it in renaksi.list_items(SYSTEM) if it.level == "kegiatan" and it.planned_years and it.active]
        it = items[self.n()]
        renaksi.set_responsible(SYSTEM, it.id, [self.own], None)
        return renaksi.get_item(SYSTEM, it.id)

    def item_with_evidence(self):
        from assessment import renaksi

        it = self.item()
        y = it.planned_years[0]
        renaksi.add_evidence(SYSTEM, it.id, y, link="https://contoh.go.id/bukti-1")
        renaksi.add_evidence(SYSTEM, it.id, y, link="https://contoh.go.id/bukti-2")
        ev = renaksi.get_item(SYSTEM, it.id).years[y].evidence[0]
        return it, y, ev.id


def _mapping():
    from assessment import instrument

    inst = instrument.current()
    m = {q: list(keys) for q, keys in inst.mapping.items()}
    q = sorted(m)[0]
    extra = next(a.key for a in inst.aspects if a.key not in m[q])
    m[q] = m[q] + [extra]
    return m


Setup = Callable[[Ctx], Callable[[Optional[Actor]], object]]


@dataclass(frozen=True)
class Case:
    allowed: frozenset
    setup: Setup


def case(allowed: str, setup: Setup) -> Case:
    return Case(frozenset(allowed.split()), setup)


def _accounts():
    from assessment import accounts as m

    return m


def _a():
    from assessment import assessments as m

    return m


def _c():
    from assessment import consensus as m

    return m


def _r():
    from assessment import renaksi as m

    return m


def _u():
    from assessment import units as m

    return m


def _renaksi_edit(ctx: Ctx):
    it = ctx.item()
    return lambda actor: _r().apply_edits(actor, [_r().ProgressEdit(it.id, it.planned_years[0], "berjalan", 40)])


def _renaksi_status(ctx: Ctx):
    it = ctx.item()
    return lambda actor: _r().set_status(actor, it.code, it.planned_years[0], "berjalan", 30)


def _renaksi_add_evidence(ctx: Ctx):
    it = ctx.item()
    return lambda actor: _r().add_evidence(actor, it.id, it.planned_years[0], link="https://contoh.go.id/b")


def _renaksi_remove_evidence(ctx: Ctx):
    it, y, ev = ctx.item_with_evidence()
    return lambda actor: _r().remove_evidence(actor, it.id, y, ev)


def _indicator(ctx: Ctx):
    r = _r()
    ind = r.list_indicators(SYSTEM)[ctx.n()]
    return lambda actor: r.set_indicator_status(actor, ind.code, r.plan_years()[0], "belum_tercapai", "uji")


def _set_consensus(ctx: Ctx):
    aid = ctx.assessment(filled=False)
    ctx.submitted_sheet(aid, "asesor.satu")
    ctx.submitted_sheet(aid, "asesor.dua")
    ctx.ketua(aid)  # the tim_asesor of the matrix is the ketua tim (see test_consensus for a non-ketua member)
    _c().open_consensus(SYSTEM, aid)
    return lambda actor: _c().set_consensus(actor, aid, {1: _c().OwnScore(score=2, note="sepakat")})


def _open_consensus(ctx: Ctx):
    aid = ctx.assessment(filled=False)
    ctx.submitted_sheet(aid, "asesor.satu")
    ctx.submitted_sheet(aid, "asesor.dua")
    ctx.ketua(aid)
    return lambda actor: _c().open_consensus(actor, aid)


def _set_lead(ctx: Ctx):
    aid = ctx.assessment(filled=False)
    ctx.ketua(aid, "asesor.satu")
    ctx.ketua(aid, "asesor.satu")  # no change: nothing written
    from assessment import accounts
    from assessment.errors import NotFound

    try:
        accounts.find_user_id(SYSTEM, "asesor.dua")
    except NotFound:
        accounts.create_user(SYSTEM, "asesor.dua", "Asesor Dua", "tim_asesor", PW)
    return lambda actor: _c().set_lead(actor, aid, "asesor.dua")


def _submit_own(ctx: Ctx):
    aid = ctx.assessment(filled=False)

    def call(actor):
        if actor is not None:  # the actor's own sheet, complete (the refused never reach this far)
            try:
                _c().save_own(actor, aid, {q: _c().OwnScore(score=3) for q in range(1, 23)})
            except PermissionDenied:
                pass
        return _c().submit_own(actor, aid)

    return call


def _cx():
    from assessment import complaints as m

    return m


def _import(ctx: Ctx):
    data = (ROOT / "tests" / "fixtures" / "lapor" / "lapor_s1.xlsx").read_bytes()
    return lambda actor: _cx().commit_import(actor, "lapor_s1.xlsx", data)


def _cuti_day(ctx: Ctx):
    from datetime import date, timedelta

    return date(2025, 1, 6) + timedelta(days=7 * ctx.n())  # a Monday, different each call


def _remove_cuti(ctx: Ctx):
    day = _cuti_day(ctx)
    _cx().add_cuti_bersama(SYSTEM, day, "uji")
    return lambda actor: _cx().remove_cuti_bersama(actor, day)


def _delete_snapshot(ctx: Ctx):
    if _cx().snapshot_at() is None:
        _cx().commit_import(SYSTEM, "lapor_s1.xlsx", (ROOT / "tests" / "fixtures" / "lapor" / "lapor_s1.xlsx").read_bytes())
    return lambda actor: _cx().delete_latest_snapshot(actor)


def _delete_mapping(ctx: Ctx):
    raw = f"Status Uji {ctx.n()}"
    _cx().set_status_mapping(SYSTEM, raw, "diproses")
    return lambda actor: _cx().delete_status_mapping(actor, raw)


def _offline_commit(ctx: Ctx):
    from assessment import offline_template as ot
    from tests.test_offline_template import BLITAR, _fill

    aid = ctx.assessment(filled=False)
    parsed = ot.parse_upload(SYSTEM, aid, "isi.xlsx", _fill(ot.build_template(SYSTEM, aid), BLITAR))
    return lambda actor: ot.commit(actor, parsed)


CASES: dict[str, Case] = {
    # accounts
    "accounts.create_user": case("admin", lambda ctx: (lambda actor, n=ctx.n(): _accounts().create_user(
        actor, f"baru.{n}", "Pengguna Baru", "verifikator", PW))),
    "accounts.change_password": case("admin", lambda ctx, uid=None: (lambda actor, uid=ctx.user(): _accounts()
                                     .change_password(actor, uid, "Sandi-Reset-2025"))),
    "accounts.set_active": case("admin", lambda ctx: (lambda actor, uid=ctx.user(): _accounts().set_active(actor, uid, False))),
    "accounts.set_role": case("admin", lambda ctx: (lambda actor, uid=ctx.user(): _accounts().set_role(actor, uid, "pimpinan", None))),
    "accounts.set_full_name": case("admin", lambda ctx: (lambda actor, uid=ctx.user(): _accounts().set_full_name(actor, uid, "Nama Baru"))),
    "accounts.unlock": case("admin", lambda ctx: _unlock_setup(ctx)),
    # the self-assessment
    "assessments.create": case("admin tim_asesor operator_own", lambda ctx: (
        lambda actor, y=next(ctx._years): _a().create(actor, ctx.own, y))),
    "assessments.save_answers": case("admin tim_asesor operator_own", lambda ctx: (
        lambda actor, aid=ctx.assessment(filled=False): _a().save_answers(actor, aid, {1: _a().AnswerChange(score=3, note="catatan")}))),
    "assessments.save_answer": case("admin tim_asesor operator_own", lambda ctx: (
        lambda actor, aid=ctx.assessment(filled=False): _a().save_answer(actor, aid, 2, 4))),
    "assessments.add_evidence_file": case("admin tim_asesor operator_own", lambda ctx: (
        lambda actor, aid=ctx.assessment(): _a().add_evidence_file(actor, aid, 1, "b.pdf", b"%PDF-1.4 x"))),
    "assessments.remove_evidence": case("admin tim_asesor operator_own", lambda ctx: _remove_evidence_setup(ctx)),
    "assessments.submit": case("admin tim_asesor operator_own", lambda ctx: (
        lambda actor, aid=ctx.assessment(): _a().submit(actor, aid))),
    "assessments.verify": case("admin verifikator", lambda ctx: (
        lambda actor, aid=ctx.assessment("diajukan"): _a().verify(actor, aid))),
    "assessments.return_for_revision": case("admin verifikator", lambda ctx: (
        lambda actor, aid=ctx.assessment("diajukan"): _a().return_for_revision(actor, aid, "Lengkapi bukti."))),
    "assessments.finalize": case("admin verifikator", lambda ctx: (
        lambda actor, aid=ctx.assessment("diverifikasi"): _a().finalize(actor, aid))),
    "offline_template.commit": case("admin tim_asesor operator_own", _offline_commit),
    "assessments.set_priorities": case("admin tim_asesor operator_own", lambda ctx: _priorities_setup(ctx)),
    # independent scoring and consensus
    "consensus.save_own": case("admin tim_asesor", lambda ctx: (
        lambda actor, aid=ctx.assessment(filled=False): _c().save_own(actor, aid, {1: _c().OwnScore(score=2)}))),
    "consensus.submit_own": case("admin tim_asesor", _submit_own),
    "consensus.open_consensus": case("admin tim_asesor", _open_consensus),
    "consensus.set_consensus": case("admin tim_asesor", _set_consensus),
    "consensus.set_lead": case("admin", _set_lead),
    # Tabel 2, the method, the settings
    "figures.save_figures": case("admin tim_asesor", lambda ctx: (
        lambda actor, y=next(ctx._years): __import__("assessment.figures").figures.save_figures(actor, ctx.own, y, 10, 6, 4))),
    "instrument.save_new_version": case("admin", lambda ctx: (
        lambda actor, m=_mapping(): __import__("assessment.instrument").instrument.save_new_version(actor, m, note="uji"))),
    "settings_store.set_value": case("admin", lambda ctx: (
        lambda actor: __import__("assessment.settings_store").settings_store.set_value(actor, "ranking.min_reports", 7))),
    # units
    "units.create_unit": case("admin", lambda ctx: (lambda actor, n=ctx.n(): _u().create_unit(actor, f"Unit Baru {n}", "opd"))),
    "units.rename_unit": case("admin", lambda ctx: (lambda actor, uid=ctx.unit(), n=ctx.n(): _u().rename_unit(actor, uid, f"Nama Baru {n}"))),
    "units.set_active": case("admin", lambda ctx: (lambda actor, uid=ctx.unit(): _u().set_active(actor, uid, False))),
    "units.set_confirmed": case("admin", lambda ctx: (lambda actor, uid=ctx.unit(): _u().set_confirmed(actor, uid, False))),
    "units.add_alias": case("admin", lambda ctx: (lambda actor, uid=ctx.unit(), n=ctx.n(): _u().add_alias(actor, uid, f"Alias {n}"))),
    "units.remove_alias": case("admin", lambda ctx: _remove_alias_setup(ctx)),
    "units.import_units": case("admin", lambda ctx: (lambda actor, n=ctx.n(): _u().import_units(
        actor, "unit.csv", f"Nama;Jenis;Nama lain;Dikonfirmasi\nUnit Impor {n};opd;UI{n};ya\n".encode()))),
    # LAPOR! imports and their tables
    "complaints.commit_import": case("admin", _import),
    "complaints.set_status_mapping": case("admin", lambda ctx: (lambda actor, n=ctx.n(): _cx().set_status_mapping(
        actor, f"Status Baru {n}", "selesai"))),
    "complaints.delete_status_mapping": case("admin", _delete_mapping),
    "complaints.delete_latest_snapshot": case("admin", _delete_snapshot),
    "complaints.add_cuti_bersama": case("admin", lambda ctx: (lambda actor, d=_cuti_day(ctx): _cx().add_cuti_bersama(
        actor, d, "cuti bersama uji"))),
    "complaints.remove_cuti_bersama": case("admin", _remove_cuti),
    # rencana aksi: progress (operator of a responsible unit) and the catalogue (admin)
    "renaksi.apply_edits": case("admin operator_own", _renaksi_edit),
    "renaksi.set_status": case("admin operator_own", _renaksi_status),
    "renaksi.add_evidence": case("admin operator_own", _renaksi_add_evidence),
    "renaksi.remove_evidence": case("admin operator_own", _renaksi_remove_evidence),
    "renaksi.set_indicator_status": case("admin", _indicator),
    "renaksi.add_item": case("admin", lambda ctx: (lambda actor, n=ctx.n(): _r().add_item(
        actor, f"I.1.{50 + n}", "Kegiatan baru uji", [_r().plan_years()[0]], "Dinas Kominfo"))),
    "renaksi.change_item": case("admin", lambda ctx: (lambda actor, it=ctx.item(): _r().change_item(
        actor, it.id, None, title=it.title + " (diubah)"))),
    "renaksi.retire_item": case("admin", lambda ctx: (lambda actor, it=ctx.item(): _r().retire_item(
        actor, it.id, None, "tidak relevan lagi"))),
    "renaksi.set_plan": case("admin", lambda ctx: (lambda actor, it=ctx.item(): _r().set_plan(
        actor, it.id, list(_r().plan_years()), None, "semua tahun"))),
    "renaksi.set_responsible": case("admin", lambda ctx: (lambda actor, it=ctx.item(): _r().set_responsible(
        actor, it.id, [ctx.own, ctx.other], None))),
}


def _unlock_setup(ctx: Ctx):
    from assessment import accounts

    uid = ctx.user()
    name = accounts.get_user(SYSTEM, uid).username
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(name, "salah-sandi-1")
    return lambda actor: accounts.unlock(actor, uid)


def _remove_evidence_setup(ctx: Ctx):
    aid = ctx.assessment()
    ev = ctx.evidence(aid)
    return lambda actor: _a().remove_evidence(actor, aid, 1, ev)


def _priorities_setup(ctx: Ctx):
    a = _a()
    aid = ctx.assessment()
    view, res = a.result(SYSTEM, aid)
    first = min(res.aspects, key=lambda r: r.suggested_priority)
    return lambda actor: a.set_priorities(actor, aid, {first.key: (None, "Alasan tim")})


def _remove_alias_setup(ctx: Ctx):
    uid = ctx.unit()
    alias = _u().get_unit(uid).aliases[0]
    return lambda actor: _u().remove_alias(actor, uid, alias)


# --- the checks ------------------------------------------------------------------------------------

def _digest() -> dict[str, tuple[int, str]]:
    """Row count and a hash of the full content of every table."""
    import assessment.models  # noqa: F401
    from assessment.db import get_engine

    out = {}
    with get_engine().connect() as conn:
        for t in SQLModel.metadata.sorted_tables:
            rows = conn.execute(sa_select(t).order_by(*t.primary_key.columns)).all()
            out[t.name] = (len(rows), hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest())
    return out


def _max_audit_id() -> int:
    from assessment.db import read_only
    from assessment.models import AuditLog

    with read_only() as s:
        return int(s.exec(select(func.coalesce(func.max(AuditLog.id), 0))).one())


def _audit_rows_since(last: int):
    from assessment.db import read_only
    from assessment.models import AuditLog

    with read_only() as s:
        return [(a.actor, a.action) for a in s.exec(select(AuditLog).where(AuditLog.id > last)).all()]


@pytest.mark.parametrize("name", sorted(CASES))
def test_matrix(seeded, name):
    c = CASES[name]
    assert c.allowed <= set(KINDS)
    ctx = Ctx()
    problems = []
    refused = [k for k in KINDS if k not in c.allowed]
    call = c.setup(ctx)
    before = _digest()
    for kind in refused:
        try:
            call(ctx.actor(kind))
        except PermissionDenied:
            pass
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{kind}: expected PermissionDenied, got {type(exc).__name__}: {exc}")
        else:
            problems.append(f"{kind}: expected PermissionDenied, the call succeeded")
        after = _digest()
        changed = sorted(t for t in before if before[t] != after[t])
        if changed:
            problems.append(f"{kind}: refused but tables changed: {changed}")
            before = after
    for kind in sorted(c.allowed):
        call = c.setup(ctx)
        actor = ctx.actor(kind)
        last = _max_audit_id()
        try:
            call(actor)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{kind}: expected success, got {type(exc).__name__}: {exc}")
            continue
        rows = _audit_rows_since(last)
        if not any(who == actor.username for who, _ in rows):
            problems.append(f"{kind}: succeeded but wrote no audit row as {actor.username} (rows: {rows})")
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


def _write_services() -> set[str]:
    """Public functions in assessment/*.py that take an actor and open a transaction."""
    found = set()
    for path in sorted((ROOT / "assessment").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            src = ast.unparse(node)
            args = [a.arg for a in node.args.args]
            if "transaction()" in src and args and args[0] in ("actor", "username"):
                found.add(f"{path.stem}.{node.name}")
    return found


def test_every_write_service_is_in_the_matrix():
    services = _write_services()
    missing = sorted(services - set(CASES) - set(EXEMPT))
    assert not missing, ("Write services missing from tests/test_permission_matrix.py CASES (add who may call "
                         f"them, or an EXEMPT entry with the reason): {missing}")
    gone = sorted(n for n in set(CASES) | set(EXEMPT) if not _exists(n))
    assert not gone, f"Entries for functions that no longer exist: {gone}"


def _exists(name: str) -> bool:
    import importlib

    mod, fn = name.split(".")
    return callable(getattr(importlib.import_module(f"assessment.{mod}"), fn, None))


def test_operator_reads_only_its_own_unit(seeded):
    """Operator OPD: its own unit's assessment and complaint details; another unit's are refused."""
    from assessment import assessments, complaints

    ctx = Ctx()
    aid = ctx.assessment()
    own, other = ctx.actor("operator_own"), ctx.actor("operator_other")
    assert assessments.get(own, aid).unit_id == ctx.own
    with pytest.raises(PermissionDenied):
        assessments.get(other, aid)
    assert [a.id for a in assessments.list_assessments(other)] == []
    assert complaints.unit_detail(own, ctx.own, 2024).personal_visible
    with pytest.raises(PermissionDenied):
        complaints.unit_detail(other, ctx.own, 2024)
    # Pimpinan reads every unit's details, and writes nothing (the matrix above).
    assert complaints.unit_detail(ctx.actor("pimpinan"), ctx.own, 2024).personal_visible
