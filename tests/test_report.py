"""The monthly report on the fixture warehouse: golden files, structure, CSVs, charts, flow."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from support.fixture_warehouse import build_fixture_warehouse

from report.config import load_report_settings
from report.data import ReportData, build_report_data
from report.render import load_labels, render
from warehouse import db

GOLDEN = Path(__file__).parent / "golden"
# Regenerate with: PANORAMA_UPDATE_GOLDEN=1 pytest tests/test_report.py -k golden
UPDATE = os.environ.get("PANORAMA_UPDATE_GOLDEN") == "1"


@pytest.fixture
def warehouse(data_dir: Path) -> Path:
    """The fixture warehouse with its projects resolved and their health computed, as the
    monthly flow leaves it before the report step."""
    from connectors.watchlist import load_watchlist
    from landscape.project_health import compute_health
    from landscape.projects import resolve_projects

    path = build_fixture_warehouse(db.db_path())
    with db.connect() as con:
        resolve_projects(con, load_watchlist(), run_id="2025-11")
        compute_health(con, "2025-11")
    return path


def _data(month: str = "2025-11") -> ReportData:
    with db.connect(read_only=True) as con:
        return build_report_data(con, month)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_golden(warehouse: Path, lang: str) -> None:
    text = render(_data(), lang)
    golden = GOLDEN / f"landscape.{lang}.md"
    if UPDATE:
        golden.write_text(text, "utf-8")
    assert golden.exists(), "golden missing: run with PANORAMA_UPDATE_GOLDEN=1 once"
    assert text == golden.read_text("utf-8"), (
        f"{golden.name} differs; if intended, regenerate with PANORAMA_UPDATE_GOLDEN=1")


def test_made_up_numbers_say_so_in_both_languages(warehouse: Path) -> None:
    """A warehouse whose runs replayed real recordings shows no demo notice; once a run up to
    the month replayed made-up numbers (the demo snapshot), both languages say so at the top."""
    labels = load_labels()
    for lang in ("zh", "en"):
        assert labels[lang]["synthetic"] not in render(_data(), lang)
    with db.connect() as con:
        con.execute("UPDATE runs SET synthetic = true WHERE month = '2025-10'")
    data = _data()
    assert data.synthetic
    for lang in ("zh", "en"):
        head = render(data, lang).split("\n## ", 1)[0]  # the header box, before the contents
        assert f"> **{labels[lang]['synthetic']}**" in head


def test_same_figures_in_both_languages(warehouse: Path) -> None:
    data = _data()
    refs = [sorted(re.findall(r"\[\^(s\d+)\]", render(data, lang))) for lang in ("zh", "en")]
    assert refs[0] == refs[1]


def test_en_parentheses_are_spaced(warehouse: Path) -> None:
    """The selection guide glued its figures to the names in English ("[ort](…)(+4.5%)");
    zh uses full-width parentheses, which take no space."""
    data = _data()
    en, zh = render(data, "en"), render(data, "zh")
    guide = en.split("## 5. Selection guide", 1)[1].split("\n## ", 1)[0]
    assert "](" in guide and ")(" not in guide and ") (+" in guide
    assert ")（" in zh.split("## 5. ", 1)[1].split("\n## ", 1)[0]


def test_seed_structure_and_live_figures(warehouse: Path) -> None:
    data = _data()
    assert [f.entity for f in data.frameworks][:3] == ["candle", "burn", "tch-rs"]
    candle = data.frameworks[0]
    assert candle.downloads_90d.value == 1_300_000 and candle.downloads_90d.carried_from is None
    assert round(candle.downloads_mom_pct.value, 1) == 30.0
    assert candle.release_version.value == "0.9.1"
    # GitHub failed in 2025-11: stars are carried forward from 2025-10 and say so.
    assert candle.stars.value == 17_600 and candle.stars.carried_from == "2025-10"
    assert candle.stars.age_months == 1 and candle.stars_delta.missing
    text = render(data, "zh")
    for heading in ("## 1. 技术趋势概览", "### 1.1 本月要点", "### 2.1 核心框架对比",
                    "## 3. Web AI技术体系", "## 5. 技术选型指南", "## 9. 论断核查",
                    "## 10. 勘误", "## 12. 运行状况", "## 附录A 指标定义与方法",
                    "## 附录C 待审核（机器建议，不属于正文）"):
        assert heading in text
    assert "17,600 ↻2025-10（1个月前）[^" in text
    github = next(h for h in data.health if h.source == "github")
    assert github.status == "failed" and github.last_ok_month == "2025-10"
    assert github.items_seen.missing  # unknown, not zero


def _review(item_id: str, category: str) -> None:
    with db.connect() as con:
        con.execute("INSERT INTO review_decisions (item_id, decision, category, reviewer, "
                    "decided_at) VALUES (?, 'accept', ?, 'mei', TIMESTAMPTZ "
                    "'2025-11-29 10:00:00+00')", [item_id, category])


def test_machine_suggestions_stay_out_of_published_tables(warehouse: Path) -> None:
    """Only watched and person-reviewed entries reach a table; the rest wait in appendix C."""
    data = _data()
    machine = {"vecdb-lite", "agent-kit", "tiny-ml"}
    published = ({r.entity for s in data.categories.values() for r in s.tools + s.new}
                 | {r.entity for r in data.frameworks} | {r.entity for r in data.releases}
                 | {m.entity for rows in data.movers.values() for m in rows}
                 | {r["entity"] for r in data.landscape})
    assert not machine & published
    assert machine <= {r.entity for r in data.pending}
    assert data.pending_total.value == len(data.pending)
    assert data.categories["vector-db"].pending_new.value == 1
    assert not any(p.reviewed for p in data.pending_papers)
    zh = render(data, "zh").split("## 附录C", 1)
    assert "vecdb-lite" not in zh[0] and "vecdb-lite" in zh[1]


def test_appendix_limit_keeps_the_order_and_the_counts(
        warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The entity table is built for the suggestions the appendix shows only (picked before
    their figures are read): a smaller limit shows the head of the same order, and the
    pending counts still count every suggestion."""
    full = _data()
    assert len(full.pending) >= 2
    settings = load_report_settings()
    monkeypatch.setattr("report.data.load_report_settings", lambda: replace(
        settings, limits={**settings.limits, "pending": 1}))
    cut = _data()
    assert [r.entity for r in cut.pending] == [full.pending[0].entity]
    assert cut.pending_total == full.pending_total

    def counts(d: ReportData) -> dict[str, tuple[object, object]]:
        return {c: (s.pending.value, s.pending_new.value) for c, s in d.categories.items()}
    assert counts(cut) == counts(full)


