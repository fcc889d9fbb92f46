"""Chinese first: the zh report reads as Chinese (names, URLs and code aside), every watched
project has editors' descriptions in both languages, the frameworks keep the seed's judgement,
editor blocks are rendered in place and pass the provenance rule, charts speak the language."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from support.fixture_warehouse import build_fixture_warehouse, render_fixture_report

from landscape.descriptions import load_descriptions
from landscape.glossary import load_glossary
from report.config import CONFIG_DIR, load_judgements
from report.data import build_report_data
from report.editorial import load_block, unsourced_sentences
from report.provenance import SourceRegistry
from report.render import render
from warehouse import db

SLUGS = ("agentic-web", "vector-db", "frontend-build", "ai-dev-tools", "wasm-edge",
         "data-scientific", "model-formats", "systems-engineering", "ai-code-tools")


def _watchlist() -> list[dict]:
    with (CONFIG_DIR / "watchlist.toml").open("rb") as fh:
        return tomllib.load(fh)["watch"]


def latin_prose_share(text: str, names: list[str]) -> tuple[int, int, float]:
    """(Latin letters of prose, CJK characters, share) of a zh report.

    Not prose, so not counted: footnote definitions and HTML comments, code spans, URLs, link
    texts (project names, paper titles), the given proper names, and tokens that are names or
    identifiers by their shape (an upper-case letter as in Rust, GitHub, ONNX; a digit as in
    versions). What is left in Latin letters is English prose in the Chinese text."""
    body = [ln for ln in text.splitlines()
            if not re.match(r"^\[\^[\w-]+\]:", ln) and not ln.strip().startswith("<!--")]
    t = "\n".join(body)
    t = re.sub(r"`[^`]*`", "", t)
    t = re.sub(r"\]\([^)]*\)", "]", t)
    t = re.sub(r"\[[^\]]*\]", "", t)
    t = re.sub(r"https?://\S+", "", t)
    for name in sorted(names, key=len, reverse=True):
        t = t.replace(name, "")
    latin = sum(len(re.findall(r"[A-Za-z]", tok)) for tok in re.findall(r"[A-Za-z][\w.\-/]*", t)
                if not any(c.isupper() for c in tok) and not re.search(r"\d", tok))
    cjk = len(re.findall(r"[\u3400-\u9fff]", t))
    return latin, cjk, latin / max(1, latin + cjk)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return render_fixture_report(tmp_path_factory.mktemp("i18n"))


def test_zh_report_is_chinese_prose(rendered: dict[str, str]) -> None:
    names = [w["name"] for w in _watchlist()] + [g.en for g in load_glossary()]
    latin, cjk, share = latin_prose_share(rendered["zh"], names)
    assert cjk > 2000 and share < 0.10, (latin, cjk, share)
    # the measure does see English prose
    assert latin_prose_share("中文" * 10 + " this is english prose here", [])[2] > 0.5


def test_no_slugs_or_half_width_punctuation_in_zh(rendered: dict[str, str]) -> None:
    prose = "\n".join(ln for ln in rendered["zh"].splitlines()
                      if not re.match(r"^\[\^[\w-]+\]:", ln))
    prose = re.sub(r"`[^`]*`|\]\([^)]*\)|https?://\S+", "", prose)
    for slug in SLUGS:
        assert slug not in prose, slug
    # a half-width comma, semicolon or colon right after a Chinese character
    assert not re.findall(r"[\u4e00-\u9fff][,;:](?=\s|$)", prose)
    assert "Agentic Web" not in prose and "代理式 Web" in prose  # the glossary's term


def test_en_report_has_no_chinese_outside_the_glossary(rendered: dict[str, str]) -> None:
    """The claims check printed the seed's "文末" (its closing line) as the section of a claim
    in the English report. Chinese belongs only to the glossary's Chinese column and to the
    seed's file name in the sources."""
    lines = rendered["en"].splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("## Appendix B"))
    end = next(i for i, ln in enumerate(lines) if i > start and ln.startswith("## "))
    text = "\n".join(lines[:start] + lines[end:])
    assert re.findall(r"[\u3400-\u9fff]+", text) == []
    assert "| end of the seed[^" in rendered["en"] and "| 文末[^" in rendered["zh"]


