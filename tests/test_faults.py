"""The fault matrix (issue 10): what a source, an operator or the machine can throw at a run,
and what must hold afterwards. Recorded responses (the demo snapshot, copied and damaged) or a
loopback server, real DuckDB, real flows under a temporary Prefect server.

Each test names the defect of issue 10 it pins down; bench/RESULTS.md "faults" summarises the
matrix (cases tried, runs completed, records lost).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from support.loopback import LoopbackServer, Reply
from support.state_template import collected_month

from connectors.errors import RateLimited
from connectors.recording import exchange_path
from flows.watchdog import alive, descendants
from tests.conftest import DEMO_SNAPSHOT, ROOT

MONTH = "2025-12"
CANDLE = "https://crates.io/api/v1/crates/candle-core"
BURN = "https://crates.io/api/v1/crates/burn"


def _copy_month(tmp_path: Path, month: str = MONTH) -> Path:
    dst = tmp_path / "replay" / month
    shutil.copytree(DEMO_SNAPSHOT / month, dst)
    return dst


def _edit(folder: Path, url: str, change: Any, method: str = "GET") -> Path:
    """Apply `change(record)` to the recorded exchange of `url` in `folder`."""
    path = exchange_path(folder, method, url, None)
    record = json.loads(path.read_text("utf-8"))
    change(record)
    path.write_text(json.dumps(record), "utf-8")
    return path


def _cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120,
         stdin: Any = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=timeout, env={**os.environ, **(env or {})},
                          stdin=stdin)


# -- 1. one malformed field sinks nothing but its record -----------------------------------


def _homepage_object(record: dict[str, Any]) -> None:
    body = json.loads(record["response"]["body"])
    body["crate"]["homepage"] = {}
    record["response"]["body"] = json.dumps(body)


def _status_as_text(record: dict[str, Any]) -> None:
    record["response"]["status"] = "200"


def _github_rate_limited(record: dict[str, Any]) -> None:
    record["response"] = {"status": 403, "headers": {"x-ratelimit-remaining": "0",
                                                    "content-type": "application/json"},
                          "body": json.dumps({"message": "API rate limit exceeded"}),
                          "body_encoding": "utf-8"}


def test_bad_fields_cost_their_record_and_rate_limit_stops_the_host(
        prefect_harness, data_dir: Path, tmp_path: Path) -> None:
    """Defects 1 and 2 in one damaged month: a crate whose homepage is an object, a replay
    file whose status is the string "200", and GitHub answering 403 rate limited (remaining 0,
    no reset) part-way through."""
    from flows.monthly import monthly
    from warehouse import db

    folder = _copy_month(tmp_path)
    _edit(folder, CANDLE, _homepage_object)
    _edit(folder, BURN, _status_as_text)
    from connectors.watchlist import load_watchlist

    repos = load_watchlist().watched_repos()  # asked in this order
    limited = repos[len(repos) // 2]
    _edit(folder, f"https://api.github.com/repos/{limited}", _github_rate_limited)

    summary = monthly(month=MONTH, replay_dir=str(folder), classify=False, report=False)

    by = {o.source: o for o in summary.sources}
    assert summary.status == "completed_with_failures"
    assert by["crates"].status == "partial" and by["crates"].skipped == 1
    assert "homepage" in (by["crates"].error or "")
    assert by["arxiv"].status == "ok" and by["feeds"].status == "ok"
    assert by["github"].status == "partial"
    assert "stopped api.github.com" in by["github"].error and "rate limit" in by["github"].error
    with db.connect(read_only=True) as con:
        skipped = con.execute("SELECT source, record_type, item_id, error, source_url "
                              "FROM skipped_records WHERE run_id = ?", [summary.run_id]).fetchall()
        assert skipped == [("crates", "item", "crate:candle-core", skipped[0][3], CANDLE)]
        assert "'homepage'" in skipped[0][3]
        items = {r[0] for r in con.execute("SELECT item_id FROM items").fetchall()}
        # Only the bad record is lost: the crate's releases and numbers, the "200" crate and
        # every neighbour are in.
        assert "crate:candle-core" not in items and "crate:burn" in items
        assert con.execute("SELECT count(*) FROM observations WHERE item_id = "
                           "'crate:candle-core'").fetchone()[0] > 0
        assert sum(i.startswith("crate:") for i in items) == by["crates"].items_seen
        watched = {f"crate:{c.lower()}" for c in load_watchlist().watched_crates()}
        assert watched - items == {"crate:candle-core"}
        # The raw response of the rejected record is archived like any other.
        assert con.execute("SELECT count(*) FROM raw_responses WHERE run_id = ? AND url = ?",
                           [summary.run_id, CANDLE]).fetchone()[0] == 1
        # GitHub: repositories before the limit landed, none after it was asked for.
        github_urls = [u for (u,) in con.execute(
            "SELECT url FROM raw_responses WHERE run_id = ? AND url LIKE "
            "'https://api.github.com/repos/%'", [summary.run_id]).fetchall()]
        assert len(github_urls) == repos.index(limited) + 1
        assert con.execute("SELECT status FROM runs WHERE run_id = ?",
                           [summary.run_id]).fetchone()[0] == "completed_with_failures"


def test_a_crashing_step_leaves_a_failed_attempt_not_a_running_one(
        prefect_harness, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Defect 1/6: whatever raises inside a run, the attempt ends `failed` with its error."""
    import flows.monthly as monthly_module
    from warehouse import db

    def boom(**_: Any) -> None:
        raise RuntimeError("report exploded")

    monkeypatch.setattr(monthly_module, "report_flow", boom)
    with pytest.raises(Exception, match="report exploded"):
        monthly_module.monthly(month=MONTH, replay_dir=str(DEMO_SNAPSHOT / MONTH),
                               sources=["arxiv"], classify=False, report=True)
    with db.connect(read_only=True) as con:
        rows = con.execute("SELECT status, error FROM v_run_history").fetchall()
    assert len(rows) == 1 and rows[0][0] == "failed" and "report exploded" in rows[0][1]


