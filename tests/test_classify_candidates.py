"""Which items a monthly run classifies once the whole registry is in the warehouse."""

from __future__ import annotations

from pathlib import Path

from landscape.classify import candidate_item_ids
from warehouse import db


def test_registry_crates_are_classified_only_while_new(data_dir: Path) -> None:
    rows = [
        ("crate:candle-core", "watchlist", "2023-06-01", True),
        ("crate:old-registry", "crates:dump", "2019-03-04", False),
        ("crate:old-but-watched", "crates:dump", "2018-01-01", True),
        ("crate:new-registry", "crates:dump", "2025-11-20", False),
        ("crate:last-month", "crates:dump", "2025-10-02", False),
        ("crate:found-by-listing", "crates:category:science", "2021-01-01", False),
        ("paper:2511.00001", "arxiv:query:x", None, False),
    ]
    with db.connect() as con:
        for item_id, via, created, watched in rows:
            con.execute(
                "INSERT INTO items (item_id, kind, name, source, discovered_via, created_at,"
                " watched) VALUES (?, 'crate', ?, 'test', ?, CAST(? AS TIMESTAMPTZ), ?)",
                [item_id, item_id, via, created, watched])
        got = candidate_item_ids(con, "2025-11")
    assert "crate:old-registry" not in got
    assert {"crate:candle-core", "crate:old-but-watched", "crate:new-registry",
            "crate:last-month", "crate:found-by-listing", "paper:2511.00001"} == set(got)
