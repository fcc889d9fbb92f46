"""A test's starting state (warehouse and reports tree) built once per process and copied.

Several tests start from the same state reached through the real code — the report fixture
warehouse, a month rendered (charts and all: ~3.5 s of CPU a month) and published — and then
go on differently. `restore` builds that state the first time, with the real functions, into
a template folder of its own, and copies it into the test's data folder and reports folder
every time: each test still works on its own files, and what it then does and asserts is
unchanged. Paths the warehouse stores are relative to the reports folder (report.store), so
a copy reads as the original.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")
_TEMPLATES: dict[str, tuple[Path, Any]] = {}


def restore(name: str, build: Callable[[], T], data_dir: Path, reports_dir: Path) -> T:
    """Copy the state `name` into `data_dir` and `reports_dir`, building it first with `build`
    (run with PANORAMA_DATA_DIR / PANORAMA_REPORTS_DIR pointing at the template) when this
    process has not built it yet; returns what `build` returned that time."""
    if name not in _TEMPLATES:
        template = Path(tempfile.mkdtemp(prefix=f"panorama-state-{name}-"))
        atexit.register(shutil.rmtree, template, ignore_errors=True)
        (template / "data").mkdir()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PANORAMA_DATA_DIR", str(template / "data"))
            mp.setenv("PANORAMA_REPORTS_DIR", str(template / "reports"))
            mp.delenv("PANORAMA_DB", raising=False)
            built = build()
        _TEMPLATES[name] = (template, built)
    template, built = _TEMPLATES[name]
    shutil.copytree(template / "data", data_dir, dirs_exist_ok=True)
    if (template / "reports").is_dir():
        shutil.copytree(template / "reports", reports_dir, dirs_exist_ok=True)
    return built


def collected_month(folder: Path, data_dir: Path, reports_dir: Path) -> Any:  # MonthlySummary
    """A demo month replayed by the real monthly flow, collection only (no classification, no
    report), as the first step of several tests; returns that run's summary (its `warehouse`
    is the template's file: the test's copy is `data_dir`'s). Needs the Prefect harness."""
    from flows.monthly import monthly

    return restore(f"collected-{folder.name}",
                   lambda: monthly(month=folder.name, replay_dir=str(folder), classify=False,
                                   report=False),
                   data_dir, reports_dir)