# -- 2. rate limits at the HTTP layer (loopback) -------------------------------------------


def _github_client(clock: Any):
    from connectors.http import HttpSettings, PoliteClient

    return PoliteClient(HttpSettings(min_interval_s={}, jitter=0.0), clock=clock)


@pytest.mark.parametrize(("headers", "body"), [
    ({"x-ratelimit-remaining": "0"}, {"message": "API rate limit exceeded"}),       # no reset
    ({}, {"message": "API rate limit exceeded for 1.2.3.4."}),                     # message only
    ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000"}, {"message": "x"}),  # past reset
    ({"retry-after": "0"}, {"message": "secondary rate limit"}),                   # zero wait
])
def test_github_rate_limit_stops_the_host_with_a_minimum_backoff(
        headers: dict[str, str], body: dict[str, str]) -> None:
    from connectors import github
    from connectors.ratelimit import VirtualClock

    clock = VirtualClock(start=1_700_000_000.0)
    with LoopbackServer() as server:
        server.always("/repos/a/one", Reply(403, {**headers, "Content-Type": "application/json"},
                                            body))
        with _github_client(clock) as client:
            records = list(github.fetch_repos(client, "2025-11", ["a/one", "a/two", "a/three"],
                                              anonymous=True, api_base=server.base_url))
        assert server.received("/repos/a/two") == [] and server.received("/repos/a/three") == []
        attempts = server.received("/repos/a/one")
    assert [r["type"] for r in records] == ["error"] * 3
    assert all("rate limit" in r["message"] and r["error"] == "RateLimited" for r in records)
    # Never zero delay: every retry waited at least the minimum back-off (or Retry-After ≥ 1s).
    assert len(attempts) >= 2 and all(s >= 1.0 for s in clock.slept)
    if "retry-after" not in headers:
        assert all(s >= 60.0 for s in clock.slept)
    assert clock.total_slept <= 900.0  # within the run's budget


def test_rate_limit_beyond_the_budget_is_not_waited() -> None:
    from connectors.http import HttpSettings, PoliteClient
    from connectors.ratelimit import VirtualClock

    clock = VirtualClock(start=1_700_000_000.0)
    with LoopbackServer() as server:
        server.add("/x", status=429, headers={"Retry-After": "120"}, times=10)
        with PoliteClient(HttpSettings(min_interval_s={}, rate_limit_budget_s=200),
                          clock=clock) as client:
            with pytest.raises(RateLimited, match="budget"):
                client.get(server.url("/x"))
            with pytest.raises(RateLimited):
                client.get(server.url("/y"))  # the host is stopped: nothing is sent
    assert len(server.received("/x")) == 2 and server.received("/y") == []
    assert clock.total_slept == pytest.approx(120.0)


