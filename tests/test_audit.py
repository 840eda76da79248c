"""The audit trail: append-only at the database, who/when/what/old/new, filters, and a safe Excel export."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from assessment import audit, audit_views, units
from assessment.audit_views import AuditFilter
from assessment.db import get_engine, transaction
from assessment.errors import PermissionDenied, ValidationError
from assessment.models import AuditLog
from assessment.permissions import SYSTEM, Actor
from tests.conftest import actor_for

WIB = timezone(timedelta(hours=7))


def test_audit_log_refuses_update_and_delete(seeded):
    units.create_unit(SYSTEM, "Unit Audit", "opd")
    for sql in ("UPDATE auditlog SET actor = 'siapa'", "DELETE FROM auditlog"):
        with pytest.raises(Exception, match="append-only"):
            with get_engine().begin() as conn:
                conn.execute(text(sql))
    assert audit_views.count(SYSTEM) >= 1


def test_a_write_records_who_when_what_old_and_new(seeded):
    actor = actor_for("admin", username="admin.audit")
    uid = units.create_unit(actor, "Unit Lama", "opd")
    units.rename_unit(actor, uid, "Unit Baru")
    df = audit_views.query(SYSTEM, AuditFilter(action="unit.rename"))
    assert len(df) == 1
    row = df.iloc[0]
    assert row["Pengguna"] == "admin.audit" and row["Peran"] == "Admin (Dinas Kominfo)" and row["Kode peran"] == "admin"
    assert row["Tindakan"] == "Unit diganti nama" and row["Kode tindakan"] == "unit.rename"
    assert row["Entitas"] == "Unit kerja" and row["ID entitas"] == str(uid)
    assert row["Perubahan"] == "nama: Unit Lama -> Unit Baru"
    assert row["Nilai lama"] == "nama: Unit Lama" and row["Nilai baru"] == "nama: Unit Baru"
    assert row["Nilai lama (JSON)"] == '{"name": "Unit Lama"}' and row["Nilai baru (JSON)"] == '{"name": "Unit Baru"}'
    assert row["Waktu (WIB)"].startswith(datetime.now(WIB).strftime("%Y-%m-%d"))


def _rec(actor: str, action: str, entity: str, at: datetime, new=None) -> None:
    with transaction() as s:
        s.add(AuditLog(at=at, actor=actor, actor_role="admin", action=action, entity=entity, entity_id="1", new=new))


def test_filters(db):
    day = datetime(2025, 3, 10, tzinfo=WIB)
    _rec("ani", "user.create", "user", day.replace(hour=0, minute=30))  # 9 March 17:30 UTC, 10 March in WIB
    _rec("ani", "user.role", "user", day.replace(hour=23, minute=59))
    _rec("budi", "unit.create", "unit", day + timedelta(days=1, hours=1))
    _rec("budi", "answer.save", "assessment", day - timedelta(days=1))
    assert audit_views.count(SYSTEM) == 4
    assert audit_views.count(SYSTEM, AuditFilter(actor="ani")) == 2
    assert audit_views.count(SYSTEM, AuditFilter(action="user.*")) == 2
    assert audit_views.count(SYSTEM, AuditFilter(action="user.")) == 2
    assert audit_views.count(SYSTEM, AuditFilter(action="user.role")) == 1
    assert audit_views.count(SYSTEM, AuditFilter(entity="unit")) == 1
    assert audit_views.count(SYSTEM, AuditFilter(date_from=date(2025, 3, 10), date_to=date(2025, 3, 10))) == 2
    assert audit_views.count(SYSTEM, AuditFilter(date_from=date(2025, 3, 11))) == 1
    assert audit_views.count(SYSTEM, AuditFilter(actor="budi", date_to=date(2025, 3, 9))) == 1
    df = audit_views.query(SYSTEM, AuditFilter(), limit=2)
    assert list(df["Kode tindakan"]) == ["unit.create", "user.role"]  # newest first
    assert list(df["Tindakan"]) == ["Unit dibuat", "Peran/unit diubah"]
    assert list(audit_views.query(SYSTEM, AuditFilter(), limit=2, offset=2)["Kode tindakan"]) == ["user.create", "answer.save"]
    with pytest.raises(ValidationError, match="Tanggal awal"):
        audit_views.count(SYSTEM, AuditFilter(date_from=date(2025, 3, 12), date_to=date(2025, 3, 1)))
    assert audit_views.choices(SYSTEM)["actor"] == ["ani", "budi"]
    # A LIKE wildcard in the filter is taken literally.
    assert audit_views.count(SYSTEM, AuditFilter(action="%.")) == 0


def test_export_is_formula_injection_safe(db):
    now = datetime.now(timezone.utc)
    evil = "=HYPERLINK(\"http://contoh.invalid\",\"klik\")"
    with transaction() as s:
        audit.record(s, Actor(username=evil, role="admin"), "+SUM(1,1)", "-2+3", "@cmd", None, {"note": evil})
        audit.record(s, Actor(username="ani", role="admin"), "setting.set", "setting", "x", "=1+1", "-3")
    _rec("ani", "unit.create", "unit", now)
    data = audit_views.export_xlsx(SYSTEM)
    ws = load_workbook(BytesIO(data))["Jejak audit"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == tuple(audit_views.COLUMNS)
    col = {c: i for i, c in enumerate(audit_views.COLUMNS)}
    evil_row = next(r for r in rows[1:] if "HYPERLINK" in str(r[1]))
    # Unknown codes fall back to the code itself, and still cannot run as formulas.
    assert evil_row[1] == "'" + evil and evil_row[3] == "'+SUM(1,1)" and evil_row[4] == "'-2+3" and evil_row[5] == "'@cmd"
    assert evil_row[col["Kode tindakan"]] == "'+SUM(1,1)"
    assert evil_row[col["Nilai baru"]] == "catatan: " + evil
    set_row = next(r for r in rows[1:] if r[col["Kode tindakan"]] == "setting.set")
    assert set_row[col["Perubahan"]] == "'=1+1 -> -3"
    assert set_row[col["Nilai lama"]] == "'=1+1" and set_row[col["Nilai baru"]] == "'-3"
    assert set_row[col["Nilai lama (JSON)"]] == '"=1+1"' and set_row[col["Nilai baru (JSON)"]] == '"-3"'
    for r in ws.iter_rows(min_row=2):
        for c in r:
            assert c.data_type != "f"
    assert len(rows) == 4


def test_export_shows_words_and_keeps_the_raw_json(seeded):
    actor = actor_for("tim_asesor", username="ani.asesor")
    with transaction() as s:
        audit.record(s, actor, "answer.save", "assessment", 7, {"question": 5, "score": 3, "note": ""},
                     {"question": 5, "score": 4, "note": "Ada SOP"})
        audit.record(s, actor, "consensus.own_save", "assessment", 7, None,
                     {"assessor": "ani.asesor", "questions": [1, 2, 3]})
    ws = load_workbook(BytesIO(audit_views.export_xlsx(SYSTEM, AuditFilter(entity="assessment"))))["Jejak audit"]
    rows = list(ws.iter_rows(values_only=True))
    col = {c: i for i, c in enumerate(audit_views.COLUMNS)}
    by_code = {r[col["Kode tindakan"]]: r for r in rows[1:]}
    ans = by_code["answer.save"]
    assert ans[col["Peran"]] == "Tim Asesor" and ans[col["Kode peran"]] == "tim_asesor"
    assert ans[col["Tindakan"]] == "Jawaban disimpan" and ans[col["Entitas"]] == "Asesmen"
    assert ans[col["Perubahan"]] == "pertanyaan: 5\nnilai: 3 -> 4\ncatatan: - -> Ada SOP"
    assert ans[col["Nilai lama"]] == "pertanyaan: 5\nnilai: 3\ncatatan: -"
    assert ans[col["Nilai baru"]] == "pertanyaan: 5\nnilai: 4\ncatatan: Ada SOP"
    assert ans[col["Nilai lama (JSON)"]] == '{"note": "", "question": 5, "score": 3}'
    assert ans[col["Nilai baru (JSON)"]] == '{"note": "Ada SOP", "question": 5, "score": 4}'
    own = by_code["consensus.own_save"]
    assert own[col["Tindakan"]] == "Penilaian anggota disimpan (nilai dirahasiakan)"
    assert own[col["Perubahan"]] == "asesor: ani.asesor\npertanyaan: 1, 2, 3" and own[col["Nilai lama"]] is None
    # Multi-line cells wrap in Excel.
    cell = next(c for c in next(ws.iter_rows(min_row=2, max_row=3)) if c.column == col["Perubahan"] + 1)
    assert cell.alignment.wrap_text
    filt = dict(load_workbook(BytesIO(audit_views.export_xlsx(SYSTEM, AuditFilter(action="consensus.*"))))["Filter"]
                .iter_rows(values_only=True))
    assert filt["Tindakan"] == "Konsensus tim asesor: semua tindakan" and filt["Kode tindakan"] == "consensus.*"


def test_readable_values():
    assert audit_views.change_text({"score": 3}, {"score": 4}) == "nilai: 3 -> 4"
    assert audit_views.change_text({"question": 2, "score": 3}, {"question": 2, "score": 3}) == \
        "pertanyaan: 2\n(tidak ada nilai yang berubah)"
    assert audit_views.change_text({"alias": "Dinkes"}, None) == "dihapus: nama lain: Dinkes"
    assert audit_views.change_text(None, None) == ""
    assert audit_views.values_text({"confirmed": False, "progress": 62.5, "unit_ids": [], "x_baru": None}) == \
        "dikonfirmasi: tidak\nkemajuan (%): 62,5\nID unit: -\nx_baru: -"
    assert audit_views.value_text(list(range(12))) == "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ... (+2 lainnya)"
    assert audit_views.value_text({"1": 4, "2": 3}) == "1=4; 2=3"
    assert audit_views.action_label("kode.tak_dikenal") == "kode.tak_dikenal"  # nothing is hidden
    assert audit_views.action_label("user.*") == audit_views.action_label("user.") == "Akun pengguna: semua tindakan"
    assert audit_views.role_label("operator_opd") == "Operator OPD" and audit_views.role_label("lain") == "lain"
    assert audit_views.entity_label("renaksi_item") == "Butir rencana aksi"
    assert audit_views.change_text({"role": "operator_opd", "unit_id": 3}, {"role": "verifikator", "unit_id": None}) == \
        "peran: Operator OPD -> Verifikator\nID unit: 3 -> -"


def _emitted_action_codes() -> set[str]:
    """Every action code passed to audit.record(...) in the services and manage.py (read from the source)."""
    import ast

    from assessment.assessments import STATES
    from tests.conftest import ROOT

    codes: set[str] = set()
    calls = 0

    def literal(node) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return literal(node.body) | literal(node.orelse)
        if isinstance(node, ast.JoinedStr) and ast.unparse(node) == "f'assessment.{to}'":
            return {f"assessment.{state}" for state in STATES}  # assessments._transition
        raise AssertionError(f"audit.record with an action the test cannot read: {ast.unparse(node)}")

    for path in [*sorted((ROOT / "assessment").rglob("*.py")), ROOT / "manage.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit"):
                calls += 1
                action = node.args[2] if len(node.args) > 2 else next(k.value for k in node.keywords if k.arg == "action")
                codes |= literal(action)
    assert calls > 50, calls  # the scan did find the calls
    return codes


def test_every_action_the_services_write_has_a_label():
    codes = _emitted_action_codes()
    assert {"answer.save", "consensus.own_save", "seed.demo_loaded", "assessment.final", "user.password_reset"} <= codes
    labels = audit_views.labels()
    missing = sorted(c for c in codes if c not in labels["actions"])
    assert missing == []
    assert sorted({c.split(".")[0] for c in codes} - set(labels["groups"])) == []


def test_every_role_has_a_label():
    from assessment.permissions import ROLES, ROLE_PERMS

    assert set(ROLE_PERMS) <= set(ROLES)
    assert audit_views.role_label("tim_asesor") == "Tim Asesor"


@pytest.mark.parametrize("data, fault", [
    ([], "harus pemetaan"),
    ({"groups": {"a": "A"}, "actions": {"a.b": "B"}, "entities": {"x": "X"}, "fields": {"f": "F"}, "lain": {}},
     "bagian tidak dikenal: lain"),
    ({"groups": {"a": "A"}, "actions": {"a.b": ""}, "entities": {"x": "X"}, "fields": {"f": "F"}},
     "kode 'a.b': label harus teks"),
    ({"groups": {"a": "A"}, "actions": {"A.B": "B"}, "entities": {"x": "X"}, "fields": {"f": "F"}},
     "kode 'A.B': bentuknya"),
    ({"groups": {"a": "A"}, "actions": {"c.b": "B"}, "entities": {"x": "X"}, "fields": {"f": "F"}},
     "kelompok 'c' tidak ada"),
    ({"groups": {"a": "A"}, "actions": {"a.b": "B"}, "fields": {"f": "F"}}, "bagian 'entities'"),
])
def test_a_broken_labels_file_is_refused_naming_file_and_fault(data, fault):
    from assessment.datafiles import DataFileError

    with pytest.raises(DataFileError, match="audit_actions.yaml") as exc:
        audit_views.parse_labels(data)
    assert fault in str(exc.value)


@pytest.mark.parametrize("role", ["tim_asesor", "verifikator", "operator_opd"])
def test_only_admin_and_pimpinan_read_the_audit(db, role):
    with pytest.raises(PermissionDenied):
        audit_views.query(actor_for(role, 1))
    with pytest.raises(PermissionDenied):
        audit_views.export_xlsx(actor_for(role, 1))
    with pytest.raises(PermissionDenied):
        audit_views.count(None)
    audit_views.query(actor_for("pimpinan"))
