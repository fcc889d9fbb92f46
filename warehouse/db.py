"""Where the working data lives and how it is opened.

Paths come from `core.settings` (the one module reading the environment); the rest of the
warehouse asks this module. DuckDB allows one writing *process* at a
time, so writers hold a connection only for the duration of one step (`connect()` is a context
manager) and readers in other processes retry briefly on the lock instead of failing.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from core import settings
from core.settings import PROJECT_ROOT, data_dir, db_path, reports_dir
from warehouse.migrations import apply_migrations

__all__ = ["PROJECT_ROOT", "data_dir", "db_path", "reports_dir", "connect", "index_dir",
           "archive_dir", "atomic_write_bytes", "atomic_write_text", "atomic_write_via",
           "settings"]


def index_dir() -> Path:
    """Folder of the FAISS index files and their metadata."""
    path = data_dir() / "index"
    path.mkdir(parents=True, exist_ok=True)
    return path


def archive_dir() -> Path:
    """Folder of archived raw responses (recorded format), one subfolder per run month."""
    path = data_dir() / "archive"
    path.mkdir(parents=True, exist_ok=True)
    return path


class WarehouseFileError(RuntimeError):
    """The warehouse file exists but cannot be opened as a DuckDB database."""


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflicting" in text or "being used by another process" in text


@contextlib.contextmanager
def connect(
    read_only: bool = False,
    path: Path | str | None = None,
    migrate: bool = True,
    lock_timeout_s: float = 30.0,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse for one unit of work and close it afterwards.

    Args:
        read_only: open without write access (other read-only processes may share it).
        path: override the DuckDB file (tests); defaults to `db_path()`.
        migrate: apply pending migrations when opening for writing.
        lock_timeout_s: how long to keep retrying while another process holds the write lock.

    Yields:
        An open DuckDB connection.
    """
    target = Path(path) if path else db_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    if read_only and not target.exists():
        # A read-only open of a missing file fails; create an empty migrated one first.
        with connect(read_only=False, path=target):
            pass
    deadline = time.monotonic() + lock_timeout_s
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(target), read_only=read_only)
            break
        except duckdb.IOException as exc:  # another process holds the lock
            if not _is_lock_error(exc):
                raise _file_error(target, exc) from None
            if time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        except duckdb.Error as exc:  # truncated or corrupt file
            raise _file_error(target, exc) from None
    try:
        if migrate and not read_only:
            apply_migrations(con)
        yield con
    finally:
        con.close()


def _file_error(target: Path, exc: Exception) -> WarehouseFileError:
    size = target.stat().st_size if target.exists() else 0
    first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return WarehouseFileError(
        f"{target} ({size} bytes) is not a usable DuckDB warehouse ({first}). Move it aside "
        "and run `panorama demo` (or a monthly run) to build a new one, or point "
        "PANORAMA_DB / --db at the right file.")


def atomic_write_via(path: Path, write: Callable[[str], None]) -> None:
    """Let `write` fill a temp file beside `path`, then swap it in: readers see the old or the
    new content, never half of it. For writers that want a path (FAISS), not bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        # mkstemp makes 0600 files; reports, CSVs and indexes are for everyone to read, as
        # a plain open() would have made them (0666 less the umask).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so readers see the old or the new content, never half of it."""

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)

    atomic_write_via(path, write)


def atomic_write_text(path: Path, text: str) -> None:
    """Text variant of `atomic_write_bytes` (UTF-8)."""
    atomic_write_bytes(path, text.encode("utf-8"))
