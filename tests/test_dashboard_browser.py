"""A real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against a running
`streamlit run dashboard/app.py` on the fixture warehouse.

- Every page by its URL: rendered text checked, no exception, a screenshot kept.
- A reader's path: search → open a project → compare it with another → record a review
  decision (and the same for its near-duplicate) → reload and see it kept → the report page shows no `<!--` marker and every image
  has loaded (naturalWidth > 0).

Screenshots go to tests/artifacts/screenshots/ (gitignored; `$PANORAMA_SCREENSHOTS` overrides;
the README names the folder). In CI (`CI` set) a missing Chromium fails the test; locally it
skips only when /usr/bin/chromium is truly absent.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.cli_dashboard import start_local, wait_until_up
from tests.support.dashboard_fixture import build_dashboard_warehouse

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
SHOTS = Path(os.environ.get("PANORAMA_SCREENSHOTS") or ROOT / "tests" / "artifacts" / "screenshots")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                       reason="needs Debian's chromium at /usr/bin/chromium "
                              "(apt-get install -y chromium; CI installs it)"),
]

# url -> texts the rendered page must contain
PAGES = {
    "": ["Landscape", "Core frameworks", "Open"],
    "?category=frameworks": ["Core frameworks · ", "candle", "active"],
    "trends": ["Trends", "Month over month by category: 2025-11 vs 2025-10", "Biggest movers"],
    "compare?ids=project:candle,project:burn": ["Compare projects", "Download the chart data"],
    "search?q=vector%20store": ["Search", "vecdb-lite", "one per project"],
    "project?id=project:candle": ["candle", "Releases", "2025-11-10", "Category and why"],
    "review": ["Review", "Waiting for review", "agent-kit", "<script>alert(1)</script>"],
    "report": ["Report", "2025-11: draft (revision 1)", "2025 AI × Rust landscape (2025-11 draft)"],
    "health": ["Run health", "Latest run: 2025-11 · completed with failures",
               "Carried forward", "GitHub"],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    fx = build_dashboard_warehouse(tmp_path_factory.mktemp("browser"))
    env = {**os.environ, **fx.env(), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    proc, url = start_local(env, capture=True)
    if not wait_until_up(proc, url, 60):
        proc.kill()
        raise AssertionError(f"streamlit did not start: {proc.stdout.read()}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "CI must install Debian's chromium (.ci/run does)"
    SHOTS.mkdir(parents=True, exist_ok=True)
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        # A fresh profile dir (Playwright passes it as --user-data-dir itself).
        b = pw.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True,
            viewport={"width": 1400, "height": 1800}, args=FLAGS)
        yield b
        b.close()


def _settled(page, texts: list[str], timeout_s: float = 60.0) -> str:  # noqa: ANN001
    """Wait until the page shows every text and Streamlit has stopped running the script."""
    deadline = time.monotonic() + timeout_s
    body = ""
    while time.monotonic() < deadline:
        body = page.inner_text("body")
        running = page.locator("[data-testid='stStatusWidget']").count()
        if all(t in body for t in texts) and not running:
            time.sleep(0.5)  # let charts and grids paint
            return page.inner_text("body")
        time.sleep(0.25)
    missing = [t for t in texts if t not in body]
    raise AssertionError(f"missing {missing} in page text:\n{body[:3000]}")


def _shot(page, name: str) -> None:  # noqa: ANN001
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _no_failure(page, body: str) -> None:  # noqa: ANN001
    assert "Traceback" not in body and "Page not found" not in body
    assert not page.locator("[data-testid='stException']").count()


@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_in_chromium(server: str, browser, path: str) -> None:  # noqa: ANN001
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{server}/{path}", wait_until="domcontentloaded", timeout=60_000)
        body = _settled(page, PAGES[path])
        _no_failure(page, body)
        name = path.split("?")[0] or ("landscape" if "?" not in path else "landscape-category")
        _shot(page, name)
        assert not dialogs, dialogs  # hostile source text is shown as text: no script ran
        assert page.locator("img[src='x']").count() == 0
    finally:
        page.close()


def test_reader_path_search_project_compare_review_report(server: str, browser) -> None:  # noqa: ANN001
    page = browser.new_page()
    try:
        # 1. search, and open a hit's project page (same tab)
        page.goto(f"{server}/search?q=vector%20store", wait_until="domcontentloaded")
        _settled(page, ["vecdb-lite", "one per project"])
        page.get_by_role("link", name="vecdb-lite").first.click()
        body = _settled(page, ["Category and why", "Members", "Vector databases"])
        assert "/project" in page.url and "vecdb-lite" in page.url
        _no_failure(page, body)
        _shot(page, "flow-1-project")

        # 2. compare it with another project
        page.get_by_role("button", name="Compare with other projects").click()
        _settled(page, ["Compare projects", "Pick at least two projects"])
        picker = page.locator("[data-testid='stMultiSelect'] input").first
        picker.click()
        picker.fill("candle")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        body = _settled(page, ["Download the chart data (CSV)", "candle"])
        assert "crate%3Avecdb-lite" in page.url or "crate:vecdb-lite" in page.url
        assert "candle" in page.url
        _no_failure(page, body)
        _shot(page, "flow-2-compare")

        # 3. a review decision, then a reload: the decision is kept
        page.goto(f"{server}/review", wait_until="domcontentloaded")
        _settled(page, ["Waiting for review", "agent-kit"])
        page.get_by_label("Reviewer").fill("Mei")
        page.get_by_label("Reviewer").press("Enter")
        page.locator("[data-testid='stRadio'] label").filter(has_text="Out of scope").click()
        _settled(page, ["Record decision", "Apply the same decision to 1 near-duplicate"])
        # the near-duplicate is listed; the same decision for it too, when asked
        page.get_by_text("Apply the same decision to 1 near-duplicate").click()
        _settled(page, ["Record decision for 2 items"])
        _shot(page, "flow-3-review")
        page.get_by_role("button", name="Record decision for 2 items").click()
        _settled(page, ["2 decisions recorded (2 applied)"])
        page.reload(wait_until="domcontentloaded")
        body = _settled(page, ["Latest: agent-kit-rs → Out of scope, by Mei (in the warehouse)"])
        assert "**agent-kit**" not in body and "agent-kit · crate" not in body  # left the queue
        assert "agent-kit-rs · crate" not in body

        # 4. the report: no marker text, every image loaded
        page.goto(f"{server}/report", wait_until="domcontentloaded")
        body = _settled(page, ["2025-11: draft (revision 1)", "Core frameworks"])
        page.wait_for_selector("[data-testid='stImage'] img, [data-testid='stFullScreenFrame'] img",
                               timeout=30_000)  # the chart's element is there…
        page.wait_for_function(  # …and every image has finished loading (or failed)
            "() => [...document.images].every(i => i.complete)", timeout=30_000)
        assert "<!--" not in body
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => [e.getAttribute('src'), e.naturalWidth])")
        assert images, "the report's chart is shown"
        assert all(width > 0 for _, width in images), images
        _shot(page, "flow-4-report")
    finally:
        page.close()
