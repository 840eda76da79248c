"""A real browser uploads a LAPOR! export on Impor Data LAPOR!, saves it, and sees it in the ranking:
the Peringkat OPD page names the new snapshot and Detail Unit lists the overdue report."""
from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import login, screenshot, wait_idle

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "lapor" / "lapor_e2e.xlsx"


def _open(page, path: str) -> None:
    more = page.locator("[data-testid='stSidebarNavViewButton']")
    if more.count():
        more.first.click()
    page.locator(f"[data-testid='stSidebarNav'] a[href$='/{path}']").click()
    wait_idle(page)


def test_upload_preview_save_and_see_the_ranking(portal, page):
    login(page, portal, "admin")
    _open(page, "impor_lapor")
    page.get_by_text("Setiap impor menjadi satu snapshot", exact=False).first.wait_for()
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(FIX))
    wait_idle(page)
    page.get_by_role("button", name="Periksa berkas (pratinjau)").click()
    wait_idle(page)
    page.get_by_text("Pratinjau: lapor_e2e.xlsx").wait_for()
    page.get_by_text("Snapshot 4 Des 2026", exact=False).first.wait_for()
    screenshot(page, "lapor_preview")
    page.get_by_role("button", name="Simpan impor").click()
    wait_idle(page)
    page.get_by_text("Snapshot 4 Des 2026 tersimpan: 4 baru", exact=False).wait_for()

    r = portal.manage("rank", "--year", "2026", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["snapshot_date"] == "2026-12-04"
    sosial = next(u for u in doc["units"] if u["unit"] == "Dinas Sosial")
    assert "5060001" in sosial["overdue_ids"] and sosial["punishment"]

    _open(page, "peringkat_opd")
    page.get_by_text("Snapshot 4 Des 2026 (lapor_e2e.xlsx)", exact=False).first.wait_for()
    page.get_by_text("Daftar punishment (I.3.4)").wait_for()
    page.get_by_text("Daftar reward (I.3.3)").wait_for()
    screenshot(page, "lapor_ranking")

    _open(page, "detail_unit")
    page.locator("[data-testid='stSelectbox']").filter(has_text="Unit").first.click()
    page.keyboard.type("Dinas Sosial")
    page.get_by_role("option", name="Dinas Sosial", exact=True).click()
    wait_idle(page)
    page.get_by_text("5060001", exact=False).first.wait_for()
    screenshot(page, "lapor_detail_unit")
