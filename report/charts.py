"""Rebuild every chart of a monthly report from its CSV files alone (no database).

Usage:
    python scripts/repro/charts.py reports/2025-11            # writes reports/2025-11/charts/*.svg
    python scripts/repro/charts.py reports/2025-11 --out /tmp/charts

Reads `data/framework_trend.csv`, `data/frameworks.csv`, `data/movers_dl.csv` and
`data/category_counts.csv` with the standard `csv` module and draws them with matplotlib. The
SVGs are deterministic (fixed hash salt, no date metadata) so a rebuild can be compared byte for
byte with the charts the report embeds. Labels are ASCII (crate names, category ids) so no CJK
font is needed.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: no display on servers or CI
import matplotlib.pyplot as plt  # noqa: E402

matplotlib.rcParams["svg.hashsalt"] = "panorama"  # stable element ids
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, diffable
CHARTS = ("frameworks_trend", "frameworks_downloads", "movers_dl", "category_counts")


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


def _save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)


def _empty(ax: plt.Axes) -> None:
    ax.text(0.5, 0.5, "no data this month", ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def frameworks_trend(data: Path, out: Path) -> None:
    series: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for r in _read(data, "framework_trend"):
        value = _num(r["value"])
        if value is not None:
            series[r["entity"]].append((r["period"], value))
    fig, ax = plt.subplots(figsize=(8, 4))
    if not series:
        _empty(ax)
    for entity in sorted(series):
        points = sorted(series[entity])
        ax.plot([p for p, _ in points], [v for _, v in points], marker="o", label=entity)
    if series:
        ax.set_ylabel("downloads, 90 days")
        ax.legend(fontsize="small")
        ax.tick_params(axis="x", rotation=45)
    _save(fig, out / "frameworks_trend.svg")


def frameworks_downloads(data: Path, out: Path) -> None:
    rows = [(r["entity"], _num(r["downloads_90d"])) for r in _read(data, "frameworks")]
    rows = [(e, v) for e, v in rows if v is not None]
    fig, ax = plt.subplots(figsize=(8, 4))
    if rows:
        ax.barh([e for e, _ in rows][::-1], [v for _, v in rows][::-1])
        ax.set_xlabel("downloads, 90 days")
    else:
        _empty(ax)
    _save(fig, out / "frameworks_downloads.svg")


def movers_dl(data: Path, out: Path) -> None:
    rows = [(r["entity"], _num(r["pct"])) for r in _read(data, "movers_dl")]
    rows = sorted(((e, v) for e, v in rows if v is not None), key=lambda x: x[1])
    fig, ax = plt.subplots(figsize=(8, 4))
    if rows:
        ax.barh([e for e, _ in rows], [v for _, v in rows],
                color=["tab:green" if v > 0 else "tab:red" for _, v in rows])
        ax.set_xlabel("change of 90-day downloads vs previous month, %")
    else:
        _empty(ax)
    _save(fig, out / "movers_dl.svg")


def category_counts(data: Path, out: Path) -> None:
    rows = [(r["category"], _num(r["total"]) or 0, _num(r["new"]) or 0)
            for r in _read(data, "category_counts")]
    fig, ax = plt.subplots(figsize=(8, 4))
    if rows:
        names = [c for c, _, _ in rows]
        ax.bar(names, [t for _, t, _ in rows], label="entries")
        ax.bar(names, [n for _, _, n in rows], label="new this month")
        ax.tick_params(axis="x", rotation=60)
        ax.legend(fontsize="small")
    else:
        _empty(ax)
    _save(fig, out / "category_counts.svg")


def build_all(report_dir: Path, out: Path | None = None) -> list[Path]:
    """Rebuild every chart of `report_dir` from `report_dir/data/*.csv`."""
    data = report_dir / "data"
    out = out or report_dir / "charts"
    out.mkdir(parents=True, exist_ok=True)
    for draw in (frameworks_trend, frameworks_downloads, movers_dl, category_counts):
        draw(data, out)
    return [out / f"{name}.svg" for name in CHARTS]


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
