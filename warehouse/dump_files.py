"""The crates.io database dump as files: open it (tarball or folder), read its metadata, and
describe each CSV to DuckDB by header name with explicit types (never by position: the export
adds and drops columns over time, ../shared/API-NOTES.md §1.4).

The tarball is stream-extracted member by member (gzip is not seekable) into a scratch folder,
keeping only the members the ingest reads, so memory stays bounded.
"""

from __future__ import annotations

import contextlib
import csv
import json
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

DUMP_URL = "https://static.crates.io/db-dump.tar.gz"
DISCOVERED_VIA = "crates:dump"


class DumpError(ValueError):
    """The dump cannot be ingested (missing file or column, bad metadata, older than the last)."""


@dataclass(frozen=True)
class CsvSpec:
    """Columns of one dump CSV that the ingest uses, with their DuckDB types.

    `required` columns must be in the header; `optional` ones are NULL when a dump version
    lacks them. Every other header column is read as VARCHAR and ignored.
    """

    required: dict[str, str]
    optional: dict[str, str] = field(default_factory=dict)


TS = "TIMESTAMPTZ"  # the dump writes UTC timestamps without zone; read with TimeZone=UTC
SPECS: dict[str, CsvSpec] = {
    "crates": CsvSpec(
        {"id": "BIGINT", "name": "VARCHAR", "created_at": TS, "updated_at": TS},
        {"description": "VARCHAR", "homepage": "VARCHAR", "documentation": "VARCHAR",
         # crates.downloads: only in dumps older than crate_downloads.csv
         "repository": "VARCHAR", "downloads": "BIGINT"},
    ),
    "crate_downloads": CsvSpec({"crate_id": "BIGINT", "downloads": "BIGINT"}),
    "versions": CsvSpec(
        {"id": "BIGINT", "crate_id": "BIGINT", "num": "VARCHAR", "created_at": TS,
         "downloads": "BIGINT", "yanked": "BOOLEAN"},
        {"updated_at": TS, "license": "VARCHAR", "crate_size": "BIGINT", "edition": "VARCHAR",
         "rust_version": "VARCHAR", "has_lib": "BOOLEAN"},
    ),
    "categories": CsvSpec(
        {"id": "BIGINT", "category": "VARCHAR", "slug": "VARCHAR"},
        {"description": "VARCHAR", "crates_cnt": "BIGINT", "created_at": TS, "path": "VARCHAR"},
    ),
    "crates_categories": CsvSpec({"crate_id": "BIGINT", "category_id": "BIGINT"}),
    "keywords": CsvSpec(
        {"id": "BIGINT", "keyword": "VARCHAR"}, {"crates_cnt": "BIGINT", "created_at": TS}
    ),
    "crates_keywords": CsvSpec({"crate_id": "BIGINT", "keyword_id": "BIGINT"}),
    "version_downloads": CsvSpec({"version_id": "BIGINT", "date": "DATE", "downloads": "BIGINT"}),
}
# crate_downloads.csv replaced crates.downloads (2024); either one supplies the total.
OPTIONAL_FILES = {"crate_downloads"}
WANTED_MEMBERS = {f"data/{name}.csv" for name in SPECS} | {"metadata.json"}


@dataclass(frozen=True)
class DumpInfo:
    """Provenance of one dump, from its metadata.json."""

    root: Path
    as_of: datetime
    crates_io_commit: str | None

    @property
    def dump_id(self) -> str:
        return self.as_of.strftime("%Y-%m-%d-%H%M%S")

    @property
    def run_id(self) -> str:
        return "dump:" + self.as_of.strftime("%Y-%m-%dT%H:%M:%SZ")


# ----------------------------------------------------------------------------------- locating


def _find_root(folder: Path) -> Path:
    """The dump folder: `folder` itself, or its single `YYYY-MM-DD-HHMMSS/` child."""
    if (folder / "metadata.json").is_file():
        return folder
    roots = sorted(p.parent for p in folder.glob("*/metadata.json"))
    if len(roots) == 1:
        return roots[0]
    if not roots:
        raise DumpError(f"{folder}: no metadata.json here or in a dump sub-folder")
    names = ", ".join(p.name for p in roots)
    raise DumpError(f"{folder}: several dumps inside ({names}); pick one")


