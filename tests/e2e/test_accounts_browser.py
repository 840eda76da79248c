"""Pengguna & Kata Sandi in the browser: after creating a user the form is empty for the next one
(AppTest cannot see this: the browser keeps what was typed unless the server sends new values)."""
from __future__ import annotations

import secrets

from tests.e2e.conftest import login, screenshot, wait_idle


def test_create_user_empties_the_form(portal, page):
    login(page, portal, "admin")
    page.locator("[data-testid='stSidebarNav']").get_by_text("Pengguna & Kata Sandi", exact=True).click()
    wait_idle(page)
    page.get_by_text("Tambah pengguna").first.click()
    name = "uji.form" + secrets.token_hex(2)
    password = "Sandi-" + secrets.token_urlsafe(10)
    page.get_by_label("Nama pengguna (huruf kecil, angka, titik)").fill(name)
    page.get_by_label("Nama lengkap").first.fill("Uji Formulir")
    page.get_by_label("Kata sandi awal", exact=True).fill(password)
    page.get_by_label("Ulangi kata sandi awal").fill(password)
    page.get_by_role("button", name="Buat pengguna").click()
    page.get_by_text(f"Pengguna '{name}' dibuat", exact=False).first.wait_for()
    wait_idle(page)
    page.wait_for_timeout(1000)
    screenshot(page, "accounts_form_emptied")
    assert page.get_by_label("Nama pengguna (huruf kecil, angka, titik)").input_value() == ""
    assert page.get_by_label("Nama lengkap").first.input_value() == ""
    assert page.get_by_label("Kata sandi awal", exact=True).input_value() == ""
    assert page.get_by_label("Ulangi kata sandi awal").input_value() == ""
    r = portal.manage("list-users")
    assert name in r.stdout
