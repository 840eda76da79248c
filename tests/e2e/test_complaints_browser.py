"""A real browser uploads a LAPOR! export on Impor Data LAPOR!, saves it, and sees it in the ranking:
the Peringkat OPD page names the new snapshot and Detail Unit lists the overdue report."""
from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import login, screenshot, services_on, wait_idle

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
    # the portal holds the demo snapshots (2 600 reports): this 4-report file is a partial export, which
    # needs the confirmation before it can be saved
    page.get_by_text("Ekspor sebagian: 2.600 laporan yang sudah tersimpan", exact=False).first.wait_for()
    assert page.get_by_role("button", name="Simpan impor").is_disabled()
    page.get_by_text("Saya mengerti: simpan sebagai snapshot", exact=False).first.click()
    wait_idle(page)
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

    # a wrong type of file gets the service's Indonesian reason (the uploader accepts any file)
    _open(page, "impor_lapor")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        str(FIX.parent / "bad_not_lapor.pdf"))
    wait_idle(page)
    page.get_by_role("button", name="Periksa berkas (pratinjau)").click()
    wait_idle(page)
    page.get_by_text("bukan berkas Excel (.xlsx) atau CSV", exact=False).first.wait_for()
    assert page.get_by_text("files are not allowed", exact=False).count() == 0
    screenshot(page, "lapor_wrong_type")
    page.get_by_role("tab", name="Riwayat snapshot").click()
    page.get_by_text("Hapus snapshot terakhir (4 Des 2026)", exact=False).first.click()
    wait_idle(page)
    screenshot(page, "lapor_history_delete")


def test_ranking_charts_after_a_filter(portal, page):
    """Kecamatan only: the overdue bars stay bars with whole names, counts on integer ticks, Indonesian
    month names in the trend."""
    from tests.e2e.conftest import ARTIFACTS

    login(page, portal, "pimpinan")
    _open(page, "peringkat_opd")
    page.locator("[data-testid='stSelectbox']").filter(has_text="Jenis unit").first.click()
    page.get_by_role("option", name="Kecamatan", exact=True).click()
    wait_idle(page)
    charts = page.locator("[data-testid='stVegaLiteChart']")
    charts.last.scroll_into_view_if_needed()
    charts.last.locator("svg, canvas").first.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    n = charts.count()
    assert n == 3
    charts.nth(1).screenshot(path=str(ARTIFACTS / "lapor_chart_trend.png"))
    charts.nth(2).screenshot(path=str(ARTIFACTS / "lapor_chart_overdue.png"))
    page.get_by_text("Okt 2026", exact=False).count()  # the axis is drawn in SVG/canvas: checked on the image


def test_informasi_umum_shows_the_imported_counts(portal, page):
    login(page, portal, "admin")
    _open(page, "informasi_umum")
    page.locator("[data-testid='stSelectbox']").filter(has_text="Unit").first.click()
    page.keyboard.type("Dinas Sosial")
    page.get_by_role("option", name="Dinas Sosial", exact=True).click()
    wait_idle(page)
    page.get_by_text("Dari data SP4N-LAPOR! yang diimpor", exact=False).first.wait_for()
    from datetime import date

    year = date.today().year  # the page's default year (same clock: the server runs on this machine)
    expected = _imported_received(portal, "Dinas Sosial", year)
    assert expected > 0
    page.get_by_role("button", name="Ambil angka Dinas Sosial ke formulir").click()
    field = page.get_by_label("Jumlah pengaduan")
    for _ in range(100):  # the rerun that fills the form may start late on a busy machine
        if field.input_value() == str(expected):
            break
        page.wait_for_timeout(200)
    assert field.input_value() == str(expected)
    screenshot(page, "lapor_informasi_umum")


def _imported_received(portal, unit_name: str, year: int) -> int:
    """What the import service counts for the unit and year, read in this process from the portal's database."""
    from assessment import complaints, units

    with services_on(portal):
        t = complaints.figures_from_reports(year, units.resolve_unit(unit_name).id)
        return int(t.received) if t is not None else 0
