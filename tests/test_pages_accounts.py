"""The login page, logout, session expiry and revocation, the navigation per role, and the account pages (AppTest)."""
from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from assessment import accounts
from assessment.permissions import SYSTEM
from tests.conftest import ROOT

PW = "Kuat-Sandi-2024!"


def _app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def _main_run(at: AppTest) -> AppTest:
    """Run app.py itself (navigation, session checks) rather than only the page the last run ended on:
    AppTest runs a page file on its own once a multipage run has finished on it."""
    at._finished_page_script_hash = ""
    at._page_hash = ""
    return at.run()


def _texts(at: AppTest) -> str:
    parts = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success", "text"):
        parts += [str(e.value) for e in getattr(at, kind)]
        parts += [str(e.value) for e in getattr(at.sidebar, kind)]
    return "\n".join(parts)


def _login(at: AppTest, username: str, password: str) -> str:
    """Submit the login form; returns what the submitting run showed (then app.py runs again)."""
    inputs = {t.label: t for t in at.text_input}
    inputs["Nama pengguna"].input(username)
    inputs["Kata sandi"].input(password)
    next(b for b in at.button if b.label == "Masuk").click().run()
    shown = _texts(at)
    _main_run(at)
    return shown


def _page(path: str, actor) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    now = time.time()
    at.session_state["actor"] = actor
    at.session_state["login_at"] = now
    at.session_state["last_seen"] = now
    return at


def test_first_start_says_how_to_make_the_first_admin(seeded):
    at = _app().run()
    assert not at.exception
    assert at.title[0].value.startswith("Masuk")
    assert "manage.py create-user --role admin" in _texts(at)


def test_login_failure_then_success(seeded):
    accounts.create_user(SYSTEM, "sari.p", "Sari Pimpinan", "pimpinan", PW)
    at = _app().run()
    assert "manage.py create-user" not in _texts(at)
    assert "Nama pengguna atau kata sandi salah" in _login(at, "sari.p", "salah-sandi-1")
    assert "actor" not in at.session_state
    _login(at, "sari.p", PW)
    assert not at.exception
    assert "Masuk sebagai **Sari Pimpinan** (Pimpinan)" in _texts(at)
    # The typed password is not kept anywhere in the session.
    assert all(PW != at.session_state[k] for k in at.session_state._state.filtered_state.keys())


def test_login_page_does_not_tell_unknown_wrong_or_locked_apart(seeded):
    accounts.create_user(SYSTEM, "sari.p", "Sari Pimpinan", "pimpinan", PW)
    accounts.create_user(SYSTEM, "ani.w", "Ani", "tim_asesor", PW)
    for _ in range(5):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate("ani.w", "salah-sandi-1")
    at = _app().run()
    assert "Setelah 5 kali gagal masuk berturut-turut, akun dikunci 15 menit." in _texts(at)

    def errors(name: str, password: str) -> list[str]:
        inputs = {t.label: t for t in at.text_input}
        inputs["Nama pengguna"].input(name)
        inputs["Kata sandi"].input(password)
        next(b for b in at.button if b.label == "Masuk").click().run()
        shown = [e.value for e in at.error]
        _main_run(at)
        return shown

    shown = {case: errors(*creds) for case, creds in {
        "unknown": ("tidak.ada", "salah-sandi-1"), "wrong": ("sari.p", "salah-sandi-1"),
        "locked": ("ani.w", "salah-sandi-1"), "locked_right_password": ("ani.w", PW)}.items()}
    assert not at.exception
    assert "actor" not in at.session_state
    messages = {m for ms in shown.values() for m in ms}
    assert len(messages) == 1, shown
    assert all(len(ms) == 1 for ms in shown.values()), shown
    (message,) = messages
    assert "salah" in message and "Setelah 5 kali gagal masuk berturut-turut, akun dikunci 15 menit." in message
    assert accounts.get_user(SYSTEM, accounts.find_user_id(SYSTEM, "ani.w")).locked


def test_logout(seeded):
    accounts.create_user(SYSTEM, "sari.p", "Sari Pimpinan", "pimpinan", PW)
    at = _app().run()
    _login(at, "sari.p", PW)
    at.button(key="logout").click()
    _main_run(at)
    assert "actor" not in at.session_state
    assert at.title[0].value.startswith("Masuk")
    assert "Anda telah keluar" in _texts(at)