def test_pending_projects_and_papers_are_counted_apart(
        warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The highlights counted machine-suggested projects as "entries awaiting review" while
    appendix C also lists new papers awaiting review: the sentence says it counts projects
    and gives the papers apart, counted in full even when the appendix shows a few."""
    with db.connect() as con:  # a second machine-classified paper in the same category
        con.execute("INSERT INTO papers (paper_id, arxiv_id, latest_version, title, authors, "
                    "published_at, abs_url, source_url, fetched_at, run_id) SELECT "
                    "'paper:2511.00009', '2511.00009', 1, 'Another Rust paper', authors, "
                    "published_at, 'https://arxiv.org/abs/2511.00009', source_url, fetched_at, "
                    "run_id FROM papers WHERE paper_id = 'paper:2511.00001'")
        con.execute("INSERT INTO classifications (item_id, run_id, category, confidence, "
                    "method, model, neighbours, needs_review, classified_at) SELECT "
                    "'paper:2511.00009', run_id, category, confidence, method, model, "
                    "neighbours, needs_review, classified_at FROM classifications "
                    "WHERE item_id = 'paper:2511.00001'")
    settings = load_report_settings()
    monkeypatch.setattr("report.data.load_report_settings", lambda: replace(
        settings, limits={**settings.limits, "papers_per_category": 1}))
    data = _data()
    assert len(data.pending_papers) == 1 and data.pending_papers_total.value == 2
    [landscape] = [h for h in data.highlights if h.kind == "landscape"]
    assert landscape.f["papers"] == data.pending_papers_total
    zh, en = render(data, "zh"), render(data, "en")
    pending, papers = data.pending_total.value, data.pending_papers_total.value
    assert re.search(rf"另有 {pending}\[\^s\d+\] 个机器建议的项目（其中 .*）"
                     rf"和 {papers}\[\^s\d+\] 篇新论文待审核", zh)
    assert re.search(rf"another {pending}\[\^s\d+\] machine-suggested projects \(.*\) "
                     rf"and {papers}\[\^s\d+\] new papers await review", en)
    assert re.search(rf"\*\*待审核的新论文\*\*：{papers}\[\^s\d+\]（显示 1 篇，共 {papers} 篇）", zh)
    assert "条目待审核" not in zh


def test_selection_guide_recommends_no_project_that_is_not_rust(warehouse: Path) -> None:
    """The 2025-12 guide named Agent TARS (TypeScript) a first choice while its claims check
    said it is not Rust. A repository-only project whose main language is known and is not
    Rust (the fixture's vite) goes under "use with care" with its language, footnoted to the
    GitHub response; a project with a crate stays a Rust choice whatever its repository's
    byte count says (candle here, as safetensors' repository reads "Python")."""
    with db.connect() as con:
        con.execute("UPDATE items SET language = 'Python' "
                    "WHERE item_id = 'repo:huggingface/candle'")
    data = _data()
    [vite] = [r for s in data.categories.values() for r in s.tools
              if r.item_id == "repo:vitejs/vite"]
    guide = {g.category.id: g for g in data.guide}
    front = guide["frontend-build"]
    assert vite.entity not in {r.entity for g in data.guide for r in g.recommended}
    assert (vite, "not_rust") in front.caution
    language = front.languages[vite.entity]
    assert language.value == "TypeScript"
    assert data_source(data, language.ref).url == "https://api.github.com/repos/vitejs/vite"
    assert "candle" in {r.entity for r in guide["frameworks"].recommended}
    zh, en = render(data, "zh"), render(data, "en")
    assert re.search(re.escape(f"[{vite.entity}](https://github.com/vitejs/vite)（主要语言：")
                     + r"TypeScript\[\^s\d+\]，非 Rust）", zh)
    assert re.search(re.escape(f"[{vite.entity}](https://github.com/vitejs/vite) (main "
                               "language: ") + r"TypeScript\[\^s\d+\], not Rust\)", en)


def data_source(data: ReportData, ref: str):  # noqa: ANN201 - report.provenance.Source
    return next(s for s in data.sources if s.key == ref)


def test_new_this_month_and_noise_floor(warehouse: Path) -> None:
    for item, category in (("crate:vecdb-lite", "vector-db"), ("crate:agent-kit", "agentic-web"),
                           ("crate:tiny-ml", "frameworks")):
        _review(item, category)  # a person accepted them: now they are published
    data = _data()
    assert [r.entity for r in data.categories["vector-db"].new] == ["vecdb-lite"]
    assert [r.entity for r in data.categories["agentic-web"].new] == ["agent-kit"]
    listed = {r.entity for s in data.categories.values() for r in s.tools}
    assert "left-pad-rs" not in listed  # classified out of scope
    risers = [m.entity for m in data.movers["dl_up"]]
    assert risers[0] == "ad-trait" and "tiny-ml" not in risers  # 30 -> 600 is below the floor
    assert [m.entity for m in data.movers["dl_down"]][0] == "tch-rs"
    assert not data.pending


def test_releases_are_distinct_counted_and_ranked(warehouse: Path) -> None:
    with db.connect() as con:  # a second burn release this month: counted, listed once
        con.execute("INSERT INTO releases VALUES ('release:crate:burn@0.19.1', 'crate:burn', "
                    "'0.19.1', NULL, TIMESTAMPTZ '2025-11-20 10:00:00+00', false, false, "
                    "'https://crates.io/crates/burn/0.19.1', NULL, 'crates', "
                    "'https://crates.io/api/v1/crates/burn', TIMESTAMPTZ "
                    "'2025-11-28 06:00:00+00', '2025-11')")
    data = _data()
    keys = [(r.entity, r.version.value) for r in data.all_releases]
    assert len(keys) == len(set(keys)) and data.overview["releases"].value == len(keys)
    assert ("burn", "0.19.1") in keys and ("burn", "0.19.0") in keys
    listed = [r.entity for r in data.releases]
    assert len(listed) == len(set(listed)) == data.release_projects.value
    assert next(r for r in data.releases if r.entity == "burn").version.value == "0.19.0"
    assert [r.entity for r in data.releases][:2] == ["burn", "candle"]  # minor before patch
    assert data.releases[0].level == "minor" and data.releases[1].level == "patch"
    assert all(r.notes for r in data.releases)  # the first sentence, or "—"


def test_highlights_and_framework_judgement(warehouse: Path) -> None:
    data = _data()
    kinds = [h.kind for h in data.highlights]
    assert 4 <= len(kinds) <= 8 and kinds[0] == "landscape" and "releases" in kinds
    burn = next(v for v in data.framework_views if v.row.entity == "burn")
    assert burn.judgement and burn.judgement.weaknesses["zh"] == "学习曲线陡峭"
    assert burn.release.value == "0.19.0"
    for lang in ("zh", "en"):
        text = render(data, lang)
        top = text.split("### 1.1", 1)[1].split("\n### ", 1)[0]
        sentences = [x for x in top.splitlines() if x.startswith("- ")]
        assert 4 <= len(sentences) <= 8
        assert all(re.search(r"\[\^s\d+\]", x) for x in sentences)
    zh = render(data, "zh")
    row = next(x for x in zh.splitlines() if x.startswith("| [burn]") and "学习曲线陡峭" in x)
    assert "本月发布 0.19.0[^" in row


def test_stars_highlight_is_a_gain(warehouse: Path) -> None:
    """"星标增加最多的是 X：本月新增 +4,667": 新增 already says it grew, the sign doubled it;
    and in a month when every repository lost stars the highlight would have named the
    smallest loss as the biggest gain ("本月新增 -9")."""
    from dataclasses import replace

    from report.analysis import Highlight, highlights
    from report.provenance import Figure

    data = _data()
    gainer = replace(data.frameworks[0], stars_delta=Figure(4667, None))
    zh = render(replace(data, highlights=[Highlight("stars", {"row": gainer})]), "zh")
    line = next(x for x in zh.splitlines() if x.startswith("- 星标增加最多的是"))
    assert "本月新增 4,667" in line, line

    def kinds(delta: int) -> list[str]:
        rows = [(replace(r, stars_delta=Figure(delta, None)), "active") for r in data.frameworks]
        return [h.kind for h in highlights(
            derived=lambda v, _csv: Figure(v, None), sections=data.categories,
            entries=data.overview["entities"], movers=data.movers, releases=[], tools=rows,
            topics=[], errata_count=0)]

    assert "stars" in kinds(5) and "stars" not in kinds(-5) and "stars" not in kinds(0)


def test_a_decision_reaches_this_months_draft(warehouse: Path) -> None:
    """Appendix C told the reviewer a decision reaches "next month's report"; the draft of
    the month itself lists the entry as soon as it is rendered again (and publishing waits
    for exactly those decisions)."""
    labels = load_labels()
    before = render(_data(), "en")
    assert "agent-kit" in before.split("## Appendix C", 1)[1]
    assert "next month" not in labels["en"]["pending_note"]
    assert "下个月" not in labels["zh"]["pending_note"]
    with db.connect() as con:
        con.execute("INSERT INTO review_decisions (item_id, decision, category, reviewer, "
                    "decided_at) VALUES ('crate:agent-kit', 'accept', 'agentic-web', 'mei', "
                    "now())")
    body = render(_data(), "en").split("## Appendix C", 1)[0]
    assert "[agent-kit](" in body


def test_a_header_names_one_measure() -> None:
    """The English movers table headed its percentage "Star change", the same words as the
    tables' absolute star change (+345 beside +9.2%); zh says 星标变化幅度 and 星标变化."""
    for lang, labels in load_labels().items():
        assert labels["col_move_st"] != labels["col_stars_delta"], lang


def test_noise_floor_note_prints_numbers_as_the_tables_do(warehouse: Path) -> None:
    """"entries below 1000 90-day downloads" ran two numbers together; the tables print
    1,000."""
    data = _data()
    floor = int(data.noise_floors["downloads_recent"])
    assert floor >= 1000
    assert f"fewer than {floor:,} 90-day downloads" in render(data, "en")
    assert f"90天下载量低于 {floor:,} 或" in render(data, "zh")


def test_falls_back_to_watchlist_category_without_classification(warehouse: Path) -> None:
    with db.connect(migrate=False) as con:
        con.execute("DROP VIEW IF EXISTS v_review_queue")
        con.execute("DROP VIEW IF EXISTS v_item_category")
        con.execute("DROP TABLE IF EXISTS v_item_category")
    data = _data()
    assert {f.entity for f in data.frameworks} == {"candle", "burn", "tch-rs"}
    assert not data.categories["vector-db"].tools  # only machine-classified there


def test_render_report_writes_month_folder_and_charts_rebuild_from_csv(
    warehouse: Path, tmp_path: Path
) -> None:
    from report import charts as chart_module
    from report.build import render_report

    result = render_report("2025-11")
    month_dir = db.reports_dir() / "2025-11"
    for name in ("landscape.zh.md", "landscape.en.md", "sources.csv", "REVISION.json",
                 "data/frameworks.csv", "data/movers_dl.csv", "data/landscape.csv"):
        assert (month_dir / name).is_file(), name
    text = (month_dir / "landscape.zh.md").read_text("utf-8")
    charts = re.findall(r"!\[[^\]]*\]\((charts/[^)]+)\)", text)
    assert len(charts) == 4 and all(c.endswith(".zh.svg") for c in charts)
    # Rebuild from a copy of data/ alone: same bytes as the charts the report embeds.
    only_csv = tmp_path / "copy"
    shutil.copytree(month_dir / "data", only_csv / "data")
    rebuilt = chart_module.build_all(only_csv)
    for chart in charts:
        assert (month_dir / chart).read_bytes() == (only_csv / chart).read_bytes()
    assert {p.name for p in rebuilt} == ({Path(c).name for c in charts}
                                         | {Path(c).name.replace(".zh.", ".en.") for c in charts})
    again = render_report("2025-11")
    assert (again.revision, again.content_sha256) == (result.revision, result.content_sha256)


def test_report_flow_creates_markdown_artifact(warehouse: Path, prefect_harness: None) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.report import report_flow

    out = report_flow(month="2025-11")
    assert Path(out["zh"]).is_file() and out["status"] == "draft"
    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["monthly-report"])))
    assert arts and "核心框架对比" in arts[-1].data


