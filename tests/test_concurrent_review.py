"""The dashboard while another process writes the warehouse: no lock errors, cached data shown,
and a review decision made during the run is kept and lands in the warehouse afterwards.

The writer is a real separate process holding DuckDB's write lock step by step, as the flows
do (`tests/support/busy_writer.py`: each step drains the review inbox, writes, holds the lock).
A second test runs the real `panorama collect` flow beside the app when the demo snapshot is
there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from landscape import review_inbox
from tests.conftest import demo_months
from tests.support.dashboard_fixture import (
    REVIEW_ITEM,
    REVIEW_TARGET,
    build_dashboard_warehouse,
    open_page,
    texts,
)

ROOT = Path(__file__).resolve().parent.parent
LOCK_WORDS = ("Conflicting lock", "IO Error", "IOException", "Could not set lock")


def _start_writer(db: Path, ready: Path, env: dict[str, str], **opts: float) -> subprocess.Popen:
    """The busy writer, holding the lock from its first step until `ready`'s sibling file
    `writer.stop` appears (`_stop_writer`): the test, not the clock, ends the busy stretch, so
    a slow page on a loaded machine still reads while the lock is held."""
    args = [sys.executable, "-m", "tests.support.busy_writer", str(db), "--ready", str(ready),
            "--stop", str(ready.with_name("writer.stop")), "--seconds", "120", "--hold", "120"]
    for key, value in opts.items():
        args += [f"--{key}", str(value)]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"writer did not start: {proc.stdout.read()}")
        time.sleep(0.05)
    return proc


def _stop_writer(writer: subprocess.Popen, ready: Path) -> str:
    """Ends the writer's run; it makes one last step (draining the inbox) and exits."""
    ready.with_name("writer.stop").write_text("stop")
    out, _ = writer.communicate(timeout=60)
    return out


def _category(db: Path, item_id: str) -> tuple[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT category, decided_by FROM v_item_category WHERE item_id = ?",
                           [item_id]).fetchone()


def _review_page_reassigning():  # noqa: ANN202 - streamlit's AppTest
    """The Review page with reviewer Mei about to reassign the first item to REVIEW_TARGET."""
    at = open_page("review")
    at.text_input(key="reviewer").input("Mei")
    at.radio(key="review_decision").set_value("reassign")
    at.run()
    at.selectbox(key="review_category").set_value(REVIEW_TARGET)
    at.run()
    return at


def test_review_decision_during_a_write_is_kept(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fx = build_dashboard_warehouse(tmp_path)
    fx.apply_env(monkeypatch)
    assert _category(fx.db, REVIEW_ITEM) == ("agentic-web", "machine")

    # Readers warm up before the run, as a reviewer's open dashboard would be.
    for page in ("trends", "browse", "health"):
        assert not open_page(page).exception
    at = _review_page_reassigning()

    ready = tmp_path / "writer.ready"
    writer = _start_writer(fx.db, ready, {**os.environ, **fx.env()})
    try:
        # The lock is held right now: make the decision through the dashboard's own path.
        at.button(key="review_submit").click()
        at.run()
        assert not at.exception
        body = texts(at)
        assert not any(word in body for word in LOCK_WORDS)
        # The writer holds the lock until told to stop: the decision waits in the inbox.
        pending = review_inbox.pending_decisions(fx.db)
        assert any("waits in the review inbox" in i.value for i in at.info)
        assert [d.item_id for d in pending] == [REVIEW_ITEM]
        decisions = at.dataframe[-1].value  # the Decisions table shows it as pending
        assert "pending (waits for the warehouse)" in list(decisions["status"])
        assert "agent-kit" not in list(at.dataframe[0].value["name"])
        # Other pages keep working while the run writes: cached data, never a lock error.
        for page in ("trends", "browse", "health"):
            other = open_page(page)
            assert not other.exception, page
            assert not any(word in texts(other) for word in LOCK_WORDS), page
            assert other.dataframe or "projects in" in texts(other), page  # content
    finally:
        out = _stop_writer(writer, ready)
    assert writer.returncode == 0, out

    # After the run: the decision is in the warehouse (drained by the writer's last step) and
    # the item's category has changed.
    assert "drained 1" in out, out
    assert review_inbox.pending_decisions(fx.db) == []
    assert _category(fx.db, REVIEW_ITEM) == (REVIEW_TARGET, "review")
    with duckdb.connect(str(fx.db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM review_inbox_applied").fetchone()[0] == 1
        assert con.execute("SELECT reviewer FROM review_decisions WHERE item_id = ?",
                           [REVIEW_ITEM]).fetchone()[0] == "Mei"
    after = open_page("review")
    assert not after.exception
    assert "in the warehouse" in list(after.dataframe[-1].value["status"])


def test_busy_page_without_cache_says_busy(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    fx = build_dashboard_warehouse(tmp_path)
    fx.apply_env(monkeypatch)
    # The pages' modules imported first (publish imports Prefect: seconds), so that the page
    # reads while the writer holds the lock, not after.
    import dashboard.actions  # noqa: F401
    import dashboard.data_projects  # noqa: F401
    import dashboard.diff_view  # noqa: F401

    ready = tmp_path / "writer.ready"
    writer = _start_writer(fx.db, ready, {**os.environ, **fx.env()})
    try:
        at = open_page("health")  # never loaded before: nothing cached for this warehouse
        assert not at.exception
        assert any("Warehouse busy" in w.value for w in at.warning)
        assert not any(word in texts(at) for word in LOCK_WORDS)
    finally:
        _stop_writer(writer, ready)
    at = open_page("health")
    assert not at.warning and at.dataframe


def _demo_month() -> str:
    return demo_months()[0].name


@pytest.mark.slow
def test_review_during_real_collect_flow(prefect_harness, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The real `panorama collect --replay` flow writes beside the app.

    The flow reports to the session's Prefect server (PREFECT_API_URL, as a configured
    installation does) instead of starting a temporary one of its own: that start-up was
    15-20 s of the flow's run spent before it wrote anything."""
    from prefect.settings import PREFECT_API_URL

    fx = build_dashboard_warehouse(tmp_path)
    fx.apply_env(monkeypatch)
    month = _demo_month()
    env = {**os.environ, **fx.env(), "PREFECT_HOME": str(tmp_path / "prefect"),
           "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    at = _review_page_reassigning()
    flow = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "collect", month, "--replay",
         str(ROOT / "demo" / "snapshot" / month)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # Make decisions and read pages while the flow runs (whether or not it holds the lock
        # at this instant): never an exception or a lock error.
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline and flow.poll() is None:
            time.sleep(0.1)
        at.button(key="review_submit").click()
        at.run()
        assert not at.exception
        assert not any(word in texts(at) for word in LOCK_WORDS)
        for page in ("trends", "health"):
            other = open_page(page)
            assert not other.exception and not any(w in texts(other) for w in LOCK_WORDS)
    finally:
        out, _ = flow.communicate(timeout=600)
    assert flow.returncode in (0, 1), out  # 1 = some sources failed (month not in snapshot)
    open_page("review")  # the dashboard drains what the flow did not
    assert review_inbox.pending_decisions(fx.db) == []
    assert _category(fx.db, REVIEW_ITEM) == (REVIEW_TARGET, "review")
