"""Rebuild every chart of a monthly report from its CSV files alone (no database).

Usage:
    python scripts/repro/charts.py reports/2025-11            # writes reports/2025-11/charts/*.svg
    python scripts/repro/charts.py reports/2025-11 --out /tmp/charts

Reads `data/meta.csv` (month, data as of), `data/framework_trend.csv`, `data/frameworks.csv`,
`data/movers_dl.csv` and `data/category_counts.csv` with the standard `csv` module and draws
one SVG per chart and language (`<chart>.zh.svg`, `<chart>.en.svg`): a title and a
"来源 / 截至" (source / as of) caption inside the image, series capped at the top six plus
"其他 / other", value labels, a palette in which no two series share a colour, and a log
scale or an index (first month = 100) where values span orders of magnitude.

The SVGs are deterministic (fixed hash salt, no date metadata, text kept as text, one named
font) so a rebuild can be compared byte for byte with the charts the report embeds. The font
is Noto Sans CJK SC (fonts-noto-cjk, installed in CI) when present, else DejaVu Sans: the
choice depends only on what is installed, never on matplotlib's fallback order. Without the
CJK font the Chinese text still reaches the SVG as text (the viewer's fonts draw it); only its
layout is measured with DejaVu Sans, which has no CJK glyphs. That is said once per process
(a log warning) instead of matplotlib's warning per missing glyph and draw — 763 lines in one
`make run` on a machine without the font.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import logging
import sys
import warnings
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: no display on servers or CI
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from report.csv_cells import printed_name  # noqa: E402

log = logging.getLogger(__name__)

matplotlib.rcParams["svg.hashsalt"] = "panorama"  # stable element ids
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, diffable
CHARTS = ("frameworks_trend", "frameworks_downloads", "movers_dl", "category_counts")
LANGS = ("zh", "en")
TOP = 6
CJK_FONT, LATIN_FONT = "Noto Sans CJK SC", "DejaVu Sans"
_CJK_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc")
# Seven distinct colours (Okabe–Ito, colour-blind safe) for the top six and "other".
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#7F7F7F")
UP, DOWN = "#009E73", "#D55E00"

TEXT = {
    "zh": {"other": "其他", "source": "来源", "as_of": "截至", "no_data": "本月无数据",
           "trend": "核心框架90天下载量（指数，首月＝100）", "trend_y": "指数（首月＝100）",
           "downloads": "核心框架90天下载量（对数坐标）", "downloads_x": "90天下载量",
           "movers": "90天下载量变化最大的条目", "movers_x": "较上月变化（%）",
           "categories": "各分类条目数与本月新增", "entries": "条目", "new": "本月新增",
           "src_crates": "crates.io 下载统计", "src_derived": "本报告 data/ 下的 CSV"},
    "en": {"other": "other", "source": "Source", "as_of": "as of", "no_data": "no data this month",
           "trend": "Core frameworks: 90-day downloads (index, first month = 100)",
           "trend_y": "index (first month = 100)",
           "downloads": "Core frameworks: 90-day downloads (log scale)",
           "downloads_x": "90-day downloads",
           "movers": "Biggest 90-day download movers", "movers_x": "change vs last month (%)",
           "categories": "Entries per category and new this month", "entries": "entries",
           "new": "new this month", "src_crates": "crates.io download counts",
           "src_derived": "this report's data/ CSV files"},
}


@functools.lru_cache(maxsize=1)
def font_family() -> str:
    """The one font the charts use (see the module doc)."""
    for path in _CJK_FILES:  # register it even if matplotlib's font cache predates it
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
    try:
        font_manager.findfont(font_manager.FontProperties(family=CJK_FONT),
                              fallback_to_default=False)
        return CJK_FONT
    except ValueError:
        return LATIN_FONT


@functools.lru_cache(maxsize=1)
def _say_no_cjk_font() -> None:
    log.warning("charts: font %s is not installed (Debian: fonts-noto-cjk); Chinese chart "
                "text stays text in the SVGs, laid out with %s metrics", CJK_FONT, LATIN_FONT)


@contextlib.contextmanager
def _glyph_warnings_said_once() -> Iterator[None]:
    """Around drawing: without the CJK font, one log line instead of a warning per glyph."""
    with warnings.catch_warnings():
        if font_family() != CJK_FONT:
            _say_no_cjk_font()
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font",
                                    category=UserWarning)
        yield


def _read(data: Path, name: str) -> list[dict[str, str]]:
    path = data / f"{name}.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _num(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def _short(value: float) -> str:
    """1234567 -> '1.23M', 5400 -> '5.4k' (the same in both languages)."""
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            return f"{value / size:.3g}{unit}"
    return f"{value:.0f}"


def _figure(lang: str, title: str, source: str, as_of: str) -> tuple[plt.Figure, plt.Axes]:
    t = TEXT[lang]
    fig, ax = plt.subplots(figsize=(8, 4.6))
    fig.suptitle(t[title], fontsize=12, x=0.01, ha="left")
    sep = "：" if lang == "zh" else ": "
    fig.text(0.01, 0.01, f"{t['source']}{sep}{t[source]} · {t['as_of']}{sep}{as_of or '—'}",
             fontsize=8, color="#555555", ha="left", va="bottom")
    return fig, ax


def _save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)


def _empty(ax: plt.Axes, lang: str) -> None:
    ax.text(0.5, 0.5, TEXT[lang]["no_data"], ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def _top(values: dict[str, float], lang: str) -> list[tuple[str, float]]:
    """The six largest, then the rest summed as 其他 / other."""
    ranked = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    head, rest = ranked[:TOP], ranked[TOP:]
    if rest:
        head.append((TEXT[lang]["other"], sum(v for _, v in rest)))
    return head


def frameworks_trend(rows: list[dict[str, str]], lang: str, as_of: str, out: Path) -> None:
    series: dict[str, dict[str, float]] = defaultdict(dict)
    for r in rows:
        value = _num(r["value"])
        if value is not None:
            series[printed_name(r, lang)][r["period"]] = value
    fig, ax = _figure(lang, "trend", "src_crates", as_of)
    periods = sorted({p for s in series.values() for p in s})
    latest = {e: s[max(s)] for e, s in series.items()}
    top = _top(latest, lang)
    named = {e for e, _ in top[:TOP]}
    lines: list[tuple[str, dict[str, float]]] = [(e, series[e]) for e, _ in top if e in named]
    if len(top) > TOP:  # the rest as one summed series, over the months all of them have
        rest = [s for e, s in series.items() if e not in named]
        common = [p for p in periods if all(p in s for s in rest)]
        lines.append((TEXT[lang]["other"], {p: sum(s[p] for s in rest) for p in common}))
    drawn = 0
    for i, (name, points) in enumerate(lines):
        pts = sorted(points.items())
        base = next((v for _, v in pts if v > 0), None)
        if not base or len(pts) < 2:
            continue
        xs, ys = [p for p, _ in pts], [v / base * 100 for _, v in pts]
        ax.plot(xs, ys, marker="o", color=PALETTE[i], label=name)
        ax.annotate(f"{ys[-1]:.0f}", (xs[-1], ys[-1]), textcoords="offset points",
                    xytext=(4, 0), fontsize=8, color=PALETTE[i], va="center")
        drawn += 1
    if drawn:
        ax.set_ylabel(TEXT[lang]["trend_y"])
        ax.axhline(100, color="#BBBBBB", linewidth=0.8, zorder=0)
        ax.legend(fontsize="small", loc="upper left", ncol=2)
        ax.tick_params(axis="x", rotation=30)
    else:
        _empty(ax, lang)
    _save(fig, out / f"frameworks_trend.{lang}.svg")


def frameworks_downloads(rows: list[dict[str, str]], lang: str, as_of: str, out: Path) -> None:
    values = {printed_name(r, lang): v for r in rows if (v := _num(r["downloads_90d"])) and v > 0}
    fig, ax = _figure(lang, "downloads", "src_crates", as_of)
    if values:
        top = _top(values, lang)[::-1]
        names, nums = [e for e, _ in top], [v for _, v in top]
        colors = [PALETTE[len(top) - 1 - i] for i in range(len(top))]
        ax.barh(names, nums, color=colors)
        ax.set_xscale("log")
        ax.set_xlabel(TEXT[lang]["downloads_x"])
        for y, v in enumerate(nums):
            ax.text(v, y, f" {_short(v)}", va="center", fontsize=8)
        ax.set_xlim(right=max(nums) * 8)
    else:
        _empty(ax, lang)
    _save(fig, out / f"frameworks_downloads.{lang}.svg")


def movers_dl(rows: list[dict[str, str]], lang: str, as_of: str, out: Path) -> None:
    got = [(printed_name(r, lang), v, r["direction"]) for r in rows if (v := _num(r["pct"])) is not None]
    ups = sorted((g for g in got if g[2] == "up"), key=lambda g: -g[1])[:TOP]
    downs = sorted((g for g in got if g[2] == "down"), key=lambda g: g[1])[:TOP]
    shown = sorted(ups + downs, key=lambda g: g[1])
    fig, ax = _figure(lang, "movers", "src_crates", as_of)
    if shown:
        ax.barh([e for e, _, _ in shown], [v for _, v, _ in shown],
                color=[UP if v > 0 else DOWN for _, v, _ in shown])
        for y, (_, v, _) in enumerate(shown):
            ax.text(v, y, f" {v:+.1f}% ", va="center", ha="left" if v > 0 else "right",
                    fontsize=8)
        ax.axvline(0, color="#555555", linewidth=0.8)
        ax.set_xlabel(TEXT[lang]["movers_x"])
        lo, hi = min(0.0, *(v for _, v, _ in shown)), max(0.0, *(v for _, v, _ in shown))
        pad = (hi - lo) * 0.25 or 1
        ax.set_xlim(lo - (pad if lo < 0 else 0), hi + pad)
    else:
        _empty(ax, lang)
    _save(fig, out / f"movers_dl.{lang}.svg")


def category_counts(rows: list[dict[str, str]], lang: str, as_of: str, out: Path) -> None:
    got = [(r.get(f"name_{lang}") or r["category"], _num(r["total"]) or 0, _num(r["new"]) or 0)
           for r in rows]
    got = [g for g in got if g[1] or g[2]][::-1]
    fig, ax = _figure(lang, "categories", "src_derived", as_of)
    if got:
        names = [n for n, _, _ in got]
        ax.barh(names, [t for _, t, _ in got], color=PALETTE[0], label=TEXT[lang]["entries"])
        ax.barh(names, [n for _, _, n in got], color=PALETTE[1], label=TEXT[lang]["new"])
        for y, (_, total, _) in enumerate(got):
            ax.text(total, y, f" {total:.0f}", va="center", fontsize=8)
        ax.legend(fontsize="small", loc="lower right")
    else:
        _empty(ax, lang)
    _save(fig, out / f"category_counts.{lang}.svg")


def build_all(report_dir: Path, out: Path | None = None) -> list[Path]:
    """Rebuild every chart of `report_dir` from `report_dir/data/*.csv`."""
    data = report_dir / "data"
    out = out or report_dir / "charts"
    out.mkdir(parents=True, exist_ok=True)
    meta = (_read(data, "meta") or [{}])[0]
    as_of = (meta.get("data_as_of") or "")[:10]
    matplotlib.rcParams["font.family"] = [font_family()]
    tables = {name: _read(data, csv_name) for name, csv_name in (
        ("trend", "framework_trend"), ("frameworks", "frameworks"), ("movers", "movers_dl"),
        ("categories", "category_counts"))}
    paths = []
    with _glyph_warnings_said_once():
        for lang in LANGS:
            frameworks_trend(tables["trend"], lang, as_of, out)
            frameworks_downloads(tables["frameworks"], lang, as_of, out)
            movers_dl(tables["movers"], lang, as_of, out)
            category_counts(tables["categories"], lang, as_of, out)
            paths += [out / f"{name}.{lang}.svg" for name in CHARTS]
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report_dir", type=Path, help="reports/YYYY-MM (holding data/)")
    parser.add_argument("--out", type=Path, help="where to write the SVGs (default charts/)")
    args = parser.parse_args(argv)
    for path in build_all(args.report_dir, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
