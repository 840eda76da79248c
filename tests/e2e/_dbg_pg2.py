from tests.e2e.conftest import login, screenshot, wait_idle
from tests.e2e.test_assessment_browser import _choose

def test_dbg(portal, page):
    login(page, portal, "tim_asesor")
    page.locator("[data-testid='stSidebarNav']").get_by_text("Asesmen Mandiri", exact=True).click()
    wait_idle(page)
    try:
        _choose(page, "Unit", "Dinas Komunikasi dan Informatika (OPD) - belum dikonfirmasi")
        _choose(page, "Tahun", "2025")
        page.get_by_role("button", name="Mulai asesmen").click()
        page.wait_for_timeout(8000)
        wait_idle(page)
    finally:
        screenshot(page, "dbg_pg2")
        print("BODY", page.inner_text("[data-testid='stMain']")[:1500])