# -- 3. one writer per warehouse; emerging topics of the month only ------------------------


def test_a_second_writer_is_refused_with_a_clear_message(data_dir: Path) -> None:
    from warehouse import db

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from warehouse import db, runs\n"
         "with runs.writer_lock(db.db_path(), 'monthly 2025-12'):\n"
         "    print('held', flush=True); time.sleep(60)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "held"
        done = _cli("monthly", MONTH, "--replay", str(DEMO_SNAPSHOT / MONTH))
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 3, done.stderr
    assert "another run is writing" in done.stderr and "monthly 2025-12" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    with db.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def test_stale_running_attempts_are_abandoned_at_the_next_start(data_dir: Path) -> None:
    from warehouse import db, runs

    with db.connect() as con:
        dead = runs.start_run(con, "2025-11", "monthly", None)
        fresh = runs.start_run(con, "2025-12", "monthly", None)
        rows = dict(con.execute("SELECT run_id, status FROM v_run_history").fetchall())
        errors = dict(con.execute("SELECT run_id, error FROM v_run_history").fetchall())
    assert rows == {dead: "abandoned", fresh: "running"}
    assert "abandoned" in errors[dead]


# -- 4. a token in the environment never changes the replayed path ------------------------


def test_github_token_in_the_environment_does_not_change_replay(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.sources import FetchPlan, SourceFetch, run_fetcher

    monkeypatch.setenv("GITHUB_TOKEN", "ghp_this_token_must_not_matter_123456")
    result = SourceFetch(source="github")
    run_fetcher("github", FetchPlan(MONTH, replay_dir=str(DEMO_SNAPSHOT / MONTH)), result, {},
                None, None)
    assert result.errors == [] and result.fatal is None
    assert sum(r["type"] == "item" for r in result.records) == 60
    assert {e["method"] for e in result.exchanges} == {"GET"}  # REST, as recorded


# -- 5. months are validated once, everywhere ----------------------------------------------


@pytest.mark.parametrize("month", ["2025-12\n", "0000-01", "9999-12", "2025-13", " 2025-12"])
def test_bad_months_are_refused_before_anything_starts(data_dir: Path, month: str) -> None:
    done = _cli("monthly", month, "--replay", str(DEMO_SNAPSHOT / MONTH))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert not any((data_dir.parent / "reports").glob("*")) if (
        data_dir.parent / "reports").exists() else True


def test_future_month_and_foreign_replay_are_refused(data_dir: Path) -> None:
    from core.months import Month

    future = Month.current().shift(1)
    done = _cli("monthly", future, "--replay", str(DEMO_SNAPSHOT / MONTH))
    assert done.returncode == 2 and "has not begun" in done.stderr, done.stderr
    # December's responses (fetched 2026-01-01) cannot stand for November.
    done = _cli("monthly", "2025-11", "--replay", str(DEMO_SNAPSHOT / MONTH))
    assert done.returncode == 2 and "collection window" in done.stderr, done.stderr
    assert "--force" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    from flows.runs import check_replay

    check_replay(str(DEMO_SNAPSHOT / MONTH), "2025-11", force=True)  # --force says otherwise


# -- 6. run history: a mistyped replay never replaces a completed month --------------------


def test_mistyped_replay_is_refused_before_prefect_and_history_is_kept(data_dir: Path) -> None:
    from warehouse import db, runs

    with db.connect() as con:
        done_id = runs.start_run(con, MONTH, "monthly", str(DEMO_SNAPSHOT / MONTH))
        runs.finish_run(con, done_id, "completed")
    started = time.monotonic()
    done = _cli("monthly", MONTH, "--replay", str(DEMO_SNAPSHOT / "2025-1"))
    assert done.returncode == 2 and "replay folder does not exist" in done.stderr
    assert time.monotonic() - started < 30  # refused before a Prefect server was started
    with db.connect(read_only=True) as con:
        assert con.execute("SELECT run_id, status FROM v_month_run").fetchall() == [
            (done_id, "completed")]
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


# -- 8. smaller items ----------------------------------------------------------------------


def test_files_are_written_0644(tmp_path: Path) -> None:
    from warehouse.db import atomic_write_text

    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "r.md", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "r.md").stat().st_mode & 0o777 == 0o644


