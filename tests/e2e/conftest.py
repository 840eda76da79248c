"""Real-browser tests: `streamlit run app.py` on a free port against its own seeded database,
driven by Playwright with Debian's chromium (never a downloaded browser).

Fixtures:
- `portal`: the running server (`.url`, `.database_url`, `.password(role)`, `.username(role)`);
  users exist for every role: admin, tim_asesor, verifikator, pimpinan, operator_opd (the latter
  for "Dinas Komunikasi dan Informatika").
- `page`: a fresh Playwright page (new browser context) with a 1400x1000 viewport.
- `login(page, role)`: logs in through the login form and waits for the navigation.
Screenshots go to test-artifacts/ (kept by CI runs for a look).
"""
from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("MONEV_CHROMIUM", "/usr/bin/chromium")
ROLES = ("admin", "tim_asesor", "verifikator", "pimpinan", "operator_opd")


@dataclass
class Portal:
    url: str
    database_url: str
    env: dict
    passwords: dict = field(default_factory=dict)

    def username(self, role: str) -> str:
        return f"uji.{role.replace('_', '')}"

    def password(self, role: str) -> str:
        return self.passwords[role]

    def manage(self, *args: str, input_text: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, input=input_text, timeout=600)


@contextlib.contextmanager
def services_on(portal: "Portal"):
    """Run services in this process against the portal's own database, then point back."""
    from assessment import config, db

    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = portal.database_url
    config.reset_settings()
    db.reset_engine()
    try:
        yield portal
    finally:
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved
        config.reset_settings()
        db.reset_engine()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(tmp: Path) -> str:
    pg = os.environ.get("MONEV_TEST_DATABASE_URL", "")
    if not pg:
        return f"sqlite:///{tmp / 'e2e.db'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(pg)
    name = f"{url.database}_e2e"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium tidak ada di {CHROMIUM}: jalankan `make test` (memasang chromium dari Debian).")
    tmp = tmp_path_factory.mktemp("e2e")
    env = {k: v for k, v in os.environ.items() if k != "MONEV_TEST_DATABASE_URL"}
    env["DATABASE_URL"] = _database_url(tmp)
    env["MONEV_UPLOAD_DIR"] = str(tmp / "uploads")
    env["PYTHONPATH"] = str(ROOT)
    p = Portal(url="", database_url=env["DATABASE_URL"], env=env)
    r = p.manage("ensure-seeded")
    assert r.returncode == 0, r.stderr
    for role in ROLES:
        # A fresh random password per run: nothing secret lives in the repository.
        p.passwords[role] = "Uji-" + secrets.token_urlsafe(12)
        extra = ["--unit", "Dinas Komunikasi dan Informatika"] if role == "operator_opd" else []
        r = p.manage("create-user", "--role", role, "--username", p.username(role), "--full-name",
                     f"Pengguna Uji {role}", *extra, input_text=p.passwords[role] + "\n")
        assert r.returncode == 0, r.stderr
    proc, p.url = start_streamlit(env, tmp / "streamlit.log")
    yield p
    stop_streamlit(proc)


def start_streamlit(env: dict, log_path: Path) -> tuple[subprocess.Popen, str]:
    """A new `streamlit run app.py` process on a free port; returns it and its URL once healthy."""
    port = _free_port()
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    stop_streamlit(proc)
    raise RuntimeError("streamlit did not start: " + log_path.read_text()[-2000:])


def stop_streamlit(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="id-ID")
    pg = ctx.new_page()
    pg.set_default_timeout(30000)
    yield pg
    ctx.close()


def login(page, portal: Portal, role: str = "admin") -> None:
    page.goto(portal.url + "/")
    page.get_by_label("Nama pengguna").fill(portal.username(role))
    page.get_by_label("Kata sandi").fill(portal.password(role))
    page.get_by_role("button", name="Masuk").click()
    page.get_by_text("Masuk sebagai").wait_for()


def wait_idle(page, timeout: float = 30) -> None:
    """Wait until Streamlit has finished rerunning the script."""
    page.wait_for_timeout(300)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if page.locator("[data-testid='stStatusWidget']").count() == 0:
            return
        page.wait_for_timeout(200)


def screenshot(page, name: str) -> Path:
    """The whole page: Streamlit scrolls inside its main container, so `full_page` alone would only
    capture the window; the viewport is stretched to the content for the shot, then restored."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("() => { const m = document.querySelector(\"[data-testid='stMain']\");"
                           " return m ? m.scrollHeight : 0; }") or 0
    if size and height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 12000)})
        page.wait_for_timeout(300)
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        if size:
            page.set_viewport_size(size)
    return path
