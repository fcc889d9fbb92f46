"""`panorama serve`: the two deployments, their schedules and parameters.

The unit tests check what `flows.serve.build_deployments` and `panorama serve --dry-run`
produce. The smoke test starts a real `panorama serve` process (its own PREFECT_HOME)
against a real Prefect server on loopback — the session's one (`prefect_harness`, the same
Prefect API app on uvicorn, on a free port), since a cold server costs 20-40 s to start on a
small machine and the suite already runs one — waits until both deployments are registered,
reads them back through the Prefect client and then stops the serve process. Every wait has
a deadline, so a hung process fails the test instead of hanging the suite.
"""

from __future__ import annotations

import inspect
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.conftest import ROOT

MONTHLY = "monthly-landscape"
WEEKLY = "weekly-breakthrough-check"

T = TypeVar("T")


def _crons(deployment: Any) -> list[str]:
    return [s.schedule.cron for s in deployment.schedules or []]


def _by_name(deployments: list[Any]) -> dict[str, Any]:
    return {d.name: d for d in deployments}


# -- build_deployments ---------------------------------------------------------------------


def test_build_deployments_names_flows_and_crons() -> None:
    from flows.serve import MONTHLY_CRON, WEEKLY_CRON, build_deployments

    deps = _by_name(build_deployments())
    assert set(deps) == {MONTHLY, WEEKLY}
    assert (MONTHLY_CRON, WEEKLY_CRON) == ("0 6 1 * *", "0 6 * * 1")
    assert deps[MONTHLY].flow_name == "monthly"
    assert deps[WEEKLY].flow_name == "breakthrough"
    assert _crons(deps[MONTHLY]) == ["0 6 1 * *"]  # 06:00 on the 1st of each month
    assert _crons(deps[WEEKLY]) == ["0 6 * * 1"]   # 06:00 every Monday
    for dep in deps.values():
        assert all(s.active for s in dep.schedules)
        assert "panorama" in dep.tags
    # No month parameter: the scheduled monthly run reports on the month that just ended.
    assert deps[MONTHLY].parameters == {}
    assert deps[WEEKLY].parameters == {}


def test_build_deployments_parameters_per_schedule() -> None:
    from flows.breakthrough import breakthrough
    from flows.monthly import monthly
    from flows.serve import build_deployments

    monthly_params = {"task_runner": "dask", "dask_address": "tcp://10.0.0.5:8786"}
    weekly_params = {"lookback_days": 8, "similarity_threshold": 0.7}
    deps = _by_name(build_deployments(monthly_params=monthly_params,
                                      weekly_params=weekly_params,
                                      monthly_cron="30 5 1 * *", weekly_cron="0 7 * * 2"))
    assert deps[MONTHLY].parameters == monthly_params
    assert deps[WEEKLY].parameters == weekly_params
    assert _crons(deps[MONTHLY]) == ["30 5 1 * *"]
    assert _crons(deps[WEEKLY]) == ["0 7 * * 2"]
    # Every parameter a schedule passes is one its flow accepts.
    for dep, fn in ((deps[MONTHLY], monthly.fn), (deps[WEEKLY], breakthrough.fn)):
        accepted = set(inspect.signature(fn).parameters)
        assert set(dep.parameters) <= accepted, (dep.name, set(dep.parameters) - accepted)