def test_rss_items_without_guid_or_link_are_kept() -> None:
    from datetime import UTC, datetime

    from connectors.feeds import parse_feed

    xml = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
           b"<item><title>First</title><pubDate>Mon, 03 Nov 2025 10:00:00 GMT</pubDate></item>"
           b"<item><title>Second</title><description>text</description></item>"
           b"</channel></rss>")
    result = parse_feed(xml, "https://x.org/feed.xml", datetime(2025, 12, 1, tzinfo=UTC))
    posts = [r for r in result.records if r["type"] == "post"]
    assert [p["title"] for p in posts] == ["First", "Second"]
    assert len({p["post_id"] for p in posts}) == 2
    again = parse_feed(xml, "https://x.org/feed.xml", datetime(2025, 12, 2, tzinfo=UTC))
    assert [p["post_id"] for p in again.records] == [p["post_id"] for p in posts]  # stable


def test_watchlist_toml_error_is_one_line_with_file_line_column(
        data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "watchlist.toml"
    bad.write_text('[project]\nuser_agent = "x"\ncontact = \n', "utf-8")
    started = time.monotonic()
    done = _cli("monthly", MONTH, "--replay", str(DEMO_SNAPSHOT / MONTH), "--watchlist", str(bad))
    assert done.returncode == 2, done.stderr
    assert f"{bad}:3:" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert time.monotonic() - started < 30


def test_non_duckdb_warehouse_says_what_it_is(data_dir: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "not.duckdb"
    bogus.write_bytes(b"this is not a database\n" * 10)
    done = _cli("status", env={"PANORAMA_DB": str(bogus)})
    assert done.returncode == 2 and "not a usable DuckDB warehouse" in done.stderr
    assert "Traceback" not in done.stderr and str(bogus) in done.stderr


def test_report_of_a_month_without_a_run_is_refused(data_dir: Path) -> None:
    done = _cli("report", "2024-01")
    assert done.returncode == 2 and "no run" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("content", [None, '{"text": "no label here"}\n'])
def test_eval_bad_file_is_one_line(data_dir: Path, tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "train.jsonl"
    if content is not None:
        path.write_text(content, "utf-8")
    done = _cli("eval", "--train", str(path), "--test", str(path))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", [["status"], ["review", "list"]])
def test_closed_pipe_ends_quietly(data_dir: Path, command: list[str]) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", *command], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # `| head` that already left
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err, err


# -- 7. child processes do not outlive their parent ----------------------------------------


def test_sigterm_to_dashboard_stops_streamlit(data_dir: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "dashboard", "--port",
                             str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the dashboard never listened")
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    time.sleep(0.5)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "something still serves the port"


@pytest.mark.slow
def test_kill_9_of_a_flow_takes_its_prefect_server_with_it(data_dir: Path, tmp_path: Path) -> None:
    """Defect 7 and 9: a live breakthrough check without network, killed (-9) while it
    retries; its temporary Prefect server must not be left behind. And SIGTERM stops one
    promptly."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HTTPS_PROXY": "http://127.0.0.1:9",
           "HTTP_PROXY": "http://127.0.0.1:9"}
    env.pop("PREFECT_API_URL", None)
    for sig, within in ((signal.SIGKILL, 15), (signal.SIGTERM, 15)):
        # stderr to a file: a pipe would stay open as long as an orphaned child holds it
        log = (tmp_path / f"stderr-{sig}").open("w")
        proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "breakthrough",
                                 "--month", "2025-11"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 120
        seen: set[int] = set()
        while time.monotonic() < deadline and proc.poll() is None:
            seen |= descendants(proc.pid)
            if any(_is_uvicorn(p) for p in seen):
                break
            time.sleep(0.5)
        time.sleep(3)  # the check is now retrying requests that cannot succeed
        seen |= descendants(proc.pid)
        started = time.monotonic()
        proc.send_signal(sig)
        proc.wait(timeout=within + 30)
        assert time.monotonic() - started < within, sig
        gone_by = time.monotonic() + 15
        while time.monotonic() < gone_by and any(alive(p) for p in seen):
            time.sleep(0.5)
        left = [p for p in seen if alive(p)]
        for pid in left:  # do not leave them behind ourselves
            os.kill(pid, signal.SIGKILL)
        assert not left, (sig, (tmp_path / f"stderr-{sig}").read_text())


def _is_uvicorn(pid: int) -> bool:
    try:
        return b"uvicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


# -- 3. a month's report is the month's: backfilling gives the same report -----------------

_RUN_ID = re.compile(r"\d{4}-\d{2}\.(?:m|c|bt)-\d{8}T\d{6}(?:\.\d+)?")
_SOURCE_REF = re.compile(r"\bs\d{6,}\b")  # footnote ids: hashes of source URLs (run ids too)


def _same_run_names(text: str) -> str:
    """Run ids differ between attempts by design: name them RUN, and number the footnotes
    (hashes of their URLs, which hold run ids) by first appearance."""
    text = _RUN_ID.sub("RUN", text)
    # Confidences are float32 embeddings summed in batches of different make-up: equal to 1e-6.
    text = re.sub(r"\d+\.\d{7,}", lambda m: f"{float(m.group()):.5f}", text)
    # A run record's own time is when that attempt ran (wall clock), not data of the month.
    text = re.sub(r"(`run:RUN/\w+`) · [0-9: -]+UTC", r"\1 · TIME", text)
    text = re.sub(r"(run:RUN/\w+,)[^,\n]*", r"\1TIME", text)
    order: dict[str, str] = {}
    return _SOURCE_REF.sub(lambda m: order.setdefault(m.group(0), f"s{len(order)}"), text)


def _report_files(reports: Path, month: str) -> dict[str, str]:
    folder = reports / month
    files = [folder / "landscape.zh.md", folder / "landscape.en.md", folder / "sources.csv",
             *sorted((folder / "data").glob("*.csv"))]
    out = {str(f.relative_to(folder)): _same_run_names(f.read_text("utf-8")) for f in files}
    # The run-health table carries each source's wall-clock finish time (sub-second stamps;
    # data fetch times are the recorded ones, in whole seconds).
    out["data/run_health.csv"] = re.sub(r"\d{4}-\d\d-\d\dT[\d:]+\.\d+\+00:00", "TIME",
                                        out["data/run_health.csv"])
    return out


@pytest.mark.slow
def test_backfilling_an_old_month_gives_the_same_report(
        prefect_harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.monthly import monthly

    reports = {}
    # In order, November's report is written by November's run, before December exists:
    # a December run after it writes only reports/2025-12 (report.build.render_report), so
    # it cannot change the files compared here and is not run. Backfilled, December's run
    # comes first and November's report is written on top of it: that is the case under test.
    for name, order in (("in-order", ["2025-11"]),
                        ("backfill", ["2025-12", "2025-11"])):
        monkeypatch.setenv("PANORAMA_DATA_DIR", str(tmp_path / name / "data"))
        monkeypatch.setenv("PANORAMA_REPORTS_DIR", str(tmp_path / name / "reports"))
        monkeypatch.delenv("PANORAMA_DB", raising=False)
        for month in order:
            summary = monthly(month=month, replay_dir=str(DEMO_SNAPSHOT / month))
            assert summary.status in ("completed", "completed_with_failures"), summary
        reports[name] = _report_files(tmp_path / name / "reports", "2025-11")
    assert reports["in-order"]["landscape.en.md"].strip()
    keep = tmp_path.parent.parent / "backfill-reports"  # for a look when this fails
    for path, text in reports["in-order"].items():
        if reports["backfill"][path] != text:
            for name in reports:
                out = keep / name / path
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(reports[name][path], "utf-8")
        assert reports["backfill"][path] == text, path


def test_backfilled_items_are_new_in_their_month(data_dir: Path) -> None:
    """Loading December, then November: November's items count as new in November, and
    their first sighting moves back to November's run (as if loaded in order)."""
    from datetime import UTC, datetime

    from warehouse import db
    from warehouse.load import save_records

    def item(at: datetime) -> dict[str, Any]:
        return {"type": "item", "item_id": "crate:x", "kind": "crate", "name": "x",
                "source": "crates", "source_url": "u", "fetched_at": at,
                "discovered_via": f"via-{at:%m}"}

    with db.connect() as con:
        dec = save_records(con, [item(datetime(2026, 1, 1, tzinfo=UTC))], "dec", "2025-12")
        nov = save_records(con, [item(datetime(2025, 12, 1, tzinfo=UTC))], "nov", "2025-11")
        again = save_records(con, [item(datetime(2026, 1, 1, tzinfo=UTC))], "dec2", "2025-12")
        row = con.execute("SELECT first_seen_run, discovered_via, last_seen_run FROM items"
                          ).fetchone()
    assert (dec.new, nov.new, again.new) == (1, 1, 0)
    assert row[:2] == ("nov", "via-12")


# -- 9. the weekly check adds to the month's draft, never speaks for it --------------------


@pytest.mark.slow
def test_breakthrough_check_keeps_the_monthly_run_health(prefect_harness, data_dir: Path) -> None:
    from flows.breakthrough import breakthrough
    from warehouse import db

    folder = str(DEMO_SNAPSHOT / MONTH)
    # the month's monthly run (the real flow, built once per process and copied)
    run = collected_month(DEMO_SNAPSHOT / MONTH, data_dir, db.reports_dir())
    with db.connect(read_only=True) as con:
        before = con.execute("SELECT run_id, source, items_seen, items_new FROM "
                             "v_report_run_health WHERE month = ? ORDER BY source",
                             [MONTH]).fetchall()
    check = breakthrough(month=MONTH, replay_dir=folder, update_draft=False)
    assert check["run_id"] != run.run_id and check["flags"] > 0
    with db.connect(read_only=True) as con:
        after = con.execute("SELECT run_id, source, items_seen, items_new FROM "
                            "v_report_run_health WHERE month = ? ORDER BY source",
                            [MONTH]).fetchall()
    assert after == before and {r[0] for r in after} == {run.run_id}


def test_breakthrough_without_month_files_under_the_open_draft(data_dir: Path) -> None:
    from datetime import UTC, datetime

    from flows.breakthrough import _current_draft_month
    from warehouse import db, runs

    now = datetime(2026, 1, 14, tzinfo=UTC)
    with db.connect() as con:
        assert _current_draft_month(now) == "2025-12"  # nothing yet: the month just ended
        for month, flow in (("2025-10", "monthly"), ("2025-11", "monthly"),
                            ("2026-01", "breakthrough")):
            runs.finish_run(con, runs.start_run(con, month, flow, None), "completed")
    assert _current_draft_month(now) == "2025-11"  # the latest month with a monthly run


def test_a_re_run_reports_the_months_new_items_not_the_re_runs(prefect_harness,
                                                               data_dir: Path) -> None:
    """A re-run of a month finds nothing new to itself; the report's "new" column is still
    the month's (items first seen by any run of it), and the run's own count is kept."""
    from flows.monthly import monthly
    from warehouse import db

    folder = str(DEMO_SNAPSHOT / MONTH)
    sql = ("SELECT source, items_new, run_items_new FROM v_report_run_health WHERE month = ? "
           "ORDER BY source")
    # the month's first run (the real flow, built once per process and copied)
    first = collected_month(DEMO_SNAPSHOT / MONTH, data_dir, db.reports_dir())
    with db.connect(read_only=True) as con:
        before = con.execute(sql, [MONTH]).fetchall()
    again = monthly(month=MONTH, replay_dir=folder, classify=False, report=False)
    assert again.run_id != first.run_id
    with db.connect(read_only=True) as con:
        after = con.execute(sql, [MONTH]).fetchall()
        speaks = con.execute("SELECT run_id FROM v_month_run WHERE month = ?",
                             [MONTH]).fetchone()[0]
    assert speaks == again.run_id
    assert any(new > 0 for _, new, _ in before)
    assert [(s, new) for s, new, _ in after] == [(s, new) for s, new, _ in before]
    assert all(run_new == 0 for _, _, run_new in after)  # the re-run itself found nothing new
