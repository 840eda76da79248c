from tests.e2e.conftest import login, screenshot, wait_idle

def _go(page, slug):
    more = page.locator("[data-testid='stSidebarNavViewButton']")
    if more.count() and "View more" in more.first.inner_text():
        more.first.click()
    page.locator(f"[data-testid='stSidebarNav'] a[href$='/{slug}']").click()
    wait_idle(page); page.wait_for_timeout(2500)

def test_shots(portal, page):
    login(page, portal, "admin")
    _go(page, "rencana_aksi")
    page.get_by_role("tab", name="Linimasa").click(); page.wait_for_timeout(2500)
    screenshot(page, "tmp_timeline")
    page.get_by_role("tab", name="Rekap & keterlambatan").click(); page.wait_for_timeout(1500)
    screenshot(page, "tmp_rekap")
    page.get_by_role("tab", name="Ubah rinci & bukti").click(); page.wait_for_timeout(1500)
    screenshot(page, "tmp_detail")
    _go(page, "target_indikator"); screenshot(page, "tmp_target")
    _go(page, "renaksi_asesmen"); screenshot(page, "tmp_asesmen")
    _go(page, "renaksi_katalog"); screenshot(page, "tmp_katalog")