def test_serve_dry_run_prints_both_deployments(capsys: pytest.CaptureFixture[str]) -> None:
    from flows.cli import main

    assert main(["serve", "--dry-run"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2, out
    monthly_line = next(line for line in out if line.startswith(f"{MONTHLY}:"))
    weekly_line = next(line for line in out if line.startswith(f"{WEEKLY}:"))
    assert "flow=monthly" in monthly_line and "['0 6 1 * *']" in monthly_line
    assert "'task_runner': 'thread'" in monthly_line
    assert "flow=breakthrough" in weekly_line and "['0 6 * * 1']" in weekly_line
    assert "parameters={}" in weekly_line


def test_serve_dry_run_with_dask_and_cron_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    from flows.cli import main

    code = main(["serve", "--dry-run", "--task-runner", "dask", "--dask-address",
                 "tcp://127.0.0.1:8786", "--monthly-cron", "0 3 1 * *",
                 "--weekly-cron", "15 6 * * 1"])
    assert code == 0
    out = capsys.readouterr().out
    monthly_line = next(line for line in out.splitlines() if line.startswith(f"{MONTHLY}:"))
    assert "['0 3 1 * *']" in monthly_line
    assert "'task_runner': 'dask'" in monthly_line
    assert "'dask_address': 'tcp://127.0.0.1:8786'" in monthly_line
    assert "['15 6 * * 1']" in out


def test_serve_help_documents_schedules(capsys: pytest.CaptureFixture[str]) -> None:
    from flows.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "--dry-run" in text and "monthly-landscape" in text


# -- smoke test: a real server and a real `panorama serve` ---------------------------------

SERVER_START_TIMEOUT_S = 30.0  # the session's server is up already: it only has to answer
REGISTER_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 20.0


def _wait_for(what: str, probe: Callable[[], T | None], deadline_s: float,
              procs: list[tuple[str, subprocess.Popen[bytes], Path]]) -> T:
    """Poll `probe` until it returns a value; fail early if a process died, late on timeout."""
    deadline = time.monotonic() + deadline_s
    while True:
        for name, proc, log in procs:
            if proc.poll() is not None:
                pytest.fail(f"{name} exited with {proc.returncode} while waiting for {what}:\n"
                            f"{_tail(log)}")
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {n}:\n{_tail(log)}" for n, _, log in procs)
            pytest.fail(f"timed out after {deadline_s:.0f}s waiting for {what}\n{logs}")
        time.sleep(0.5)


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text("utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no output)"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process we started (and its children: it leads its own process group)."""
    if proc.poll() is not None:
        return
    for sig, wait_s in ((signal.SIGINT, STOP_TIMEOUT_S), (signal.SIGTERM, 10.0),
                        (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture
def processes() -> Iterator[list[tuple[str, subprocess.Popen[bytes], Path]]]:
    started: list[tuple[str, subprocess.Popen[bytes], Path]] = []
    try:
        yield started
    finally:
        for _, proc, _log in reversed(started):  # the last started first
            _stop(proc)


def _spawn(name: str, argv: list[str], env: dict[str, str], log: Path,
           started: list[tuple[str, subprocess.Popen[bytes], Path]]) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    started.append((name, proc, log))
    return proc


@pytest.mark.slow
def test_serve_registers_both_deployments_on_a_real_server(
    prefect_harness, tmp_path: Path, processes: list[tuple[str, subprocess.Popen[bytes], Path]]
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # The session's real server (a subprocess on a loopback port): no second cold start.
    api = str(PREFECT_API_URL.value())
    assert api.startswith("http://127.0.0.1:"), api
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PREFECT_") and k != "PANORAMA_DB"}
    env.update({
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PANORAMA_DATA_DIR": str(tmp_path / "data"),
        "PANORAMA_REPORTS_DIR": str(tmp_path / "reports"),
        "PYTHONUNBUFFERED": "1",
    })
    def healthy() -> bool | None:
        try:
            return True if httpx.get(f"{api}/health", timeout=2.0).status_code == 200 else None
        except httpx.HTTPError:
            return None

    _wait_for("the Prefect server", healthy, SERVER_START_TIMEOUT_S, processes)

    serve = _spawn("panorama serve",
                   [sys.executable, "-m", "flows.cli", "serve", "--task-runner", "thread"],
                   {**env, "PREFECT_API_URL": api}, tmp_path / "serve.log", processes)

    with temporary_settings(updates={PREFECT_API_URL: api}):
        with get_client(sync_client=True) as client:

            def registered() -> dict[str, Any] | None:
                try:
                    deps = client.read_deployments()
                except Exception:  # noqa: BLE001 - server busy: ask again until the deadline
                    return None
                found = _by_name(deps)
                return found if {MONTHLY, WEEKLY} <= set(found) else None

            deps = _wait_for("both deployments", registered, REGISTER_TIMEOUT_S, processes)
            flow_names = {name: client.read_flow(d.flow_id).name for name, d in deps.items()}

    assert set(deps) == {MONTHLY, WEEKLY}
    assert flow_names == {MONTHLY: "monthly", WEEKLY: "breakthrough"}
    assert _crons(deps[MONTHLY]) == ["0 6 1 * *"]
    assert _crons(deps[WEEKLY]) == ["0 6 * * 1"]
    for dep in deps.values():
        assert [s.active for s in dep.schedules] == [True]
        assert dep.schedules[0].schedule.timezone in (None, "UTC")
    assert deps[MONTHLY].parameters == {"task_runner": "thread"}
    assert deps[WEEKLY].parameters == {}
    assert serve.poll() is None, "panorama serve should keep serving until stopped"

    _stop(serve)
    assert serve.returncode is not None
