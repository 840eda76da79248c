"""Accounts: hashing, no default password, lockout, session revocation, timing, no password in any log."""
from __future__ import annotations

import io
import json
import logging
import statistics
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from assessment import accounts
from assessment.db import read_only
from assessment.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from assessment.models import AuditLog, User, utcnow
from assessment.permissions import SYSTEM
from tests.conftest import actor_for

PW = "Kuat-Sandi-2024!"


def _unit_id(name: str = "Dinas Komunikasi dan Informatika") -> int:
    from assessment import units

    return units.resolve_unit(name).id


def _user(username="budi.s", role="admin", password=PW, unit_id=None) -> int:
    return accounts.create_user(SYSTEM, username, "Budi Santoso", role, password, unit_id)


def _audit_actions(entity="user") -> list[str]:
    with read_only() as s:
        return [a.action for a in s.exec(select(AuditLog).where(AuditLog.entity == entity).order_by(AuditLog.id)).all()]


def test_no_user_and_no_default_password_after_migration(db):
    assert accounts.count_users() == 0
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate("admin", "admin")


def test_password_is_stored_as_argon2_hash(db):
    uid = _user()
    with read_only() as s:
        u = s.get(User, uid)
        stored, version = u.password_hash, u.session_version
    assert stored.startswith("$argon2id$")
    assert PW not in stored
    actor = accounts.authenticate("BUDI.S ", PW)  # name is case- and space-insensitive
    assert actor.user_id == uid and actor.role == "admin" and actor.session_version == version
    assert _audit_actions() == ["user.create", "user.login"]


@pytest.mark.parametrize("password,fragment", [
    ("pendek1!", "minimal"),
    ("hanyahurufsaja", "huruf dan angka"),
    ("12345678901", "huruf dan angka"),
    ("aaaaaaaaaa1", "mudah ditebak"),
    ("budi.s-2024-xyz", "nama pengguna"),
    ("x1" * 200, "maksimal"),
])
def test_weak_passwords_refused(db, password, fragment):
    with pytest.raises(ValidationError, match=fragment):
        _user(password=password)
    assert accounts.count_users() == 0


def test_create_user_validation(seeded):
    with pytest.raises(ValidationError, match="Operator OPD"):
        _user("op.satu", "operator_opd")
    with pytest.raises(ValidationError, match="tidak dikenal"):
        _user("x.satu", "superuser")
    with pytest.raises(NotFound):
        _user("op.dua", "operator_opd", unit_id=999999)
    with pytest.raises(ValidationError, match="Nama pengguna"):
        _user("<script>")
    _user("op.tiga", "operator_opd", unit_id=_unit_id())
    with pytest.raises(ConflictError):
        _user("OP.TIGA", "admin")
    assert accounts.count_users() == 1


@pytest.mark.parametrize("role,label", [("admin", "Admin (Dinas Kominfo)"), ("tim_asesor", "Tim Asesor"),
                                        ("verifikator", "Verifikator"), ("pimpinan", "Pimpinan")])
def test_a_unit_only_for_operator_opd(seeded, role, label):
    expected = (f"Unit hanya diisi untuk peran Operator OPD; peran {label} tidak dikaitkan dengan unit. "
                "Kosongkan unitnya.")
    with pytest.raises(ValidationError) as exc:
        _user("x.satu", role, unit_id=_unit_id())
    assert exc.value.message == expected
    assert accounts.count_users() == 0
    op = _user("op.satu", "operator_opd", unit_id=_unit_id())
    with pytest.raises(ValidationError) as exc:
        accounts.set_role(SYSTEM, op, role, _unit_id())
    assert exc.value.message == expected
    assert accounts.get_user(SYSTEM, op).role == "operator_opd"
    accounts.set_role(SYSTEM, op, role, None)
    view = accounts.get_user(SYSTEM, op)
    assert (view.role, view.unit_id) == (role, None)
    assert accounts.role_unit_problem(role, False) is None
    assert accounts.role_unit_problem("operator_opd", False) == "Operator OPD harus dikaitkan dengan satu unit."
    assert accounts.role_unit_problem("operator_opd", True) is None


