"""A real headless Chromium against a running `streamlit run dashboard/app.py` on the fixture
warehouse: every page by its URL, its rendered text checked, a screenshot kept under
tests/artifacts/screenshots/ (gitignored)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.dashboard_fixture import build_dashboard_warehouse

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="needs Debian's chromium at /usr/bin/chromium "
                              "(apt-get install -y chromium)"),
]

# url path -> texts the rendered page must contain
PAGES = {
    "": ["Trends", "Month over month by category: 2025-11 vs 2025-10",
         "Biggest item movers: 2025-11 vs 2025-10"],
    "categories": ["Categories", "frameworks — Core frameworks (核心框架): 6 items",
                   "Why: nearest labelled neighbours"],
    "search": ["Search", "Type a query to search crates, repositories, papers and posts."],
    "review": ["Review", "Queue: least confident first", "agent-kit",
               "<script>alert(1)</script>", "Publish the month's draft"],
    "report": ["Report", "2025-11: draft (revision 1)", "2025 AI × Rust 技术全景（2025-11 草稿）"],
    "health": ["Run health", "Latest run 2025-11 (2025-11): completed_with_failures",
               "Carried forward", "github"],
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    fx = build_dashboard_warehouse(tmp_path_factory.mktemp("browser"))
    port = _free_port()
    env = {**os.environ, **fx.env(), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"streamlit did not start: {proc.stdout.read()}") from None
            time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        # A fresh profile dir (Playwright passes it as --user-data-dir itself).
        b = pw.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True,
            viewport={"width": 1400, "height": 1000},
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def _wait_for_texts(page, texts: list[str], timeout_s: float = 45.0) -> str:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    body = ""
    while time.monotonic() < deadline:
        body = page.inner_text("body")
        running = page.locator("[data-testid='stStatusWidget']").count()
        if all(t in body for t in texts) and not running:
            return body
        time.sleep(0.25)
    missing = [t for t in texts if t not in body]
    raise AssertionError(f"missing {missing} in page text:\n{body[:3000]}")


@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_in_chromium(server: str, browser, path: str) -> None:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{server}/{path}", wait_until="domcontentloaded", timeout=60_000)
        body = _wait_for_texts(page, PAGES[path])
        assert "Traceback" not in body
        assert not page.locator("[data-testid='stException']").count()
        if path == "search":
            box = page.get_by_label("Search the landscape")
            box.fill("vector store")
            box.press("Enter")
            _wait_for_texts(page, ["result(s)"])
        time.sleep(1.0)  # let charts and grids paint before the screenshot
        page.screenshot(path=str(SHOTS / f"{path or 'trends'}.png"), full_page=True)
        # Hostile source text is shown as text: no script ran, no alert, no injected element.
        assert not dialogs, dialogs
        assert page.locator("img[src='x']").count() == 0
    finally:
        page.close()
    assert not [e for e in errors if "alert" in e], errors
