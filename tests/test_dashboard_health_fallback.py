"""The dashboard's health of a month the projects area has not judged yet: the same rule as
landscape/project_health.py on what the month can see — no release or push after the month's
end is used for it (a push after it counts up to its end, as the judged health does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.dashboard_fixture import build_dashboard_warehouse

MONTH, PREV = "2025-10", "2025-09"
CANDLE = "project:candle"


@pytest.fixture
def con(tmp_path: Path):  # noqa: ANN201 - a DuckDB connection
    from connectors.watchlist import load_watchlist
    from landscape.projects import resolve_projects
    from warehouse.db import connect

    fx = build_dashboard_warehouse(tmp_path)
    with connect(path=fx.db) as c:
        resolve_projects(c, load_watchlist(), run_id=MONTH)
        # candle's releases and push all long before 2025-10, but one release after it
        c.execute("UPDATE releases SET published_at = TIMESTAMPTZ '2022-03-01 00:00:00+00'"
                  " WHERE item_id IN (SELECT item_id FROM project_members WHERE project_id = ?)",
                  [CANDLE])
        c.execute("""INSERT INTO releases SELECT * REPLACE ('9.9.9' AS version,
                     release_id || '-later' AS release_id,
                     TIMESTAMPTZ '2025-11-05 08:00:00+00' AS published_at)
                     FROM releases WHERE item_id = 'crate:candle-core' LIMIT 1""")
        yield c


def _fallback(con, push: str | None) -> str:  # noqa: ANN001
    from dashboard.queries_projects import project_cards

    con.execute("UPDATE items SET updated_at = ?::TIMESTAMPTZ"
                " WHERE item_id = 'repo:huggingface/candle'", [push])
    con.execute("DELETE FROM project_health WHERE month = ?", [MONTH])
    cards = project_cards(con, MONTH, PREV, project_ids=(CANDLE,))
    return cards.iloc[0]["health"]


def _judged(con) -> str:  # noqa: ANN001
    from landscape.project_health import compute_health

    compute_health(con, MONTH)
    return con.execute("SELECT status FROM project_health WHERE project_id = ? AND month = ?",
                       [CANDLE, MONTH]).fetchone()[0]


def test_the_fallback_uses_no_date_after_the_month(con) -> None:  # noqa: ANN001
    # a release after the month (2025-11-05) is not activity of 2025-10: dormant, as judged
    # (the fallback said active on it)
    assert _fallback(con, "2022-02-01 00:00:00+00") == "dormant" == _judged(con)
    # a push after the month counts as activity up to its end, as the judged health has it
    assert _fallback(con, "2025-11-20 10:00:00+00") == "active" == _judged(con)
    # no push known and no release in the window: unknown, not dormant, as judged
    assert _fallback(con, None) == "unknown" == _judged(con)
    # no repository among the members (a crate alone): its pushes are not known either
    con.execute("DELETE FROM project_members WHERE item_id = 'repo:huggingface/candle'")
    assert _fallback(con, "2022-02-01 00:00:00+00") == "unknown" == _judged(con)


def test_one_repository_with_no_known_push_leaves_dormant_untold(con) -> None:  # noqa: ANN001
    # candle gets a second repository, pushed long ago; its own repository's push is not
    # known. project_health says unknown (one push unknown: dormant cannot be told); the
    # fallback read only the other's old push and said dormant.
    con.execute("""INSERT INTO items SELECT * REPLACE ('repo:huggingface/candle-old' AS item_id,
                   TIMESTAMPTZ '2021-06-01 00:00:00+00' AS updated_at)
                   FROM items WHERE item_id = 'repo:huggingface/candle'""")
    con.execute("""INSERT INTO project_members SELECT * REPLACE
                   ('repo:huggingface/candle-old' AS item_id, 'member' AS role)
                   FROM project_members WHERE item_id = 'repo:huggingface/candle'""")
    assert _fallback(con, None) == "unknown" == _judged(con)
    # with both pushes known and old, both say dormant
    assert _fallback(con, "2022-02-01 00:00:00+00") == "dormant" == _judged(con)
