"""The dashboard's words in both languages (dashboard/ui_text.toml + the report's labels):
every key the code asks for exists in zh and en, and every page opened with `?lang=zh` shows
none of the English table's words (AppTest on the fixture warehouse)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import duckdb
import pytest

from dashboard import cards, compare, data, data_projects, ui_text
from dashboard.app_pages import PAGES
from report.render import load_labels
from tests.support.dashboard_fixture import (
    DashboardFixture,
    build_dashboard_warehouse,
    open_page,
    texts,
)


@pytest.fixture(scope="module")
def fixture_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dash_zh")
    build_dashboard_warehouse(root)
    return root


@pytest.fixture
def dashboard_fixture(fixture_root: Path, monkeypatch: pytest.MonkeyPatch) -> DashboardFixture:
    return DashboardFixture.under(fixture_root, monkeypatch)


DASHBOARD = Path(ui_text.__file__).parent
# ui.t("col_dl90"), ui_text.text("col_stars", lang): the report's labels by their key; and
# any "section.name" literal of ui_text.toml's sections (also in a conditional or f-string)
USED = re.compile(r"""\b(?:t|text|raw|has)\(\s*f?["']([a-z0-9_.{}]+)["']""")
SECTION_KEY = re.compile(r"""f?["']([a-z_]+\.[a-z0-9_{}]+)["']""")
UNIT = re.compile(r"""\bcount\([^()]*(?:\([^()]*\)[^()]*)*,\s*["'](\w+)["']""")


def _fill(pattern: str, values: tuple[str, ...]) -> str:
    """"relation.{rel}_{way}" with ("upstream", "in") → "relation.upstream_in"."""
    parts = re.split(r"\{\w+\}", pattern)
    return parts[0] + "".join(v + p for v, p in zip(values, parts[1:], strict=True))


def used_keys() -> set[str]:
    """Every literal key the dashboard's code asks for; f-string keys expanded by the ids the
    code fills them with."""
    keys: set[str] = set()
    sections = {k.split(".")[0] for k in ui_text.ui_entries()}
    for path in DASHBOARD.rglob("*.py"):
        if path.name == "ui_text.py":  # its docstring's examples
            continue
        code = path.read_text("utf-8")
        keys |= set(USED.findall(code))
        keys |= {k for k in SECTION_KEY.findall(code) if k.split(".")[0] in sections}
    dynamic = {
        "nav.{path}": [p for _, p, _ in PAGES],
        "sort.{s}": list(cards.SORTS),
        "compare.scale_{s}": list(compare.SCALES),
        "health_{state}": list(cards.HEALTH_BADGE),
        "role.{role}": ["primary_crate", "primary_repo", "sub_crate", "binding", "paper",
                        "post", "docs", "member", "self"],
        "kind.{kind}": ["crate", "repo", "paper", "post", "exemplar", "definition"],
        "definition.{p}": ["description", "description-zh", "description-keywords"],
        "decided_by.{decided}": ["watchlist", "review", "machine", "project"],
        "link_kind.{k}": ["merge", "proposal"],
        "evidence.{r}": ["same name", "watchlist", "crates.io repository field",
                         "monorepo (shared repository field)", "paper abstract URL",
                         "feed entry link"],
        "match.{how}": ["hybrid", "meaning_only", "keyword"],
        "review.{d}": ["accept", "reassign", "out_of_scope"],
        "decision.{d}": ["accept", "reassign", "out_of_scope"],
        "reason.{slug}": ["low_confidence", "near_a_boundary", "new_cluster",
                          "maybe_out_of_scope", "no_category_fits"],
        "link.{d}": ["accept", "split", "upstream"],
        "link.{decision}": ["accept", "split", "upstream"],
        "action.outcome_{what}": ["applied", "pending", "refused"],
        "blocker.{blocked}": ["unreviewed_items", "open_link_reviews", "failed_sources",
                             "contradicted_claims", "warehouse_busy"],
        "status_{value}": ["verified", "contradicted", "source_unavailable", "not_covered",
                           "editor"],
        "status.{status}": ["completed", "completed_with_failures", "running", "abandoned",
                            "missing"],
        "health_{status}": ["ok", "partial", "failed", "unchanged"],
        "diff_table_{table}": ["frameworks", "tools", "new_items", "movers_dl", "movers_st",
                               "releases", "papers", "landscape", "pending", "breakthroughs",
                               "category_counts", "claims", "emerging_topics", "run_health",
                               "sources"],
        "relation.{rel}_{way}": [(r, w) for r in ("upstream", "binding_of", "fork_of",
                                                  "successor_of") for w in ("in", "out")],
    }
    for pattern, ids in dynamic.items():
        if pattern in keys:
            keys.discard(pattern)
            for i in ids:
                keys.add(_fill(pattern, i if isinstance(i, tuple) else (i,)))
    keys.discard("count.{unit}")  # units: checked apart (UNIT)
    unexpanded = {k for k in keys if "{" in k}
    assert not unexpanded, f"f-string keys the test does not know how to expand: {unexpanded}"
    return keys


def test_every_key_the_dashboard_uses_has_both_languages() -> None:
    keys = used_keys()
    assert len(keys) > 100  # the scan found the pages' words
    missing = sorted(f"{k} ({lang})" for k in keys for lang in ui_text.LANGS
                     if not ui_text.has(k, lang))
    assert not missing, f"keys without a text: {missing}"
    units = set()
    for path in DASHBOARD.rglob("*.py"):
        units |= set(UNIT.findall(path.read_text("utf-8")))
    assert units and all(f"count.{u}" in ui_text.ui_entries() for u in units), units


def test_every_entry_is_used_and_fills_its_placeholders_alike() -> None:
    """No dead words, and a zh text asks for the same values as its en one."""
    keys = used_keys()
    entries = ui_text.ui_entries()
    queries = {n for m in (data, data_projects) for n in dir(m)}  # [spinner]: by query name
    unused = sorted(k for k in entries if k not in keys and not k.startswith("count.")
                    and not (k.startswith("spinner.") and k.split(".", 1)[1] in queries))
    assert not unused, f"entries no code asks for: {unused}"
    for key, entry in entries.items():
        names = [set(re.findall(r"\{(\w+)", v)) for v in entry.values()]
        assert all(n == names[0] for n in names), key


def test_a_missing_key_falls_back_instead_of_breaking_the_page() -> None:
    assert ui_text.text("no.such_key", "zh") == "no.such_key"
    assert ui_text.text("col_dl90", "zh") == load_labels()["zh"]["col_dl90"]  # the report's word
    assert ui_text.count(1, "project", "en") == "1 project"
    assert ui_text.count(3, "project", "zh") == "3 个项目"


def english_fragments() -> tuple[set[str], set[str]]:
    """The English table as (whole short texts, long literal fragments): a label such as
    "Month" must not be a zh page's label; a sentence's fragment must not be in its text."""
    labels = load_labels()["en"]
    # (a word both languages write alike, such as "crate", is no English left over)
    texts_en = [ui_text.raw(k, "en") for k in used_keys()
                if ui_text.raw(k, "en") != ui_text.raw(k, "zh")]
    texts_en = [t for t in texts_en if t != labels.get("na")]
    whole = {t.strip() for t in texts_en if re.search(r"[A-Za-z]{3}", t) and "{" not in t}
    parts = {p.strip() for t in texts_en for p in re.split(r"\{\w+\}", t)}
    long = {p for p in parts if len(p) >= 18 and len(re.findall(r"[A-Za-z]+", p)) >= 3}
    return whole, long


def widget_labels(at) -> list[str]:  # noqa: ANN001 - streamlit AppTest
    """Labels, options and help of the page's widgets, tabs, expanders and table headers."""
    out: list[str] = []
    for kind in ("selectbox", "multiselect", "radio", "text_input", "button", "toggle",
                 "checkbox", "number_input", "select_slider", "expander", "tabs"):
        for w in getattr(at, kind):
            out.append(str(getattr(w, "label", "")))
            out.extend(str(o) for o in getattr(w, "options", []) or [])
            out.append(str(getattr(w, "help", "") or ""))
            out.append(str(getattr(w.proto, "placeholder", "") or ""))
    for kind in ("download_button", "page_link"):
        out.extend(str(e.proto.label) for e in at.get(kind))
    for df in at.dataframe:
        config = json.loads(df.proto.columns or "{}")
        out.extend(str(c.get("label", "")) for c in config.values() if isinstance(c, dict))
        out.extend(str(c.get("type_config", {}).get("display_text", ""))
                   for c in config.values() if isinstance(c, dict))
    for m in at.metric:
        out.append(str(m.label))
    return [o for o in out if o]


ZH_PAGES = {
    "browse": {},
    "browse/category": {"category": "frameworks"},
    "trends": {},
    "trends/other": {"metric": "downloads_month"},
    "compare": {"ids": "project:candle,project:burn"},
    "project": {"id": "crate:candle-core"},
    "project/neighbours": {"id": "crate:agent-kit"},
    "search": {},
    "search/hits": {"q": "vector store"},
    "review": {},
    "report": {},
    "report/earlier": {"month": "2025-10"},
    "health": {},
}


# Three or more English words in a row, apart by spaces (a path or a file name is one word).
WORD = r"[A-Za-z][\w'’./:-]*"
ENGLISH_RUN = re.compile(rf"{WORD}(?:[,;:()]*[^\S\n]+[(]*{WORD}){{2,}}")  # within a line
CODE = re.compile(r"`[^`]*`|https?://\S+|\]\([^)]*\)")


def data_corpus(fx: DashboardFixture) -> str:
    """Every text the warehouse and the report files hold (names, descriptions, titles,
    evidence, errors, the reports), lower-cased: English there is source text, not UI."""
    parts: list[str] = []
    with duckdb.connect(str(fx.db), read_only=True) as con:
        columns = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                              "WHERE data_type = 'VARCHAR' AND table_schema = 'main'").fetchall()
        for table, column in columns:
            rows = con.execute(f'SELECT DISTINCT "{column}" FROM "{table}" '
                               f'WHERE "{column}" IS NOT NULL LIMIT 5000').fetchall()
            parts.extend(str(r[0]) for r in rows)
    parts.extend(p.read_text("utf-8") for p in fx.reports_dir.rglob("*.md"))
    return " ".join(" ".join(parts).split()).lower()


def english_left(texts_: list[str], corpus: str) -> list[str]:
    """Runs of three or more English words that come from no data: UI words left in English
    (code, URLs and link targets aside)."""
    left = []
    for text in texts_:
        plain = CODE.sub(" ", html.unescape(text.replace("\\", "")))
        for run in ENGLISH_RUN.findall(plain):
            words = " ".join(run.split()).strip(" ,.;:()/-…").lower()
            pieces = [p.strip() for p in words.split(",")]  # a list of names
            if words not in corpus and not all(p and p in corpus for p in pieces):
                left.append(run)
    return left


@pytest.mark.parametrize("page", list(ZH_PAGES))
def test_zh_pages_show_no_english_ui_words(dashboard_fixture, page: str) -> None:  # noqa: ANN001
    at = open_page(page.split("/")[0], lang="zh", **ZH_PAGES[page])
    assert not at.exception
    whole, long = english_fragments()
    labels = widget_labels(at)
    body = texts(at)
    assert body.strip() and labels
    english_labels = sorted({w for w in labels if w.strip() in whole})
    assert not english_labels, english_labels
    english_text = sorted(p for p in long if p in body or any(p in w for w in labels))
    assert not english_text, english_text
    # nor any other English sentence that is not source text (a word the table lacks)
    assert not english_left([body, *labels], data_corpus(dashboard_fixture)), page
    # and the same page in English still speaks English
    at_en = open_page(page.split("/")[0], **ZH_PAGES[page])
    assert not at_en.exception
    assert {w for w in widget_labels(at_en) if w.strip() in whole}
