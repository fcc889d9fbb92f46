"""A small real warehouse for search tests: the given items, embedded with the real model
(offline package) and indexed (`sync_search_index`), in its own data folder — one home for
what the tests/test_search_*.py files build, and their `warehouse` / `con` fixture pair."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest

from landscape.embeddings import ensure_item_embeddings
from landscape.search_index import sync_search_index
from warehouse import db


@contextmanager
def indexed_warehouse(folder: Path, items: list[dict[str, Any]]) -> Iterator[Path]:
    """The warehouse file under `folder`, holding `items` (dicts of `items` columns; `kind`
    defaults to crate, `created_at` to 2024-01-01, `url` to an example.org address), with
    PANORAMA_DATA_DIR pointing at `folder` for as long as the context lasts."""
    mp = pytest.MonkeyPatch()
    mp.setenv("PANORAMA_DATA_DIR", str(folder))
    mp.delenv("PANORAMA_DB", raising=False)
    try:
        with db.connect() as con:
            for item in items:
                row = {"kind": "crate", "created_at": "2024-01-01", "source": "test",
                       "url": f"https://example.org/{item['item_id']}", **item}
                con.execute(f"INSERT INTO items ({', '.join(row)}) VALUES "
                            f"({', '.join('?' * len(row))})", list(row.values()))
            ensure_item_embeddings(con)
            sync_search_index(con)
        yield folder / "panorama.duckdb"
    finally:
        mp.undo()


@contextmanager
def read_only(warehouse: Path, monkeypatch: pytest.MonkeyPatch
              ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to `warehouse`, its data folder (and index) the current one."""
    monkeypatch.setenv("PANORAMA_DATA_DIR", str(warehouse.parent))
    with db.connect(read_only=True, path=warehouse) as con:
        yield con


def search_fixtures(name: str, items: list[dict[str, Any]]) -> tuple[Any, Any]:
    """The fixture pair a search test module binds as `warehouse, con = search_fixtures(...)`:
    `warehouse` (module-scoped: the path of an indexed warehouse of `items`, built once) and
    `con` (a read-only connection to it, its data folder the current one)."""
    @pytest.fixture(scope="module")
    def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
        with indexed_warehouse(tmp_path_factory.mktemp(name), items) as path:
            yield path

    @pytest.fixture
    def con(warehouse: Path, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[duckdb.DuckDBPyConnection]:
        with read_only(warehouse, monkeypatch) as c:
            yield c

    return warehouse, con
