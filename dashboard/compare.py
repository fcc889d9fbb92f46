"""The Compare page's arithmetic: series of a few projects cut to a range of months, on a
log or indexed-to-100 scale."""

from __future__ import annotations

import pandas as pd

SCALES = {"log": "Log", "indexed": "Indexed to 100", "linear": "Linear"}


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
