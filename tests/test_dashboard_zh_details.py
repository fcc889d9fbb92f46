"""What a Chinese reader sees where the dashboard used to show English or raw ids: a project's
health detail, the Report page's comparison labels, an item in no project in the picker, and a
category's own definition among the classifier's labelled neighbours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.dashboard_fixture import (
    REVIEW_ITEM,
    DashboardFixture,
    build_dashboard_warehouse,
    open_page,
    texts,
)

LONELY = "crate:helixdb"  # an item in no project, with no figure: not among the picker's choices
ALONE_ACTIVE = "crate:tiny-ml"  # an item in no project, updated this month (fixture below)


@pytest.fixture(scope="module")
def fixture_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from landscape.project_health import compute_health
    from warehouse.db import connect

    root = tmp_path_factory.mktemp("dash_zh_details")
    build_dashboard_warehouse(root)
    with connect(path=root / "data" / "panorama.duckdb") as con:
        compute_health(con, "2025-11")
        # a release after the month (fetched later): not the month's latest release
        con.execute("""INSERT INTO releases SELECT * REPLACE ('9.9.9' AS version,
                       release_id || '-later' AS release_id,
                       TIMESTAMPTZ '2025-12-03 08:00:00+00' AS published_at)
                       FROM releases WHERE item_id = 'crate:candle-core'
                       ORDER BY published_at DESC LIMIT 1""")
        # recent activity: the dashboard's old fallback rule called it active, with no detail
        con.execute("UPDATE items SET updated_at = TIMESTAMPTZ '2025-11-20 10:00:00+00'"
                    " WHERE item_id = ?", [ALONE_ACTIVE])
        con.execute("""INSERT INTO items SELECT * REPLACE (? AS item_id, 'helixdb' AS name,
                       'helixdb' AS title) FROM items WHERE item_id = 'crate:left-pad-rs'""",
                    [LONELY])
        # the classifier voted from agent-kit's category's own keywords (landscape.taxonomy)
        nbs = [{"id": "taxonomy:agentic-web:description-keywords", "title": "Agentic web",
                "label": "agentic-web", "similarity": 0.5},
               {"id": "exemplar:agentic-web:rig", "title": "rig", "label": "agentic-web",
                "similarity": 0.44},
               # one name twice: an item of the warehouse and the taxonomy's labelled example
               {"id": "crate:tiny-ml", "title": "tiny-ml", "label": "frameworks",
                "similarity": 0.31},
               {"id": "exemplar:frameworks:tiny-ml", "title": "tiny-ml", "label": "frameworks",
                "similarity": 0.30}]
        con.execute("UPDATE classifications SET neighbours = ? WHERE item_id = ?",
                    [json.dumps(nbs), REVIEW_ITEM])
    return root


@pytest.fixture
def fx(fixture_root: Path, monkeypatch: pytest.MonkeyPatch) -> DashboardFixture:
    return DashboardFixture.under(fixture_root, monkeypatch)


def _health(fx: DashboardFixture, project_id: str) -> tuple[str, dict]:
    import duckdb

    with duckdb.connect(str(fx.db), read_only=True) as con:
        signal, facts = con.execute("SELECT signal, facts FROM project_health WHERE project_id = ?"
                                    " AND month = '2025-11'", [project_id]).fetchone()
    return signal, json.loads(facts)


def test_project_health_detail_in_the_readers_language(fx: DashboardFixture) -> None:
    from report.render import load_labels

    signal, facts = _health(fx, "project:candle")
    assert signal == "recent_activity" and facts["release"]
    at = open_page("project", id="project:candle", lang="zh")
    assert not at.exception
    caption = next(c.value for c in at.caption if c.value.startswith("项目健康："))
    assert caption.startswith("项目健康：" + load_labels()["zh"]["latest_release"])
    assert facts["version"] in caption.replace("\\", "") and facts["release"] in caption
    assert not any(w in caption for w in ("release", "push", "known"))
    # one name per figure on the page: the report's header (90天下载量, 星标), never also the
    # definition's name (近90天下载量, 星标数)
    body = texts(at)
    assert "90天下载量" in body and "近90天下载量" not in body and "星标数" not in body
    at = open_page("project", id="project:candle")
    caption = next(c.value for c in at.caption if c.value.startswith("Health: "))
    assert "latest release" in caption and facts["release"] in caption


def test_project_page_shows_the_editors_description_in_the_readers_language(
        fx: DashboardFixture) -> None:
    from landscape.descriptions import load_descriptions

    line = load_descriptions()["candle"]
    zh_page = texts(open_page("project", id="project:candle", lang="zh"))
    en_page = texts(open_page("project", id="project:candle"))
    assert line["zh"] in zh_page and line["en"] not in zh_page
    assert line["en"] in en_page and line["zh"] not in en_page


def test_search_shows_a_watched_projects_editors_line_to_a_chinese_reader(
        fx: DashboardFixture) -> None:
    from landscape.descriptions import load_descriptions

    line = load_descriptions()["ndarray"]
    at = open_page("search", q="vector store", lang="zh")
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert line["zh"] in captions  # its own caption, before the registry's English text
    en = open_page("search", q="vector store")
    assert line["zh"] not in texts(en)


def test_picker_names_an_item_in_no_project_with_its_kind(fx: DashboardFixture) -> None:
    at = open_page("project", id=LONELY, lang="zh")
    assert not at.exception
    picker = at.selectbox(key="id")
    assert picker.value == LONELY
    assert "helixdb（crate）" in picker.options and LONELY not in picker.options
    assert "helixdb (crate)" in open_page("project", id=LONELY).selectbox(key="id").options


def test_neighbours_name_a_categorys_definition_not_its_id(fx: DashboardFixture) -> None:
    for page, params in (("review", {}), ("project", {"id": REVIEW_ITEM})):
        at = open_page(page, lang="zh", **params)
        assert not at.exception
        table = next(f.value for f in at.dataframe if "similarity" in f.value.columns)
        names = list(table["name"])
        assert names[:2] == ["该类别的关键词", "rig"], page
        assert not any("description" in str(n) for n in names)
        if "kind" in table.columns:
            assert list(table["kind"])[:2] == ["类别定义", "已标注示例"]
    at = open_page("review")
    table = next(f.value for f in at.dataframe if "similarity" in f.value.columns)
    assert list(table["name"])[0] == "the category's keywords"


def test_project_neighbours_say_each_rows_kind(fx: DashboardFixture) -> None:
    """A crate and the taxonomy's labelled example of one name are two votes: the Project
    page's neighbour table shows a kind column, in the reader's language, as Review does."""
    for lang, header, kinds in (("zh", "类型", ["类别定义", "已标注示例", "crate", "已标注示例"]),
                                ("en", "kind", ["category definition", "labelled example",
                                                "crate", "labelled example"])):
        at = open_page("project", id=REVIEW_ITEM, lang=lang)
        assert not at.exception
        df = next(f for f in at.dataframe if "similarity" in f.value.columns)
        shown = list(df.proto.column_order)
        assert shown[:2] == ["name", "kind"]
        assert json.loads(df.proto.columns)["kind"]["label"] == header
        table = df.value
        assert list(table["kind"]) == kinds
        twice = table[table["name"] == "tiny-ml"]
        assert len(twice) == 2 and twice["kind"].nunique() == 2


def test_report_comparison_labels_in_the_readers_language(fx: DashboardFixture) -> None:
    at = open_page("report", lang="zh")
    assert not at.exception
    body = texts(at)
    assert "2025-11 第 1 版（草稿） 对比 2025-10 第 1 版（已发布）" in body
    assert "(draft)" not in body and "(published)" not in body
    # a Chinese list: 、 between names, ； between what entered and what left
    assert "新进入：vecdb-lite；退出：tch-rs" in body
    at = open_page("report")
    assert "2025-11 r1 (draft) against 2025-10 r1 (published)" in texts(at)


def test_an_item_in_no_project_shows_why_its_health_is_unknown(fx: DashboardFixture) -> None:
    """The projects area judges health per project; an item in no project is not judged (the
    report calls it unknown). The page says so, in the report's words, instead of a badge from
    a rule of its own with nothing behind it."""
    from report.render import load_labels

    labels = load_labels()
    for lang, prefix in (("zh", "项目健康："), ("en", "Health: ")):
        at = open_page("project", id=ALONE_ACTIVE, lang=lang)
        assert not at.exception
        badge = next(m.value for m in at.markdown if "-badge[" in m.value)
        assert f"[{labels[lang]['health_unknown']}]" in badge
        assert labels[lang]["health_active"] not in badge
        # its own entry: its kind, not "1 member" beside "in no project"
        assert badge.endswith(" · crate"), badge  # ALONE_ACTIVE is a crate (kind.crate)
        assert "成员" not in badge and "member" not in badge
        caption = next(c.value for c in at.caption if c.value.startswith(prefix))
        assert caption == prefix + labels[lang]["health_why_no_project"]
    # a project's page keeps its judged health and its facts
    at = open_page("project", id="project:candle", lang="zh")
    assert any(f"[{labels['zh']['health_active']}]" in m.value for m in at.markdown)


def test_a_months_last_release_is_within_the_month(fx: DashboardFixture) -> None:
    """The 2025-11 page and cards show the last release published by the month's end, the one
    its health rests on; a release fetched later (2025-12-03) is not shown, neither as the
    month's last release nor in the page's list of releases."""
    signal, facts = _health(fx, "project:candle")
    at = open_page("project", id="project:candle", lang="zh")
    assert not at.exception
    shown = next(m.value for m in at.metric if m.label == "最新发布")
    assert shown == facts["release"] and shown < "2025-12"
    releases = next(f.value for f in at.dataframe if "version" in f.value.columns)
    assert facts["version"] in list(releases["version"]) and "9.9.9" not in list(releases["version"])
    at = open_page("browse", category="frameworks")
    body = texts(at)
    assert facts["release"] in body and "2025-12-03" not in body