def test_metric_definitions_speak_chinese() -> None:
    """Appendix A defined open issues as "未关闭的 issue 与 pull request 数量之和" beside the
    unit "个议题与拉取请求": English words in Chinese prose. Outside code spans and the
    parentheses that give a term's English, a zh metric text keeps only the registry's own
    words (crates.io, crate) and file paths."""
    from landscape.metrics import load_metrics

    allowed = {"crate", "crates", "io", "data", "csv"}
    for m in load_metrics():
        text = re.sub(r"`[^`]*`|（[^）]*）", "", m.zh)
        words = {w for w in re.findall(r"[A-Za-z]+", text) if w.islower()}
        assert words <= allowed, (m.id, words - allowed)


def test_every_watched_project_has_both_descriptions() -> None:
    descriptions = load_descriptions()
    for w in _watchlist():
        got = descriptions.get(w["name"], {})
        assert got.get("zh") and got.get("en"), w["name"]
        assert re.search(r"[\u4e00-\u9fff]", got["zh"]), w["name"]


def test_frameworks_keep_the_seeds_judgement() -> None:
    judgements = load_judgements()
    for w in _watchlist():
        if w["category"] == "frameworks":
            j = judgements[w["name"]]
            for field in (j.strengths, j.weaknesses, j.use):
                assert field["zh"] and field["en"], w["name"]
    assert judgements["burn"].from_seed and judgements["burn"].weaknesses["zh"] == "学习曲线陡峭"


def test_editor_block_rendered_in_place_with_sources(tmp_path: Path) -> None:
    folder = tmp_path / "editorial"
    folder.mkdir()
    (folder / "2025-11.zh.md").write_text(
        "本月 burn 发布 0.19.0[^b]，值得升级。\n\n"
        "[^b]: https://github.com/tracel-ai/burn/releases/tag/v0.19.0 (2025-11-04)\n", "utf-8")
    (folder / "2025-11.en.md").write_text("burn shipped 0.19.0 this month.\n", "utf-8")
    path = build_fixture_warehouse(tmp_path / "w.duckdb")
    with db.connect(read_only=True, path=path) as con:
        data = build_report_data(con, "2025-11", editorial_dir=folder)
    zh, en = render(data, "zh"), render(data, "en")
    block = zh.split("#### 编者按", 1)[1].split("\n### ", 1)[0]
    ref = re.search(r"0\.19\.0\[\^(s\d+)\]", block).group(1)
    assert f"[^{ref}]: 编辑 · <https://github.com/tracel-ai/burn/releases/tag/v0.19.0>" in zh
    # the en block shows a number without a source: not rendered, the draft says why
    assert data.editorial["en"].rejected and "0.19.0" not in en.split("#### Editor", 1)[1][:400]
    # kept across re-renders: the block lives in editorial/, not under reports/
    assert (folder / "2025-11.zh.md").exists()


def test_editorial_provenance_rule() -> None:
    assert unsourced_sentences("增长 20%[^a]。") == []
    assert unsourced_sentences("增长 20%。下一句[^a]。") == ["增长 20%。"]
    assert unsourced_sentences("发布于 2025-12 与 2025年4月。") == []  # dates are not figures
    # nor are a year or a reference to a section of the seed; a count still is
    assert unsourced_sentences("The seed's section 8 calls it a breakthrough of 2025.") == []
    assert unsourced_sentences("原文第8节称其为2025年的突破。") == []
    assert unsourced_sentences("Section 8 lists 12 frameworks.") == ["Section 8 lists 12 frameworks."]
    reg = SourceRegistry()
    missing = Path("/nonexistent")
    assert load_block("2025-11", "zh", reg, missing).text is None


