"""In a real browser: text with HTML or a script (a unit name from the registry, an answer note typed by a
user) is shown literally and runs nothing; the public page, not logged in, shows no reporter's name."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.e2e.conftest import login, screenshot, services_on, wait_idle

PAYLOAD = "<script>alert(1)</script><b>tebal</b>"
UNIT = f"Unit Uji {PAYLOAD}"


@pytest.fixture(scope="module")
def portal_db(portal):
    with services_on(portal):
        yield portal


FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "lapor" / "lapor_s1_comma_utf8.csv"
NAME = "Siti Aminah Rahasiawati"


@pytest.fixture(scope="module")
def hostile_data(portal_db):
    """A unit named with a script, and a LAPOR! export imported through the real import service as
    the newest snapshot, its reporters renamed to a fixture name."""
    from assessment import complaints, units
    from assessment.permissions import SYSTEM

    from datetime import datetime

    from scoring.formatting import WIB

    units.create_unit(SYSTEM, UNIT, "opd")
    # The newest snapshot, dated today (WIB; a later date is refused as in the future): a snapshot of
    # today that another browser test imported into the shared database is removed first.
    when = datetime.now(WIB).date()
    while True:
        snaps = complaints.list_snapshots(SYSTEM)
        if not snaps or max(v.snapshot_date for v in snaps) < when:
            break
        complaints.delete_latest_snapshot(SYSTEM)
    text = FIXTURE.read_text(encoding="utf-8").replace("Pelapor Contoh", NAME)
    text = text.replace("Tanggal Generate,2026-03-27", f"Tanggal Generate,{when.isoformat()}")
    complaints.commit_import(SYSTEM, "uji-keamanan.csv", text.encode("utf-8"), snapshot_date=when,
                             allow_partial=True)  # a few reports beside the demo set
    return portal_db


def _secrets() -> list[str]:
    """Reporter names, titles, texts and Tracking IDs of the imported fixture."""
    rows = list(csv.reader(io.StringIO(FIXTURE.read_text(encoding="utf-8"))))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "Tracking ID")
    out = [NAME]
    for r in rows[head + 1:]:
        if r and r[0]:
            out += [r[0], r[7], r[8]] + ([r[9]] if r[9] else [])
    return out


def _watch_dialogs(page) -> list[str]:
    seen: list[str] = []

    def on_dialog(d):
        seen.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    return seen


def _injected(page) -> int:
    """Elements the payload would have created had it been rendered as HTML."""
    return page.evaluate("""() => [...document.querySelectorAll('b, script')]
        .filter(e => (e.textContent || '').includes('tebal') || (e.textContent || '').includes('alert(1)')).length""")


def _start_assessment(page) -> None:
    """Click "Mulai asesmen" until the form shows (a click landing during a slow rerun can be lost)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        button = page.get_by_role("button", name="Mulai asesmen")
        if button.count():
            button.click()
        try:
            page.get_by_text("Terisi 0 dari 22 pertanyaan").wait_for(timeout=30_000)
            return
        except PlaywrightTimeout:
            wait_idle(page)
    page.get_by_text("Terisi 0 dari 22 pertanyaan").wait_for(timeout=30_000)


def _choose(page, label: str, typed: str, option: str) -> None:
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).first
    box.click()
    page.keyboard.type(typed)
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def test_public_page_not_logged_in_shows_no_reporter_name(hostile_data, page):
    dialogs = _watch_dialogs(page)
    page.goto(hostile_data.url + "/statistik_publik")
    page.get_by_text("Statistik Publik SP4N-LAPOR! Kabupaten Blitar").wait_for()
    page.get_by_text("Laporan diterima").first.wait_for()
    wait_idle(page)
    _choose(page, "Tahun", "2026", "2026")  # the year of the fixture reports
    page.wait_for_timeout(1500)
    wait_idle(page)
    assert page.get_by_text("Masuk sebagai").count() == 0  # nobody is logged in
    body = page.inner_text("body")
    html = page.content()
    secrets = _secrets()
    assert len(secrets) > 20
    for v in secrets:
        assert v not in body and v not in html, v
    screenshot(page, "public_statistics")
    assert not dialogs


def test_script_in_unit_name_and_note_is_shown_as_text(hostile_data, page):
    dialogs = _watch_dialogs(page)
    login(page, hostile_data, "tim_asesor")
    page.locator("[data-testid='stSidebarNav']").get_by_text("Asesmen Mandiri", exact=True).click()
    wait_idle(page)
    option = f"{UNIT} (OPD)"
    _choose(page, "Unit", "Unit Uji <script>", option)
    _choose(page, "Tahun", "2025", "2025")
    # The option was found by its literal text (above); nothing of it became HTML.
    assert _injected(page) == 0
    _start_assessment(page)
    note = page.get_by_label("Catatan").first
    note.fill(f"Catatan {PAYLOAD}")
    note.press("Tab")  # leaving the field saves it
    wait_idle(page)
    page.wait_for_timeout(1000)
    # A new visit reads the note back from the database.
    page.goto(hostile_data.url + "/")
    login(page, hostile_data, "tim_asesor")
    page.locator("[data-testid='stSidebarNav']").get_by_text("Asesmen Mandiri", exact=True).click()
    wait_idle(page)
    _choose(page, "Unit", "Unit Uji <script>", option)
    _choose(page, "Tahun", "2025", "2025")
    page.get_by_text("Terisi 0 dari 22 pertanyaan").wait_for(timeout=90_000)
    assert page.get_by_label("Catatan").first.input_value() == f"Catatan {PAYLOAD}"
    assert _injected(page) == 0
    screenshot(page, "script_shown_as_text")
    # The unit registry page shows it as text too.
    page.locator("[data-testid='stSidebarNav']").get_by_text("Unit Kerja", exact=True).click()
    wait_idle(page)
    page.wait_for_timeout(1000)
    assert _injected(page) == 0
    assert not dialogs, dialogs
