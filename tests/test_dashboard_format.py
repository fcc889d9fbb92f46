"""Numbers and names for people (dashboard.fmt) and the report made fit for the page
(dashboard.report_view)."""

from __future__ import annotations

from pathlib import Path

from dashboard import fmt, report_view
from landscape.metrics import load_metrics
from report.config import load_categories
from report.render import load_labels


def test_human_numbers_and_coloured_directions() -> None:
    nb = fmt.NBSP
    assert fmt.human(182465265) == f"182.5{nb}M"
    assert fmt.human(1_437_235) == f"1.4{nb}M"
    assert fmt.human(940) == "940"
    assert fmt.human(None) == "—" and fmt.human(float("nan")) == "—"
    assert fmt.delta(18484067) == f"▲{nb}18.5{nb}M"
    assert fmt.delta(-3200) == f"▼{nb}3.2{nb}k"
    assert fmt.pct(11.34) == f"▲{nb}11.3{nb}%"
    assert fmt.direction_colour(fmt.pct(-1)).startswith("color: #cf")
    assert fmt.direction_colour(fmt.pct(1)).startswith("color: #1a")


def test_names_come_from_the_reports_config_in_either_language() -> None:
    frameworks = next(c for c in load_categories() if c.id == "frameworks")
    assert fmt.category_name("frameworks", "en") == frameworks.name_en
    assert fmt.category_name("frameworks", "zh") == frameworks.name_zh
    monthly = next(m for m in load_metrics() if m.id == "downloads_month")
    assert fmt.metric_name("downloads_month", "zh") == monthly.name_zh
    # a figure the report's tables head is named by that header (one name per page), not by
    # its definition's name (近90天下载量, 星标数: the methodology appendix's)
    labels = load_labels()
    for mid, header in (("downloads_recent", "col_dl90"), ("downloads_90d", "col_dl90"),
                        ("stars", "col_stars")):
        for lang in ("zh", "en"):
            assert fmt.metric_name(mid, lang) == labels[lang][header]
    assert fmt.category_name(None) == "—"
    assert fmt.taxonomy_order()[-1] == "out_of_scope"


def test_noise_floor_follows_config_metrics() -> None:
    floors = {m.id: m.noise_floor for m in load_metrics()}
    assert fmt.noise_floor("stars") == floors["stars"]
    assert fmt.noise_floor("downloads_month") == floors["downloads_recent"]  # the report's rule
    assert fmt.noise_floor("forks") == 0


def test_palette_has_no_repeated_colour_for_every_category() -> None:
    assert len(set(fmt.PALETTE)) == len(fmt.PALETTE) >= len(fmt.taxonomy_order())
    assert fmt.spans_orders([1_000, 200_000_000]) and not fmt.spans_orders([10, 900])


def test_report_blocks_strip_markers_inline_charts_and_keep_footnotes(tmp_path: Path) -> None:
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "a.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    text = ("# T\n\n<!-- no-figures --> <!-- status -->\n> Draft\n<!-- /status -->\n\n"
            "Released 2025-12-17[^s1].\n\n![Trend](charts/a.svg)\n\n![Gone](charts/b.svg)\n\n"
            "![Remote](https://example.org/x.svg)\n\n## Sources\n\n"
            "[^s1]: crates.io · <https://crates.io/api/v1/crates/x> · 2026-01-01\n")
    blocks = list(report_view.blocks(text, tmp_path))
    kinds = [b[0] for b in blocks]
    assert kinds == ["md", "image", "missing", "missing", "md"]
    first = blocks[0][1]
    assert "<!--" not in first and "> Draft" in first
    assert f"2025{report_view.NB_HYPHEN}12{report_view.NB_HYPHEN}17" in first
    assert "[¹](https://crates.io/api/v1/crates/x)" in first  # a footnote across blocks
    assert blocks[1][1] == str((tmp_path / "charts" / "a.svg").resolve())
    assert "1. crates.io" in blocks[-1][1]
    assert report_view.image_path("../../etc/passwd", tmp_path) is None


def test_distinct_texts_leaves_out_a_line_another_holds_whole() -> None:
    from dashboard.cards import distinct_texts

    # a crate and its repository saying the same line, one a little longer: the longer once
    assert distinct_texts(["Minimalist ML framework.", "Minimalist ML framework for Rust",
                           "A tensor library"]) == ["Minimalist ML framework for Rust",
                                                    "A tensor library"]
    assert distinct_texts(["Same line.", "same line"]) == ["Same line."]  # the first of equals
    # different lines stay, in order, up to the limit
    assert distinct_texts(["Fast things", "Slow things", "Third"]) == ["Fast things", "Slow things"]