def test_charts_speak_the_language(tmp_path: Path, data_dir: Path) -> None:
    from report import charts
    from report.build import render_report

    build_fixture_warehouse(db.db_path())
    render_report("2025-11")
    folder = db.reports_dir() / "2025-11" / "charts"
    zh = (folder / "frameworks_trend.zh.svg").read_text("utf-8")
    en = (folder / "frameworks_trend.en.svg").read_text("utf-8")
    assert "核心框架" in zh and "来源" in zh and "截至" in zh and "2025-11-28" in zh
    assert "Core frameworks" in en and "Source" in en and "核心" not in en
    assert f"font-family: '{charts.font_family()}'" in zh or charts.font_family() in zh
    colours = re.findall(r"stroke: (#[0-9a-fA-F]{6})", zh)
    lines = {c for c in colours if c.upper() in {p.upper() for p in charts.PALETTE}}
    assert len(lines) >= 2  # one colour per series, none shared
    assert "agentic-web" not in (folder / "category_counts.zh.svg").read_text("utf-8")


def test_zh_report_names_a_project_by_its_chinese_name(tmp_path: Path, data_dir: Path) -> None:
    """The watchlist's `name_zh` ("llama.cpp bindings" is descriptive English) was stored and
    never printed: the zh report names the project by it in its tables, highlights, guide and
    charts (rebuilt from the CSVs, which carry it); the en report keeps the English name."""
    import csv

    from support.fixture_warehouse import _resolve_projects

    from landscape.project_health import compute_health
    from report import charts
    from report.build import render_report

    build_fixture_warehouse(db.db_path())
    with db.connect() as con:
        _resolve_projects(con, {"tch-rs": "tch 绑定"})
        compute_health(con, "2025-11")  # for the selection guide
    render_report("2025-11")
    month = db.reports_dir() / "2025-11"
    zh, en = ((month / f"landscape.{lang}.md").read_text("utf-8") for lang in ("zh", "en"))
    named = "[tch 绑定](https://crates.io/crates/tch)"
    # the framework comparison and table, the guide, the movers table
    assert zh.count(named) >= 4 and "[tch-rs](" not in zh
    assert "降幅最大的是 tch 绑定（" in zh  # the highlights
    assert "绑定" not in en and en.count("[tch-rs](https://crates.io/crates/tch)") >= 4
    with (month / "data" / "frameworks.csv").open(encoding="utf-8") as fh:
        rows = {r["entity"]: r["name_zh"] for r in csv.DictReader(fh)}
    assert rows["tch-rs"] == "tch 绑定" and rows["candle"] == "candle"
    out = tmp_path / "rebuilt"
    charts.build_all(month, out)  # from the CSVs alone
    for chart in ("frameworks_trend", "frameworks_downloads", "movers_dl"):
        assert "tch 绑定" in (out / f"{chart}.zh.svg").read_text("utf-8"), chart
        en_svg = (out / f"{chart}.en.svg").read_text("utf-8")
        assert "tch-rs" in en_svg and "绑定" not in en_svg, chart
        assert (out / f"{chart}.zh.svg").read_bytes() == (
            month / "charts" / f"{chart}.zh.svg").read_bytes()


def test_charts_without_the_cjk_font_say_so_once(tmp_path: Path, data_dir: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """Without Noto Sans CJK (a machine that ran `make install` but not CI's apt step) the
    Chinese charts are still written with their text as text; matplotlib's warning per missing
    glyph and draw (763 lines in one `make run`) becomes one log line."""
    import logging
    import warnings

    from report import charts
    from report.build import render_report

    build_fixture_warehouse(db.db_path())
    render_report("2025-11")
    month = db.reports_dir() / "2025-11"
    monkeypatch.setattr(charts, "font_family", lambda: charts.LATIN_FONT)
    charts._say_no_cjk_font.cache_clear()
    with warnings.catch_warnings(record=True) as seen, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        charts.build_all(month, tmp_path / "latin")
        charts.build_all(month, tmp_path / "latin2")
    assert not [w for w in seen if "missing from font" in str(w.message)]
    said = [r for r in caplog.records if "fonts-noto-cjk" in r.getMessage()]
    assert len(said) == 1
    assert "核心框架" in (tmp_path / "latin" / "frameworks_trend.zh.svg").read_text("utf-8")
