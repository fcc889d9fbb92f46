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

import pytest

_TEMPLATES: dict[str, Path] = {}


def restore(name: str, build: Callable[[], None], data_dir: Path, reports_dir: Path) -> None:
    """Copy the state `name` into `data_dir` and `reports_dir`, building it first with `build`
    (run with PANORAMA_DATA_DIR / PANORAMA_REPORTS_DIR pointing at the template) when this
    process has not built it yet."""
    template = _TEMPLATES.get(name)
    if template is None:
        template = Path(tempfile.mkdtemp(prefix=f"panorama-state-{name}-"))
        atexit.register(shutil.rmtree, template, ignore_errors=True)
        (template / "data").mkdir()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PANORAMA_DATA_DIR", str(template / "data"))
            mp.setenv("PANORAMA_REPORTS_DIR", str(template / "reports"))
            mp.delenv("PANORAMA_DB", raising=False)
            build()
        _TEMPLATES[name] = template
    shutil.copytree(template / "data", data_dir, dirs_exist_ok=True)
    if (template / "reports").is_dir():
        shutil.copytree(template / "reports", reports_dir, dirs_exist_ok=True)