def test_breakthroughs_flagged_between_runs_appear_in_the_draft(warehouse: Path) -> None:
    """The weekly check's flags join the month's draft, each with its source and date."""
    from datetime import UTC, datetime

    from landscape.breakthroughs import Flag, save_flags

    detected = datetime(2025, 11, 17, 6, 0, tzinfo=UTC)
    with db.connect() as con:
        save_flags(con, [Flag("crate:burn", "major_release", "burn 1.0.0", "1.0.0",
                              "https://crates.io/crates/burn/1.0.0", None)],
                   "2025-11", "2025-11.bt-20251117T0600", detected)
    data = _data()
    assert [b.title for b in data.breakthroughs] == ["burn 1.0.0"]
    for lang, heading, kind in (("zh", "重要突破", "重大版本发布"),
                                ("en", "Breakthroughs (added", "Major release")):
        text = render(data, lang)
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        row = next(line for line in section.splitlines() if "burn 1.0.0" in line)
        assert kind in row and "2025-11-17" in row
        ref = re.search(r"\[\^(s\d+)\]", row).group(1)
        assert f"[^{ref}]:" in text and "https://crates.io/crates/burn/1.0.0" in text


def test_a_project_whose_pushes_are_not_known_is_not_called_dormant(warehouse: Path) -> None:
    """farm's repository has no push known and its last release is older than the dormant
    window: the guide lists it with care for what is known (no release in 12 months, pushes
    not known), not as 长期无发布无提交 / dormant (no release and no push)."""
    with db.connect(read_only=True) as con:
        pushed = con.execute("SELECT updated_at FROM items WHERE item_id = 'repo:farm-fe/farm'"
                             ).fetchone()[0]
        status, signal = con.execute(
            "SELECT status, signal FROM project_health WHERE project_id = 'project:farm'"
            " AND month = '2025-11'").fetchone()
    assert pushed is None and (status, signal) == ("unknown", "no_release_push_unknown")
    d = _data()
    for lang, words in (("zh", "12 个月内无发布、提交情况未知"),
                        ("en", "no release in 12 months, pushes not known")):
        text = render(d, lang)
        [row] = [line for line in text.splitlines() if "[farm](" in line and "|" in line
                 and load_labels()[lang]["latest_release"] in line]
        assert f"{words}{load_labels()[lang]['colon']}" in row, row
        assert load_labels()[lang]["health_dormant"] not in row, row