def test_cli_refuses_a_unit_for_other_roles(seeded, capsys, monkeypatch):
    import manage

    monkeypatch.setattr("sys.stdin", io.StringIO(PW + "\n"))
    assert manage.main(["create-user", "--role", "pimpinan", "--username", "sari.p",
                        "--unit", "Dinas Komunikasi dan Informatika", "--full-name", "Sari"]) == 1
    assert "Unit hanya diisi untuk peran Operator OPD; peran Pimpinan" in capsys.readouterr().err
    assert accounts.count_users() == 0
    uid = _user("op.satu", "operator_opd", unit_id=_unit_id())
    assert manage.main(["set-role", "--username", "op.satu", "--role", "verifikator",
                        "--unit", "Unit Salah Ketik"]) == 1
    assert "Unit hanya diisi untuk peran Operator OPD; peran Verifikator" in capsys.readouterr().err
    assert accounts.get_user(SYSTEM, uid).role == "operator_opd"
    assert manage.main(["set-role", "--username", "op.satu", "--role", "operator_opd"]) == 1
    assert "Operator OPD harus dikaitkan" in capsys.readouterr().err


@pytest.mark.parametrize("role", ["tim_asesor", "verifikator", "pimpinan", "operator_opd"])
def test_only_admin_manages_users(db, role):
    uid = _user()
    other = actor_for(role, unit_id=1)
    for call in (lambda: accounts.create_user(other, "baru.x", "Baru", "admin", PW),
                 lambda: accounts.set_active(other, uid, False),
                 lambda: accounts.set_role(other, uid, "pimpinan", None),
                 lambda: accounts.change_password(other, uid, "Lain-Sandi-99"),
                 lambda: accounts.unlock(other, uid),
                 lambda: accounts.list_users(other)):
        with pytest.raises(PermissionDenied):
            call()
    assert accounts.count_users() == 1


def test_lockout_after_five_failures_and_unlock_after_the_time(db, monkeypatch):
    _user()
    for _ in range(4):
        with pytest.raises(accounts.LoginFailed, match="salah"):
            accounts.authenticate("budi.s", "salah-sandi-1")
    # A success before the fifth failure resets the count.
    accounts.authenticate("budi.s", PW)
    for i in range(5):
        with pytest.raises(accounts.LoginFailed) as exc:
            accounts.authenticate("budi.s", "salah-sandi-1")
    assert exc.value.message == accounts.login_failure_message()
    with pytest.raises(accounts.LoginFailed) as exc:
        accounts.authenticate("budi.s", PW)  # the right password does not help while locked
    assert exc.value.message == accounts.login_failure_message()
    assert _audit_actions().count("user.locked") == 1
    assert _audit_actions().count("user.login_locked") == 1
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(accounts, "utcnow", lambda: later)
    actor = accounts.authenticate("budi.s", PW)
    assert actor.username == "budi.s"
    with read_only() as s:
        u = s.exec(select(User).where(User.username == "budi.s")).one()
        assert u.failed_logins == 0 and u.locked_until is None


def test_unknown_wrong_and_locked_get_the_same_answer(db):
    """The answer must not tell whether a name exists or is locked; the audit log still does (for the admin)."""
    _user()
    _user("ani.w", "pimpinan")
    for _ in range(5):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate("ani.w", "salah-sandi-1")
    answers = {}
    for case, (name, password) in {"unknown": ("tidak.ada", "salah-sandi-1"), "wrong": ("budi.s", "salah-sandi-1"),
                                   "locked_wrong": ("ani.w", "salah-sandi-1"), "locked_right": ("ani.w", PW),
                                   "too_long": ("budi.s", "x" * (accounts.MAX_PASSWORD + 1))}.items():
        with pytest.raises(accounts.LoginFailed) as exc:
            accounts.authenticate(name, password)
        answers[case] = (type(exc.value), exc.value.message)
    assert set(answers.values()) == {(accounts.LoginFailed,
                                      "Nama pengguna atau kata sandi salah, atau akun sedang terkunci. "
                                      "Setelah 5 kali gagal masuk berturut-turut, akun dikunci 15 menit.")}
    with read_only() as s:
        rows = s.exec(select(AuditLog).where(AuditLog.entity == "user").order_by(AuditLog.id)).all()
        ani = accounts.find_user_id(SYSTEM, "ani.w")
        locked = [r for r in rows if r.action == "user.locked"]
        refused = [r for r in rows if r.action == "user.login_locked"]
    assert [(r.entity_id, r.new["after_failures"]) for r in locked] == [(str(ani), 5)]
    assert len(refused) == 2 and {int(r.entity_id) for r in refused} == {ani}
    assert accounts.get_user(SYSTEM, ani).locked