@pytest.mark.parametrize("field,reason", [("login_at", "terlalu lama sejak masuk"), ("last_seen", "tidak ada aktivitas")])
def test_session_expiry(seeded, field, reason):
    accounts.create_user(SYSTEM, "sari.p", "Sari Pimpinan", "pimpinan", PW)
    at = _app().run()
    _login(at, "sari.p", PW)
    at.session_state[field] = time.time() - 9 * 3600
    _main_run(at)
    assert "actor" not in at.session_state
    assert at.title[0].value.startswith("Masuk")
    assert reason in _texts(at)


def test_password_change_elsewhere_ends_this_session(seeded):
    uid = accounts.create_user(SYSTEM, "sari.p", "Sari Pimpinan", "pimpinan", PW)
    at = _app().run()
    _login(at, "sari.p", PW)
    accounts.change_password(SYSTEM, uid, "Lain-Sandi-2030")
    _main_run(at)
    assert "actor" not in at.session_state
    assert "kata sandi, peran atau status akun Anda diubah" in _texts(at)


def _visible_titles(role, unit_id=None):
    import app
    from tests.conftest import actor_for

    actor = None if role is None else actor_for(role, unit_id)
    return {p.title for p in app.PAGES if app._visible(p, actor)}


def test_navigation_shows_only_what_the_role_may_use():
    public = _visible_titles(None)
    assert public == {"Statistik Publik"}
    admin = _visible_titles("admin")
    assert {"Scorecard Pimpinan", "Jejak Audit", "Pengguna & Kata Sandi", "Statistik Publik"} <= admin
    pimpinan = _visible_titles("pimpinan")
    assert {"Scorecard Pimpinan", "Jejak Audit"} <= pimpinan and "Admin Instrumen" not in pimpinan
    operator = _visible_titles("operator_opd", 1)
    assert "Scorecard Pimpinan" not in operator and "Jejak Audit" not in operator
    assert "Pengguna & Kata Sandi" in operator
    for role in ("tim_asesor", "verifikator"):
        titles = _visible_titles(role)
        assert "Jejak Audit" not in titles and "Admin Instrumen" not in titles and "Scorecard Pimpinan" in titles


def test_operator_changes_own_password_and_stays_logged_in(seeded):
    from assessment import units

    unit = units.resolve_unit("Dinas Komunikasi dan Informatika").id
    uid = accounts.create_user(SYSTEM, "op.kominfo", "Operator Kominfo", "operator_opd", PW, unit)
    actor = accounts.authenticate("op.kominfo", PW)
    other_device = accounts.authenticate("op.kominfo", PW)
    at = _page("pages/pengguna.py", actor).run()
    assert not at.exception
    assert "Daftar pengguna" not in _texts(at)  # not an admin
    fields = {t.label: t for t in at.text_input}
    fields["Kata sandi lama"].input(PW)
    fields["Kata sandi baru"].input("Baru-Sandi-2031")
    fields["Ulangi kata sandi baru"].input("Baru-Sandi-2031")
    next(b for b in at.button if b.label == "Ganti kata sandi").click().run()
    assert not at.exception
    assert "Kata sandi diganti" in _texts(at)
    assert accounts.session_valid(at.session_state["actor"])
    assert not accounts.session_valid(other_device)
    assert accounts.authenticate("op.kominfo", "Baru-Sandi-2031").user_id == uid


def test_admin_creates_and_deactivates_a_user(seeded):
    accounts.create_user(SYSTEM, "admin.satu", "Admin Satu", "admin", PW)
    admin = accounts.authenticate("admin.satu", PW)
    at = _page("pages/pengguna.py", admin).run()
    assert not at.exception and "Daftar pengguna" in _texts(at)
    at.text_input(key="new_username").input("tim.asesor")
    at.text_input(key="new_full_name").input("<b>Tim</b> Asesor")
    at.text_input(key="new_pw1").input(PW)
    at.text_input(key="new_pw2").input(PW)
    at.selectbox(key="new_role").set_value("tim_asesor")
    next(b for b in at.button if b.label == "Buat pengguna").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    # The message survives the rerun, names the user, and the form is empty for the next one.
    assert [e.value for e in at.success] == [
        "Pengguna 'tim\\.asesor' dibuat (\\<b\\>Tim\\</b\\> Asesor, Tim Asesor). Sampaikan kata sandi awalnya "
        "secara langsung. Formulir sudah dikosongkan untuk pengguna berikutnya."]
    assert [at.text_input(key=k).value for k in ("new_username", "new_full_name", "new_pw1", "new_pw2")] == ["", "", "", ""]
    assert at.selectbox(key="new_role").value == "admin" and at.selectbox(key="new_unit").value is None
    assert [t.value for t in at.title] == ["Pengguna & Kata Sandi"]  # one header, not two
    assert accounts.authenticate("tim.asesor", PW).role == "tim_asesor"
    # The next run (any click) no longer shows the message.
    at.run()
    assert not at.success
    uid = accounts.find_user_id(SYSTEM, "tim.asesor")
    at.selectbox(key="user_sel").set_value(uid).run()
    at.button(key=f"deact_{uid}").click().run()
    assert not at.exception
    assert not accounts.get_user(SYSTEM, uid).active


