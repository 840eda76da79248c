"""exploration"""
from __future__ import annotations
import json
from tests.e2e.conftest import login, screenshot, wait_idle


def test_explore(portal, page):
    login(page, portal, "admin")
    screenshot(page, "ra_0")
    print(page.locator("[data-testid='stSidebarNav']").inner_html()[:6000])
    return
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
    page.get_by_role("option", name="2022", exact=True).click()
    wait_idle(page)
    page.wait_for_timeout(1500)
    screenshot(page, "ra_2")
    grid = page.locator("[data-testid='stDataFrame']").first
    print(grid.bounding_box())
    print(page.locator("[data-testid='stDataFrame']").count())
