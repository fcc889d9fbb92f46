"""Screenshots of every dashboard page on a real warehouse (the demo one by default), in
Debian's headless Chromium, for a person to look at.

The browser test (tests/test_dashboard_browser.py) checks the pages on the small fixture
warehouse; this script shows them as a reader of the demo warehouse sees them:

    .venv/bin/python -m flows.cli demo                      # builds ./data and ./reports
    .venv/bin/python scripts/dashboard_screenshots.py [--out DIR] [--width 1400]

It starts `streamlit run dashboard/app.py` on the configured warehouse ($PANORAMA_DB /
$PANORAMA_DATA_DIR, else ./data), opens each page, waits until Streamlit has finished the
script, saves a full-page PNG in DIR (default tests/artifacts/screenshots/demo/) and stops
the server it started, whatever happens.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flows.cli_dashboard import start_local, wait_until_up  # noqa: E402 - needs ROOT first

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# file name -> the page's URL (path and query)
PAGES = {
    "landscape": "",
    "landscape-category": "?category=frameworks",
    "trends": "trends",
    "trends-zh": "trends?lang=zh",
    "compare": "compare?ids=project:candle,project:burn,project:ort",
    "search": "search?q=vector%20database",
    "search-zh": "search?q=%E5%90%91%E9%87%8F%E6%95%B0%E6%8D%AE%E5%BA%93",
    "project": "project?id=project:candle",
    "review": "review",
    "report": "report",
    "health": "health",
}


def _busy(page) -> bool:  # noqa: ANN001
    """Streamlit still running the script, or elements still greyed out / skeletons."""
    return bool(page.locator("[data-testid='stStatusWidget'], [data-testid='stSkeleton'],"
                             " [data-stale='true']").count())


def _settled(page, timeout_s: float = 120.0) -> None:  # noqa: ANN001
    """Until Streamlit has finished the script and nothing on the page is stale (then a
    moment for charts to paint)."""
    deadline = time.monotonic() + timeout_s
    time.sleep(1.0)
    while time.monotonic() < deadline:
        if not _busy(page):
            time.sleep(2.0)
            if not _busy(page):
                return
        time.sleep(0.3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "artifacts" / "screenshots"
                        / "demo")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--only", nargs="*", help="page names (default: all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
           "PYTHONPATH": str(ROOT)}
    proc, url = start_local(env)
    try:
        if not wait_until_up(proc, url, 90):
            print("streamlit did not start", file=sys.stderr)
            return 1
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            try:
                context = browser.new_context(viewport={"width": args.width, "height": 1000})
                for name, path in PAGES.items():
                    if args.only and name not in args.only:
                        continue
                    page = context.new_page()
                    page.goto(f"{url}/{path}", wait_until="domcontentloaded", timeout=120_000)
                    _settled(page)
                    # Streamlit scrolls inside its main block: grow the viewport to its height
                    height = page.evaluate(
                        "() => Math.max(...[...document.querySelectorAll("
                        "'[data-testid=stMain], [data-testid=stAppViewContainer] section')]"
                        ".map(e => e.scrollHeight), 1000)")
                    page.set_viewport_size({"width": args.width, "height": min(int(height) + 40,
                                                                                 12000)})
                    time.sleep(1.0)
                    page.screenshot(path=str(args.out / f"{name}.png"), full_page=True)
                    print(args.out / f"{name}.png")
                    page.close()
            finally:
                browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