def test_user_form_refuses_a_unit_for_other_roles(seeded):
    from assessment import units

    kominfo = units.resolve_unit("Dinas Komunikasi dan Informatika").id
    accounts.create_user(SYSTEM, "admin.satu", "Admin Satu", "admin", PW)
    op = accounts.create_user(SYSTEM, "op.kominfo", "Operator Kominfo", "operator_opd", PW, kominfo)
    admin = accounts.authenticate("admin.satu", PW)
    at = _page("pages/pengguna.py", admin).run()
    at.text_input(key="new_username").input("sari.p")
    at.text_input(key="new_full_name").input("Sari")
    at.text_input(key="new_pw1").input(PW)
    at.text_input(key="new_pw2").input(PW)
    at.selectbox(key="new_role").set_value("pimpinan")
    at.selectbox(key="new_unit").set_value(kominfo)
    next(b for b in at.button if b.label == "Buat pengguna").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Unit hanya diisi untuk peran Operator OPD; peran Pimpinan tidak dikaitkan dengan unit. Kosongkan unitnya."]
    assert accounts.count_users() == 2
    # A refusal keeps what was typed, so only the fault needs fixing.
    assert at.text_input(key="new_username").value == "sari.p" and at.text_input(key="new_pw1").value == PW
    # Changing the operator to Pimpinan with the unit still chosen: refused, and the name is not saved either.
    at.selectbox(key="user_sel").set_value(op).run()
    fields = [t for t in at.text_input if t.label == "Nama lengkap" and t.value == "Operator Kominfo"]
    fields[0].input("Nama Baru")
    at.selectbox(key=f"edit_role_{op}").set_value("pimpinan")
    next(b for b in at.button if b.label == "Simpan").click().run()
    assert not at.exception
    assert any("Unit hanya diisi untuk peran Operator OPD" in e.value for e in at.error)
    view = accounts.get_user(SYSTEM, op)
    assert (view.role, view.unit_id, view.full_name) == ("operator_opd", kominfo, "Operator Kominfo")


def test_audit_page_filters_and_export(seeded):
    accounts.create_user(SYSTEM, "sari.p", "Sari Pimpinan", "pimpinan", PW)
    actor = accounts.authenticate("sari.p", PW)
    at = _page("pages/audit.py", actor).run()
    assert not at.exception
    assert "baris cocok" in _texts(at)
    box = at.selectbox(key="audit_action")
    # The picker shows words, not codes; groups first, then single actions.
    assert "Akun pengguna: semua tindakan" in box.options and "Berhasil masuk" in box.options
    assert not [o for o in box.options if "." in o and " " not in o], box.options
    box.set_value("user.*").run()
    assert not at.exception
    df = at.dataframe[0].value
    assert list(df.columns) == ["Waktu (WIB)", "Pengguna", "Peran", "Tindakan", "Entitas", "ID entitas", "Perubahan",
                                "Nilai lama", "Nilai baru"]
    assert list(df["Tindakan"]) == ["Berhasil masuk", "Akun dibuat"]
    assert set(df["Peran"]) == {"Pimpinan", "Admin (Dinas Kominfo)"} and set(df["Entitas"]) == {"Akun pengguna"}
    created = df[df["Tindakan"] == "Akun dibuat"].iloc[0]
    assert created["Perubahan"] == "nama pengguna: sari.p; nama lengkap: Sari Pimpinan; peran: Pimpinan; ID unit: -"
    at.button(key="audit_prepare").click().run()
    assert not at.exception
    assert at.session_state["audit_xlsx"][1][:2] == b"PK"


def test_audit_page_refused_for_other_roles(seeded):
    from tests.conftest import actor_for

    at = _page("pages/audit.py", actor_for("tim_asesor")).run()
    assert not at.exception
    assert "Akses ditolak" in _texts(at)
    assert not at.dataframe
