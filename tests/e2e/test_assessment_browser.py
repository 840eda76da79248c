"""A real browser fills the 22 answers, submits, and sees the priority table."""
from __future__ import annotations

import json

from tests.e2e.conftest import login, screenshot, wait_idle

SCORES = [4, 3, 4, 4, 4, 4, 3, 4, 3, 4, 4, 2, 3, 4, 3, 4, 4, 4, 3, 4, 2, 4]


def _choose(page, label: str, option: str) -> None:
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).first
    box.click()
    page.keyboard.type(option[:25])  # the list is virtualised: filter it first
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def test_fill_submit_and_see_priorities(portal, page):
    login(page, portal, "tim_asesor")
    page.locator("[data-testid='stSidebarNav']").get_by_text("Asesmen Mandiri", exact=True).click()
    wait_idle(page)
    # A unit and year no other browser test touches (they share one server and database).
    _choose(page, "Unit", "Kecamatan Wates (Kecamatan)")
    _choose(page, "Tahun", "2023")
    page.get_by_role("button", name="Mulai asesmen Kecamatan Wates 2023", exact=True).click()
    try:
        page.get_by_text("Terisi 0 dari 22 pertanyaan").wait_for()
    except Exception:
        screenshot(page, "assessment_start_failed")
        raise
    labels = {1: "1 - Belum ada", 2: "2 - Sebagian kecil", 3: "3 - Sebagian besar", 4: "4 - Sepenuhnya"}
    for i, v in enumerate(SCORES):
        group = page.locator("[data-testid='stRadio']").nth(i)
        group.get_by_text(labels[v], exact=True).click()
        wait_idle(page)
    page.get_by_text("Terisi 22 dari 22 pertanyaan").wait_for()
    page.get_by_role("button", name="Ajukan untuk verifikasi").click()
    wait_idle(page)
    page.get_by_text("Diajukan").first.wait_for()
    page.locator("[data-testid='stSidebarNav']").get_by_text("Hasil & Prioritas", exact=True).click()
    wait_idle(page)
    page.get_by_text("Tabel 5 - Penentuan prioritas").wait_for()
    page.wait_for_timeout(1500)
    shot = screenshot(page, "assessment_priorities")
    assert shot.exists()
    # The page agrees with the command line on the same database.
    r = portal.manage("score", "--unit", "Kecamatan Wates", "--year", "2023", "--json")
    doc = json.loads(r.stdout)
    assert doc["state"] == "diajukan"
    assert [a["mean"] for a in doc["aspects"]] == [3.50, 3.56, 3.40, 4.00, 3.67]
    assert [a["suggested_priority"] for a in doc["aspects"]] == [2, 3, 1, 5, 4]
    grid = page.locator("[data-testid='stDataFrame']").first
    assert grid.is_visible()