def test_lockout_notice_follows_the_settings(monkeypatch):
    from assessment import config

    monkeypatch.setenv("MONEV_LOCKOUT_ATTEMPTS", "3")
    monkeypatch.setenv("MONEV_LOCKOUT_MINUTES", "30")
    config.reset_settings()
    try:
        assert accounts.lockout_notice() == "Setelah 3 kali gagal masuk berturut-turut, akun dikunci 30 menit."
        assert accounts.login_failure_message().endswith(accounts.lockout_notice())
    finally:
        monkeypatch.delenv("MONEV_LOCKOUT_ATTEMPTS")
        monkeypatch.delenv("MONEV_LOCKOUT_MINUTES")
        config.reset_settings()


def test_admin_can_unlock_early(db):
    uid = _user()
    _user("ani.w", "pimpinan")
    for _ in range(5):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate("ani.w", "salah-sandi-1")
    assert accounts.get_user(SYSTEM, accounts.find_user_id(SYSTEM, "ani.w")).locked
    accounts.unlock(accounts.authenticate("budi.s", PW), accounts.find_user_id(SYSTEM, "ani.w"))
    assert accounts.authenticate("ani.w", PW).role == "pimpinan"
    assert uid


def test_own_password_change_ends_other_sessions_only(db):
    uid = _user()
    here = accounts.authenticate("budi.s", PW)
    elsewhere = accounts.authenticate("budi.s", PW)
    with pytest.raises(ValidationError, match="lama salah"):
        accounts.change_password(here, uid, "Baru-Sandi-2025", old_password="keliru-sekali1")
    fresh = accounts.change_password(here, uid, "Baru-Sandi-2025", old_password=PW)
    assert accounts.session_valid(fresh)
    assert not accounts.session_valid(here)
    assert not accounts.session_valid(elsewhere)
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate("budi.s", PW)
    assert accounts.authenticate("budi.s", "Baru-Sandi-2025").user_id == uid


def test_admin_reset_and_deactivation_end_all_sessions(db):
    _user()
    admin = accounts.authenticate("budi.s", PW)
    uid = _user("ani.w", "tim_asesor")
    s1 = accounts.authenticate("ani.w", PW)
    assert accounts.change_password(admin, uid, "Reset-Sandi-77") is None
    assert not accounts.session_valid(s1)
    s2 = accounts.authenticate("ani.w", "Reset-Sandi-77")
    accounts.set_active(admin, uid, False)
    assert not accounts.session_valid(s2)
    with pytest.raises(accounts.LoginFailed, match="dinonaktifkan"):
        accounts.authenticate("ani.w", "Reset-Sandi-77")
    accounts.set_active(admin, uid, True)
    s3 = accounts.authenticate("ani.w", "Reset-Sandi-77")
    accounts.set_role(admin, uid, "verifikator", None)
    assert not accounts.session_valid(s3)
    assert accounts.authenticate("ani.w", "Reset-Sandi-77").role == "verifikator"
    assert {"user.password_reset", "user.deactivate", "user.activate", "user.role"} <= set(_audit_actions())


def test_last_admin_cannot_be_removed(db):
    uid = _user()
    me = accounts.authenticate("budi.s", PW)
    with pytest.raises(ValidationError, match="sendiri"):
        accounts.set_active(me, uid, False)
    with pytest.raises(ValidationError, match="terakhir"):
        accounts.set_active(SYSTEM, uid, False)
    with pytest.raises(ValidationError, match="terakhir"):
        accounts.set_role(SYSTEM, uid, "pimpinan", None)
    _user("admin.dua")
    accounts.set_role(SYSTEM, uid, "pimpinan", None)


def test_check_session_expiry_idle_and_revocation(db, monkeypatch):
    from assessment.config import get_settings

    _user()
    actor = accounts.authenticate("budi.s", PW)
    now = time.time()
    limit = get_settings().session_minutes * 60
    assert accounts.check_session(actor, now - 10, now - 10, now) is None
    assert accounts.check_session(actor, now - limit - 1, now - 5, now) == "expired"
    monkeypatch.setenv("MONEV_SESSION_IDLE_MINUTES", "30")
    assert accounts.check_session(actor, now - 40 * 60, now - 31 * 60, now) == "idle"
    assert accounts.check_session(actor, now - 40 * 60, now - 29 * 60, now) is None
    accounts.change_password(SYSTEM, actor.user_id, "Lain-Sandi-2030")
    assert accounts.check_session(actor, now, now, now) == "revoked"


