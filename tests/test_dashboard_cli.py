"""`panorama dashboard` is registered and runs `streamlit run dashboard/app.py`."""

from __future__ import annotations

import sys

from flows.cli import build_parser
from flows.cli_dashboard import APP, dashboard_command


def test_dashboard_command_is_registered() -> None:
    args = build_parser().parse_args(["dashboard", "--port", "8642", "--db", "/tmp/x.duckdb"])
    assert (args.port, args.db) == (8642, "/tmp/x.duckdb")
    assert args.func.__name__ == "cmd_dashboard"


def test_dashboard_command_line() -> None:
    cmd = dashboard_command(8642)
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert cmd[4] == str(APP) and APP.name == "app.py" and APP.exists()
    assert cmd[cmd.index("--server.port") + 1] == "8642"
    assert cmd[cmd.index("--server.headless") + 1] == "true"
