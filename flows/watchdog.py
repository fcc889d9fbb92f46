"""A tiny guard process: when the `panorama` process dies — even by `kill -9` — its child
processes (Prefect's temporary API server, a Dask LocalCluster) die with it.

`guard_children()` starts `python -m flows.watchdog <pid>` with a pipe as its stdin. The guard
notes the parent's descendants every half second; when the pipe reaches end-of-file (the parent
exited, however it exited) it sends SIGTERM to those still alive, then SIGKILL to the
stubborn ones. On a normal exit Prefect has already stopped its server and nothing is left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

POLL_S = 0.5


def descendants(pid: int) -> set[int]:
    """Every process descending from `pid` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def guard_children() -> subprocess.Popen[bytes] | None:
    """Start the guard for this process (no-op where /proc does not exist)."""
    if not Path("/proc/self/stat").exists():
        return None
    return subprocess.Popen([sys.executable, "-m", "flows.watchdog", str(os.getpid())],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _stop(pids: set[int]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(alive(p) for p in pids):
            time.sleep(0.1)


def alive(pid: int) -> bool:
    """Whether `pid` is running (a zombie is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def main(parent: int) -> None:
    seen: set[int] = set()
    me = os.getpid()

    def watch() -> None:
        while True:
            seen.update(descendants(parent) - {me})
            time.sleep(POLL_S)

    threading.Thread(target=watch, daemon=True).start()
    sys.stdin.buffer.read()  # returns at end-of-file: the parent is gone
    _stop({p for p in seen if alive(p)})


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, not the guard
    main(int(sys.argv[1]))
