"""exploration"""
from __future__ import annotations
import json
from tests.e2e.conftest import login, screenshot, wait_idle


def test_explore(portal, page):
    login(page, portal, "admin")
    more = page.locator("[data-testid='stSidebarNavViewButton']")
    if more.count():
        more.first.click()
    page.locator("[data-testid='stSidebarNav'] a[href$='/rencana_aksi']").click()
    wait_idle(page)
    page.get_by_text("butir ditampilkan").first.wait_for()
    screenshot(page, "ra_1")
    ms = page.locator("[data-testid='stMultiSelect']").filter(has_text="Kelompok program").first
    ms.click()
    page.get_by_role("option", name="KP II Penguatan Sumber Daya Manusia").click()
    page.keyboard.press("Escape")
    wait_idle(page)
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="Tahun").first
    box.click()
    page.wait_for_timeout(800)
    screenshot(page, "ra_1b")
    print([o.inner_text() for o in page.get_by_role("option").all()])
    page.keyboard.type("2022")
    page.wait_for_timeout(800)
    screenshot(page, "ra_1c")
    print([o.inner_text() for o in page.get_by_role("option").all()])
    print(page.locator("[data-baseweb='popover']").count(), page.locator("li[role='option']").count(), page.locator("[role='listbox']").count())
    return
    wait_idle(page)
    page.wait_for_timeout(1500)
    screenshot(page, "ra_2")
    grid = page.locator("[data-testid='stDataFrame']").first
    print(grid.bounding_box())
    print(page.locator("[data-testid='stDataFrame']").count())
