"""The report speaks of projects: one row per project in every table and one release per
project, a project's crates summed (footnoted by their parts), stars from the primary repo."""

from __future__ import annotations

from pathlib import Path

from support.fixture_warehouse import build_fixture_warehouse, fetched

from report.data import build_report_data
from warehouse.db import connect


def _report(path: Path):  # noqa: ANN202 - ReportData
    with connect(path=path, read_only=True) as con:
        return build_report_data(con, "2025-11")


def test_no_project_twice_and_releases_deduplicated(tmp_path: Path) -> None:
    path = build_fixture_warehouse(tmp_path / "w.duckdb")
    with connect(path=path) as con:
        # candle's GitHub release of the version crates.io already has, a second candle crate
        # releasing it too, and a stranger crate named like a watched project
        con.execute("""INSERT INTO releases VALUES ('release:repo:huggingface/candle@v0.9.1',
            'repo:huggingface/candle', 'v0.9.1', NULL, TIMESTAMPTZ '2025-11-10 11:40:00+00',
            false, NULL, 'https://github.com/huggingface/candle/releases/tag/v0.9.1',
            'GitHub notes', 'feeds', 'https://github.com/huggingface/candle/releases.atom',
            ?, '2025-11')""", [fetched("2025-11")])
        con.execute("""INSERT INTO items (item_id, kind, name, description, repository,
            source, created_at, source_url, fetched_at) VALUES
            ('crate:candle-nn', 'crate', 'candle-nn', 'NN', 'https://github.com/huggingface/candle',
             'crates', TIMESTAMPTZ '2023-06-20 00:00:00+00', 'https://crates.io/api/v1/crates/candle-nn', ?),
            ('crate:burn-x', 'crate', 'burn', 'stranger', 'https://github.com/x/burn',
             'crates', TIMESTAMPTZ '2023-06-20 00:00:00+00', 'https://crates.io/api/v1/crates/burn', ?)
            """, [fetched("2025-11"), fetched("2025-11")])
        con.execute("""INSERT INTO releases VALUES ('release:crate:candle-nn@0.9.1',
            'crate:candle-nn', '0.9.1', NULL, TIMESTAMPTZ '2025-11-10 12:05:00+00', false,
            false, 'https://crates.io/crates/candle-nn/0.9.1', NULL, 'crates',
            'https://crates.io/api/v1/crates/candle-nn', ?, '2025-11')""", [fetched("2025-11")])
        for month, v in (("2025-10", 5000.0), ("2025-11", 7000.0)):
            con.execute("INSERT INTO observations VALUES ('crate:candle-nn', 'downloads_recent',"
                        " ?, ?, ?, ?, 'https://crates.io/api/v1/crates/candle-nn', ?)",
                        [fetched(month), month, v, month, fetched(month)])
        # a release candidate that crates.io flags as a pre-release and GitHub does not:
        # one release of the month, counted, ranked after the patches
        _insert_rc_release(con, "candle-nn")
        from support.fixture_warehouse import _resolve_projects
        _resolve_projects(con)
    d = _report(path)
    rc = [r for r in d.all_releases if r.entity == "candle" and r.level == "pre"]
    assert [r.version.value for r in rc] == ["0.10.0-rc.1"], d.all_releases
    assert d.overview["releases"].value == len(d.all_releases)
    assert d.all_releases[-1].level in ("pre", "other")  # ranked after every patch
    candle = [r for r in d.releases if r.entity == "candle"]
    assert [r.version.value for r in candle] == ["0.9.1"]  # once, crates.io kept
    assert candle[0].url == "https://crates.io/crates/candle-core/0.9.1"
    assert candle[0].notes == "Fixes and CUDA kernels"
    tables = {"frameworks": d.frameworks, "releases": d.releases,
              **{f"movers {k}": v for k, v in d.movers.items()},
              **{f"tools {k}": s.tools for k, s in d.categories.items()},
              **{f"new {k}": s.new for k, s in d.categories.items()}}
    for name, rows in tables.items():
        entities = [r.entity for r in rows]
        assert len(entities) == len(set(entities)), (name, entities)
    [row] = [r for r in d.frameworks if r.entity == "candle"]
    assert row.downloads_90d.value == 1_300_000 + 7000  # candle-core + candle-nn
    source = next(s for s in d.sources if s.key == row.downloads_90d.ref)
    assert source.url.endswith("/crates/candle-core#sum=candle-core+candle-nn")
    assert row.stars.value == 17_600  # huggingface/candle, the primary repository
    # the stranger named `burn` is no part of the watched burn project
    [burn] = [r for r in d.frameworks if r.entity == "burn"]
    assert burn.item_id == "crate:burn"