def test_unknown_user_takes_as_long_as_known_user(db):
    _user()
    accounts.authenticate("budi.s", PW)  # warm up

    def timed(name: str) -> float:
        t = time.perf_counter()
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate(name, "salah-sandi-1")
        return time.perf_counter() - t

    _user("ani.w", "pimpinan")
    for _ in range(5):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate("ani.w", "salah-sandi-1")  # now locked

    known, unknown, locked = [], [], []
    for i in range(4):  # fewer than the lockout: each known attempt really verifies the hash
        known.append(timed("budi.s"))
        unknown.append(timed(f"tidak.ada.{i}"))
        locked.append(timed("ani.w"))
    for other in (unknown, locked):
        ratio = statistics.median(other) / statistics.median(known)
        assert 0.5 < ratio < 2.0, (known, unknown, locked)


def test_passwords_never_reach_logs_stdout_or_audit(seeded, caplog, capsys, monkeypatch):
    import manage

    secrets = ["Cli-Rahasia-9911", "Ui-Rahasia-8822", "Salah-Rahasia-7733", "Ganti-Rahasia-6644", "Reset-Rahasia-5522"]
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # SQL with its parameters
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO(secrets[0] + "\n"))
        assert manage.main(["create-user", "--role", "admin", "--username", "admin.cli", "--full-name", "Admin"]) == 0
        uid = accounts.create_user(SYSTEM, "ani.w", "Ani", "operator_opd", secrets[1], _unit_id())
        actor = accounts.authenticate("ani.w", secrets[1])
        for _ in range(2):
            with pytest.raises(accounts.LoginFailed):
                accounts.authenticate("ani.w", secrets[2])
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate(secrets[2], secrets[2])  # a password typed into the name field
        with pytest.raises(ValidationError) as weak:
            accounts.change_password(actor, uid, "lemah", old_password=secrets[1])
        assert "lemah" not in weak.value.message
        accounts.change_password(actor, uid, secrets[3], old_password=secrets[1])
        monkeypatch.setattr("sys.stdin", io.StringIO(secrets[4] + "\n"))
        assert manage.main(["set-password", "--username", "ani.w"]) == 0
        assert manage.main(["list-users"]) == 0
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    out = capsys.readouterr()
    with read_only() as s:
        audit_text = json.dumps([[a.actor, a.action, a.entity, a.entity_id, a.old, a.new]
                                 for a in s.exec(select(AuditLog)).all()], ensure_ascii=False, default=str)
        hashes = [u.password_hash for u in s.exec(select(User)).all()]
    assert "INSERT INTO" in caplog.text  # the SQL log was really captured
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in out.out and secret not in out.err
        assert secret not in audit_text
        assert all(secret not in h for h in hashes)
    assert "$argon2" not in audit_text and "$argon2" not in out.out


def test_cli_account_commands(seeded, capsys, monkeypatch):
    import manage

    monkeypatch.setattr("sys.stdin", io.StringIO(PW + "\n"))
    assert manage.main(["create-user", "--role", "operator_opd", "--username", "op.kominfo",
                        "--unit", "Dinas Komunikasi dan Informatika", "--full-name", "Operator"]) == 0
    _user("admin.satu")
    assert manage.main(["deactivate-user", "--username", "op.kominfo"]) == 0
    with pytest.raises(accounts.LoginFailed, match="dinonaktifkan"):
        accounts.authenticate("op.kominfo", PW)
    assert manage.main(["activate-user", "--username", "op.kominfo"]) == 0
    assert manage.main(["set-role", "--username", "op.kominfo", "--role", "verifikator"]) == 0
    assert accounts.authenticate("op.kominfo", PW).role == "verifikator"
    assert manage.main(["unlock-user", "--username", "op.kominfo"]) == 0
    assert manage.main(["list-users"]) == 0
    out = capsys.readouterr().out
    assert "op.kominfo" in out and "Verifikator" in out
    assert manage.main(["deactivate-user", "--username", "tidak.ada"]) == 1
    assert "tidak ditemukan" in capsys.readouterr().err
