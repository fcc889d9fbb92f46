"""The Compare page's arithmetic: series of a few projects cut to a range of months, on a
log or indexed-to-100 scale."""

from __future__ import annotations

import pandas as pd

SCALES = ("log", "indexed", "linear")  # named in ui_text.toml [compare] scale_*


def chart_frame(series: pd.DataFrame, names: dict[str, str], first: str, last: str,
                scale: str) -> pd.DataFrame:
    """`project_id, name, period, value, raw` for the chart and the CSV: `raw` is the figure,
    `value` what is plotted (the figure, or 100 × figure / the project's first figure in the
    range when indexed; a project whose first figure is 0 cannot be indexed and is left out)."""
    cols = ["project_id", "name", "period", "value", "raw"]
    if series.empty:
        return pd.DataFrame(columns=cols)
    cut = series[(series["period"] >= first) & (series["period"] <= last)].copy()
    cut = cut.sort_values(["project_id", "period"])
    cut["raw"] = cut["value"]
    cut["name"] = cut["project_id"].map(lambda p: names.get(p, p))
    if scale == "indexed":
        base = cut.groupby("project_id")["raw"].transform("first")
        cut = cut[base > 0]
        cut["value"] = (100.0 * cut["raw"] / base[base > 0]).round(1)
    return cut[cols].reset_index(drop=True)


def data_months(series: pd.DataFrame | None, months: list[str]) -> list[str]:
    """The months of `months` in which `series` has a value (all of them when nothing is
    chosen yet or nothing has a value): the Compare slider's range starts at the first."""
    if series is None or series.empty:
        return months
    have = set(series.loc[series["value"].notna(), "period"])
    return [m for m in months if m in have] or months