def test_a_sub_crates_release_is_named_by_its_crate(tmp_path: Path) -> None:
    """tracing's newest release is tracing-subscriber's 0.5.0: printed bare beside the
    project it would misstate the project's own version. A version the main crate (or the
    main repository's tag) also carries stays bare."""
    path = build_fixture_warehouse(tmp_path / "w.duckdb")
    with connect(path=path) as con:
        con.execute("""INSERT INTO items (item_id, kind, name, description, repository,
            source, created_at, source_url, fetched_at) VALUES
            ('crate:candle-nn', 'crate', 'candle-nn', 'NN', 'https://github.com/huggingface/candle',
             'crates', TIMESTAMPTZ '2023-06-20 00:00:00+00', 'https://crates.io/api/v1/crates/candle-nn', ?)
            """, [fetched("2025-11")])
        for version, day in (("0.9.1", "2025-11-10 12:05"), ("0.9.2", "2025-11-25 09:00")):
            con.execute("""INSERT INTO releases VALUES (?, 'crate:candle-nn', ?, NULL,
                CAST(? || ':00+00' AS TIMESTAMPTZ), false, false, ?, NULL, 'crates',
                'https://crates.io/api/v1/crates/candle-nn', ?, '2025-11')""",
                        [f"release:crate:candle-nn@{version}", version, day,
                         f"https://crates.io/crates/candle-nn/{version}", fetched("2025-11")])
        from support.fixture_warehouse import _resolve_projects
        _resolve_projects(con)
    d = _report(path)
    members = {r.version.value: r.member for r in d.all_releases if r.entity == "candle"}
    assert members["0.9.2"] == "candle-nn"  # candle-nn alone released it
    assert members["0.9.1"] is None  # candle-core released it too: the project's version
    [row] = [r for r in d.frameworks if r.entity == "candle"]
    assert row.release_version.value == "candle-nn 0.9.2"


def test_active_on_commits_alone_is_said_beside_an_old_release(tmp_path: Path) -> None:
    """"active" beside a release years old reads as a mistake: the comparison says the
    project is active on its commits only (no release within the health rule's window)."""
    from dataclasses import replace
    from datetime import UTC, date, datetime

    from report.analysis import framework_views
    from report.provenance import Figure

    d = _report(build_fixture_warehouse(tmp_path / "w.duckdb"))
    row = d.frameworks[0]
    old = replace(row, release_date=Figure(datetime(2023, 7, 24, tzinfo=UTC), None))
    never = replace(row, release_date=Figure(None, None))
    views = framework_views([row, old, never], [], {}, lambda r: "active", date(2025, 1, 1))
    assert [v.no_recent_release for v in views] == [False, True, False]
    dormant = framework_views([old], [], {}, lambda r: "dormant", date(2025, 1, 1))
    assert not dormant[0].no_recent_release  # the status itself says it


def test_a_release_reads_the_same_from_crates_io_and_from_a_tag(tmp_path: Path) -> None:
    """ort's 2.0.0-rc.14 was printed "2.0.0-rc.14" in the framework comparison (crates.io's
    release) and "v2.0.0-rc.14" in the framework figures (the GitHub tag of the same
    release: crates.io flags it a pre-release, the release feed cannot). A tag's `v` is no
    part of the version; a tag prefix that names a member stays."""
    from report.releases import display_version

    path = build_fixture_warehouse(tmp_path / "w.duckdb")
    with connect(path=path) as con:
        _insert_rc_release(con, "candle-core")
        from support.fixture_warehouse import _resolve_projects
        _resolve_projects(con)
    d = _report(path)
    [row] = [r for r in d.frameworks if r.entity == "candle"]
    month = {r.version.value for r in d.all_releases if r.entity == "candle"}
    assert row.release_version.value == "0.10.0-rc.1"  # the tag's row speaks for it
    assert row.release_version.value in month
    assert not any(str(r.version.value).startswith("v") for r in d.all_releases)
    assert display_version("rust-v0.13.5") == "rust-v0.13.5"
    assert display_version("@biomejs/biome@2.2.3") == "@biomejs/biome@2.2.3"
    assert display_version("b6901") == "b6901" and display_version("V1.2") == "1.2"


def _insert_rc_release(con, crate: str) -> None:  # noqa: ANN001
    """One release candidate as two sources see it: crates.io's row of `crate` (flagged a
    pre-release) and the GitHub tag of candle's repository (the release feed cannot flag it)."""
    con.execute("""INSERT INTO releases VALUES ('release:crate:' || $crate || '@0.10.0-rc.1',
        'crate:' || $crate, '0.10.0-rc.1', NULL, TIMESTAMPTZ '2025-11-20 12:00:00+00',
        true, false, 'https://crates.io/crates/' || $crate || '/0.10.0-rc.1', NULL, 'crates',
        'https://crates.io/api/v1/crates/' || $crate, $f, '2025-11')""",
                {"crate": crate, "f": fetched("2025-11")})
    con.execute("""INSERT INTO releases VALUES ('release:repo:huggingface/candle@v0.10.0-rc.1',
        'repo:huggingface/candle', 'v0.10.0-rc.1', NULL, TIMESTAMPTZ '2025-11-20 13:00:00+00',
        false, NULL, 'https://github.com/huggingface/candle/releases/tag/v0.10.0-rc.1',
        'RC notes', 'feeds', 'https://github.com/huggingface/candle/releases.atom',
        ?, '2025-11')""", [fetched("2025-11")])
