"""A page URL opened first on a freshly started server still goes through app.py.

Streamlit starts in its legacy multipage mode when a pages/ folder sits beside app.py: until app.py
has called st.navigation once, a request for /audit would run pages/audit.py directly, listing every
file in pages/ as the menu and skipping app.py's session checks. pages/ui.ensure_routed() reroutes it.
"""
from __future__ import annotations

from tests.e2e.conftest import screenshot, start_streamlit, stop_streamlit, wait_idle


def _nav_labels(page) -> list[str]:
    nav = page.locator("[data-testid='stSidebarNav']")
    return [t.strip() for t in nav.inner_text().splitlines() if t.strip()] if nav.count() else []


def _login_here(page, portal, role: str) -> None:
    """Log in with the form on the page that is open (the `login` fixture helper goes to / first)."""
    page.get_by_label("Nama pengguna").fill(portal.username(role))
    page.get_by_label("Kata sandi").fill(portal.password(role))
    page.get_by_role("button", name="Masuk").click()
    page.get_by_text("Masuk sebagai").wait_for()


def test_first_request_to_a_page_url_is_routed_through_app(portal, page, tmp_path):
    proc, url = start_streamlit(portal.env, tmp_path / "fresh.log")  # a new process: legacy mode armed
    try:
        page.goto(url + "/audit")
        page.get_by_text("Masuk ke Portal Monev SP4N-LAPOR!").wait_for(timeout=60000)
        wait_idle(page)
        screenshot(page, "routing-direct-audit")
        labels = _nav_labels(page)
        assert "Masuk" in labels and "Statistik Publik" in labels, labels
        # The legacy menu would list the helper modules and every page file.
        for leaked in ("ui", "session", "document ui", "audit", "Jejak Audit", "Scorecard Pimpinan"):
            assert leaked not in labels, labels
        assert page.get_by_text("Catatan setiap perubahan data di portal").count() == 0
        assert page.get_by_text("Page not found").count() == 0
        for section in ("Asesmen", "Rencana Aksi", "Pengaturan", "Pengaduan LAPOR!"):
            assert section not in labels, labels  # no empty menu sections from the hidden pages

        # Logging in from there works; the page asked for is closed to this role, and says so in Indonesian.
        _login_here(page, portal, "operator_opd")
        page.get_by_text("Halaman ini tidak tersedia untuk peran Operator OPD").wait_for()
        labels = _nav_labels(page)
        assert "Asesmen Mandiri" in labels and "Jejak Audit" not in labels, labels
        screenshot(page, "routing-closed-for-operator")
    finally:
        stop_streamlit(proc)


def test_a_bookmarked_page_opens_after_logging_in(portal, page):
    page.goto(portal.url + "/audit")
    _login_here(page, portal, "admin")
    page.get_by_text("Catatan setiap perubahan data di portal").wait_for()
    assert page.url.rstrip("/").endswith("/audit")
    assert page.get_by_text("Page not found").count() == 0
    wait_idle(page)
    screenshot(page, "routing-bookmarked-audit")
