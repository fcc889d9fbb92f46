"""`panorama dashboard`: start the Streamlit dashboard on the warehouse the main job made."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from warehouse import db

APP = db.PROJECT_ROOT / "dashboard" / "app.py"


def dashboard_command(port: int, headless: bool = True) -> list[str]:
    """The `streamlit run` command line (the same interpreter, so the same venv)."""
    return [sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.port", str(port), "--server.headless", str(headless).lower(),
            "--browser.gatherUsageStats", "false",
            "--client.toolbarMode", "viewer"]  # a reader's app: no "Deploy" / developer menu


# A server a program drives on this machine (the browser test, the screenshots script): on
# loopback only, and no file watcher (nobody edits the app while it runs).
LOCAL_ONLY = ["--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]


def start_local(env: dict[str, str], *, capture: bool = False) -> tuple[subprocess.Popen, str]:
    """Start the dashboard for a program to drive (LOCAL_ONLY) on a free loopback port:
    the process and its URL. `capture` keeps its output (text) for an error message."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    proc = subprocess.Popen(dashboard_command(port) + LOCAL_ONLY, cwd=db.PROJECT_ROOT, env=env,
                            stdout=out, stderr=subprocess.STDOUT if capture else out, text=True)
    return proc, f"http://127.0.0.1:{port}"


def wait_until_up(proc: subprocess.Popen, url: str, timeout: float) -> bool:
    """True once Streamlit's health endpoint answers; False if the process ended or
    `timeout` seconds passed first (the caller says what failed and how)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read()
            return True
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.3)


def cmd_dashboard(args: argparse.Namespace) -> int:
    env = dict(os.environ)  # Streamlit inherits the whole environment
    if args.db:
        env["PANORAMA_DB"] = str(Path(args.db).resolve())
    target = Path(env["PANORAMA_DB"]) if args.db else db.db_path()
    if not target.exists():
        print(f"note: no warehouse at {target} yet; run `panorama demo` first "
              "(the dashboard shows empty states until then)", file=sys.stderr)
    print(f"dashboard on http://localhost:{args.port}  (warehouse: {target}; Ctrl-C stops)",
          flush=True)
    sys.stderr.flush()
    # Become Streamlit (exec) rather than wait for it: a SIGTERM to `panorama dashboard` then
    # reaches the server itself, and no child can outlive its parent.
    command = dashboard_command(args.port, headless=not args.open)
    os.execve(command[0], command, env)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dashboard", help="start the Streamlit dashboard on the warehouse",
        description="Start the dashboard (trends, categories, search, review, report, "
        "health) on the warehouse: $PANORAMA_DB, else <data>/panorama.duckdb. It reads with "
        "short read-only connections, so it can run while a flow writes.")
    p.add_argument("--port", type=int, default=8501, help="port to listen on (default 8501)")
    p.add_argument("--db", help="DuckDB file to read (default: the main job's warehouse)")
    p.add_argument("--open", action="store_true", help="open a browser tab (default: headless)")
    p.set_defaults(func=cmd_dashboard)
