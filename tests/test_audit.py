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
    assert row["Pengguna"] == "admin.audit" and row["Peran"] == "admin" and row["Entitas"] == "unit"
    assert row["ID entitas"] == str(uid)
    assert row["Nilai lama"] == '{"name": "Unit Lama"}' and row["Nilai baru"] == '{"name": "Unit Baru"}'
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
    assert list(df["Tindakan"]) == ["unit.create", "user.role"]  # newest first
    assert list(audit_views.query(SYSTEM, AuditFilter(), limit=2, offset=2)["Tindakan"]) == ["user.create", "answer.save"]
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
    _rec("ani", "unit.create", "unit", now)
    data = audit_views.export_xlsx(SYSTEM)
    ws = load_workbook(BytesIO(data))["Jejak audit"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == tuple(audit_views.COLUMNS)
    evil_row = next(r for r in rows[1:] if "HYPERLINK" in str(r[1]))
    assert evil_row[1] == "'" + evil and evil_row[3] == "'+SUM(1,1)" and evil_row[4] == "'-2+3" and evil_row[5] == "'@cmd"
    for r in ws.iter_rows(min_row=2):
        for c in r:
            assert c.data_type != "f"
    assert len(rows) == 3


@pytest.mark.parametrize("role", ["tim_asesor", "verifikator", "operator_opd"])
def test_only_admin_and_pimpinan_read_the_audit(db, role):
    with pytest.raises(PermissionDenied):
        audit_views.query(actor_for(role, 1))
    with pytest.raises(PermissionDenied):
        audit_views.export_xlsx(actor_for(role, 1))
    with pytest.raises(PermissionDenied):
        audit_views.count(None)
    audit_views.query(actor_for("pimpinan"))
