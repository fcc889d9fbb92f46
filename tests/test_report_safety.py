"""Source text cannot break the Markdown, inject HTML/script or be evaluated as a template."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from support.fixture_warehouse import HOSTILE, render_fixture_report

from report.render import heading, link, md, safe_url


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return render_fixture_report(tmp_path_factory.mktemp("hostile"), hostile=True)


def _tokens(text: str) -> list:
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    out = []
    for tok in parser.parse(text):
        out.append(tok)
        out.extend(tok.children or [])
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_text_is_inert(hostile: dict[str, str], lang: str) -> None:
    text = hostile[lang]
    assert "{{7*7}}" not in text and "49 " not in text  # neither kept raw nor evaluated
    assert r"\{\{7\*7\}\}" in text  # shown literally, escaped
    assert "{% raw %}" not in text and "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text
    tokens = _tokens(text)
    html = [t.content.strip() for t in tokens if t.type in ("html_inline", "html_block")]
    # the only HTML is the report's own section markers (comments)
    assert all(h.startswith("<!--") and h.endswith("-->") for h in html), html
    for t in tokens:
        if t.type == "link_open":  # sources, or the report's own table of contents
            assert str(t.attrs["href"]).startswith(("http://", "https://", "#")), t.attrs
        if t.type == "image":
            assert str(t.attrs["src"]).startswith("charts/"), t.attrs


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tables_keep_their_shape(hostile: dict[str, str], lang: str) -> None:
    tokens = _tokens(hostile[lang])
    width, cells = None, 0
    for t in tokens:
        if t.type == "tr_open":
            cells = 0
        elif t.type in ("th_open", "td_open"):
            cells += 1
        elif t.type == "tr_close":
            if width is None or cells != width:
                width = cells if width is None else width
            assert cells == width
        elif t.type == "table_close":
            width = None
    # hostile text (with a newline and pipes: agent-kit's description in the en pending
    # appendix, a paper title in both) stays in one row of one cell
    rows = [x for x in hostile[lang].splitlines() if "7\\*7" in x and x.startswith("|")]
    assert rows and all(r.startswith("| ") and r.endswith(" |") for r in rows)
    if lang == "en":
        assert any("agent-kit" in r for r in rows)
    assert not any(x.startswith("line2") for x in hostile[lang].splitlines())


def test_md_escaping_units() -> None:
    assert md("a|b") == "a\\|b"
    assert md("x\ny") == "x y"
    assert md("<b>&") == "&lt;b&gt;&amp;"
    assert md("[t](javascript:x)") == "\\[t\\](javascript:x)"
    assert md("# h") == "\\# h" and md("- item") == "\\- item" and md("1. x") == "1\\. x"
    assert md("`code` *em* _u_ ~s~") == "\\`code\\` \\*em\\* \\_u\\_ \\~s\\~"
    assert md("{{ 7*7 }} {% x %}") == "\\{\\{ 7\\*7 \\}\\} \\{% x %\\}"
    # no backslash where Markdown would not act: "2.3" or "1.x" is no list, an underscore
    # between letters (hnsw_rs) opens no emphasis, heading text is not at a line start
    assert md("2.3、8.1") == "2.3、8.1" and md("1.") == "1\\." and md("1) a") == "1\\) a"
    assert md("hnsw_rs") == "hnsw_rs" and md("_x") == "\\_x" and md("x_ y") == "x\\_ y"
    assert heading("1. 技术趋势概览") == "1. 技术趋势概览"
    assert md(HOSTILE).count("\n") == 0


def test_links_only_for_http_urls() -> None:
    assert link("x", "javascript:alert(1)") == "x"
    assert link("x", "data:text/html,<b>") == "x"
    assert link("x", "https://a.b/c d)e|f") == "[x](https://a.b/c%20d%29e%7Cf)"
    assert safe_url("HTTPS://a.b/") is None or safe_url("HTTPS://a.b/").startswith("HTTPS")
    assert safe_url("https://") is None


def test_templates_never_compile_source_text(tmp_path: Path) -> None:
    # A description made of template syntax comes out as text: the environment only loads
    # files from templates/, and data is passed as values.
    from report.render import environment

    env = environment()
    out = env.from_string("{{ x }}").render(x="{{ 7*7 }}{% for a in b %}")
    assert "49" not in out and "\\{\\{ 7\\*7 \\}\\}" in out
