"""Test-wide setup: every test runs offline on its own working data, never the user's.

The environment is fixed at import time, before any test module imports Prefect, so Prefect's
home and the warehouse live in a throw-away folder and telemetry is off.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Test modules import this file again as `tests.conftest` (a second module object): the
# session's folder is the first import's, found through the process's environment, or each
# second import made a folder of its own that no hook removed (one left per suite run).
_MARK = "PANORAMA_TEST_SESSION_DATA"
_SESSION_DATA = (Path(os.environ[_MARK]) if os.path.isdir(os.environ.get(_MARK, ""))
                 else Path(tempfile.mkdtemp(prefix="panorama-tests-")))
os.environ[_MARK] = str(_SESSION_DATA)
os.environ["PANORAMA_DATA_DIR"] = str(_SESSION_DATA)
os.environ.pop("PANORAMA_DB", None)
os.environ["PANORAMA_REPORTS_DIR"] = str(_SESSION_DATA / "reports")
os.environ["PREFECT_HOME"] = str(_SESSION_DATA / "prefect")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.pop("GITHUB_TOKEN", None)  # tests never depend on a developer's token
# The classifier's default encoder adds all-mpnet-base-v2 (6-10x MiniLM's CPU). Tests whose
# point is not the encoder keep MiniLM; tests/test_packaged_models.py runs the real default.
os.environ["PANORAMA_CLASSIFY_MODEL"] = "all-MiniLM-L6-v2"



def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The session's working data goes with it (every run left its folder in /tmp, ~100 after a
    day of runs); PANORAMA_KEEP_TEST_DATA=1 keeps it to look at after a failure."""
    if not os.environ.get("PANORAMA_KEEP_TEST_DATA"):
        shutil.rmtree(_SESSION_DATA, ignore_errors=True)


ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEMO_SNAPSHOT = ROOT / "demo" / "snapshot"


def demo_months() -> list[Path]:
    """The shipped demo snapshot's month folders, oldest first (part of the repo: never absent)."""
    months = sorted(p for p in DEMO_SNAPSHOT.glob("20??-??") if p.is_dir())
    assert months, f"the demo snapshot is missing under {DEMO_SNAPSHOT}"
    return months


def latest_demo_month() -> Path:
    return demo_months()[-1]


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for the whole session (starting one costs seconds)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working-data folder (warehouse, index, archive) for one test."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("PANORAMA_DATA_DIR", str(folder))
    monkeypatch.delenv("PANORAMA_DB", raising=False)
    monkeypatch.setenv("PANORAMA_REPORTS_DIR", str(tmp_path / "reports"))
    return folder


# The real loopback HTTP server every connector test uses (tests/support/loopback.py).
from support.loopback import loopback  # noqa: E402,F401