def _extract_tarball(archive: Path, dest: Path) -> Path:
    """Stream the members the ingest needs out of the gzip tarball into `dest`.

    `r|gz` reads the archive strictly forwards with a small buffer, so memory does not grow
    with the archive; members we do not use (dependencies.csv, …) are skipped unread.
    Only known relative names are written, so a hostile path cannot escape `dest`.
    """
    top: str | None = None
    with tarfile.open(archive, mode="r|gz") as tar:
        for member in tar:
            parts = member.name.removeprefix("./").split("/", 1)
            if len(parts) != 2 or not member.isfile():
                continue
            top_name, rel = parts
            if rel not in WANTED_MEMBERS:
                continue
            top = top or top_name
            target = dest / top_name / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None  # a regular file always has a body
            with source, open(target, "wb") as out:
                shutil.copyfileobj(source, out, length=4 << 20)
    if top is None:
        raise DumpError(f"{archive}: no dump files (metadata.json, data/*.csv) in the archive")
    return dest / top


@contextlib.contextmanager
def open_dump(path: Path, scratch_parent: Path) -> Iterator[DumpInfo]:
    """Yield the dump at `path` (tarball or folder) as a readable folder with its metadata.

    A tarball is extracted into a scratch folder under `scratch_parent` (the warehouse's
    folder: same disk, known free space) that is removed afterwards.
    """
    path = Path(path)
    if path.is_dir():
        yield read_metadata(_find_root(path))
        return
    if not path.is_file():
        raise DumpError(f"{path}: no such file or folder")
    scratch_parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".dump-extract-", dir=scratch_parent))
    try:
        try:
            root = _extract_tarball(path, scratch)
        except tarfile.TarError as exc:
            raise DumpError(f"{path}: not a readable .tar.gz dump ({exc})") from exc
        yield read_metadata(root)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def read_metadata(root: Path) -> DumpInfo:
    """Parse `metadata.json` (`timestamp`, `crates_io_commit`) of the dump folder `root`."""
    meta_path = root / "metadata.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DumpError(f"{meta_path}: unreadable ({exc})") from exc
    stamp = meta.get("timestamp") if isinstance(meta, dict) else None
    if not isinstance(stamp, str):
        raise DumpError(f"{meta_path}: missing field 'timestamp'")
    # chrono writes up to 9 fractional digits and 'Z'; Python parses at most 6.
    cleaned = re.sub(r"(\.\d{6})\d+", r"\1", stamp.strip()).replace("Z", "+00:00")
    try:
        as_of = datetime.fromisoformat(cleaned)
    except ValueError as exc:
        raise DumpError(f"{meta_path}: bad 'timestamp' {stamp!r}") from exc
    as_of = (as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)).astimezone(UTC)
    return DumpInfo(root=root, as_of=as_of, crates_io_commit=meta.get("crates_io_commit"))


# ------------------------------------------------------------------------------ CSV sources


def read_header(csv_path: Path) -> list[str]:
    """Column names from the header row of a dump CSV."""
    with open(csv_path, newline="", encoding="utf-8") as fh:
        try:
            return next(csv.reader(fh))
        except StopIteration:
            raise DumpError(f"{csv_path.name}: empty file, expected a header row") from None


def sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def csv_source(csv_path: Path, spec: CsvSpec) -> tuple[str, set[str]]:
    """A `read_csv(...)` table expression for one dump file, and the columns it has.

    Every header column gets an explicit type (used ones typed, the rest VARCHAR), so DuckDB
    neither guesses types from a sample nor maps columns by position.

    Raises:
        DumpError: naming the file and the column when a required column is absent.
    """
    header = read_header(csv_path)
    missing = [c for c in spec.required if c not in header]
    if missing:
        raise DumpError(
            f"{csv_path.name}: missing column(s) {', '.join(repr(c) for c in missing)} "
            f"(header has: {', '.join(header)})"
        )
    typed = spec.required | spec.optional
    types = ", ".join(f"{sql_str(c)}: {sql_str(typed.get(c, 'VARCHAR'))}" for c in header)
    source = (
        f"read_csv({sql_str(csv_path.as_posix())}, header = true, delim = ',', quote = '\"', "
        f"escape = '\"', types = {{{types}}})"
    )
    return source, set(header)


def column_sql(name: str, spec: CsvSpec, present: set[str], alias: str | None = None) -> str:
    """Select a column, or a typed NULL when this dump version lacks an optional one."""
    out = alias or name
    if name in present:
        return f'"{name}" AS "{out}"'
    return f'NULL::{(spec.required | spec.optional)[name]} AS "{out}"'
