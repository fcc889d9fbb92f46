"""Line charts for people: a palette with no repeated colour, the whole legend, a log axis
when the values span orders of magnitude, human numbers on the axis and in tooltips, and
(optionally) a click on a point that opens that project's page."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import fmt

# Axis labels as compact numbers, each on its own (a shared prefix would print "0k"), with
# B for billions as the tables write it (SI's G reads as giga): 1k, 182.5M, 1B.
AXIS_LABEL = "replace(format(datum.value, '~s'), 'G', 'B')"


def line(df: pd.DataFrame, value_title: str, *, series: str = "name",
         key: str | None = None, project: str | None = None, log: bool | None = None,
         height: int = 300) -> None:
    """`df` has `period`, `value` and a `series` column (one line each). With `key` and
    `project` (a column of project ids), clicking a point opens that project."""
    if df.empty:
        st.caption(ui.t("common.no_chart_values"))
        return
    log = fmt.spans_orders(df["value"]) if log is None else log
    plotted = df[df["value"] > 0] if log else df
    names = list(dict.fromkeys(plotted[series]))
    colour = alt.Color(f"{series}:N", title=None, sort=names,
                       scale=alt.Scale(domain=names, range=_colours(len(names))),
                       legend=alt.Legend(orient="bottom", columns=3, labelLimit=360,
                                         symbolLimit=0))
    axis = alt.Axis(labelExpr=AXIS_LABEL)
    if log:  # ticks at the powers of ten only: 1k, 10k, 100k, 1M…
        lo, hi = plotted["value"].min(), plotted["value"].max()
        axis = alt.Axis(labelExpr=AXIS_LABEL, values=[
            10.0 ** k for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)])
    y = alt.Y("value:Q", title=value_title + (ui.t("common.log_scale") if log else ""),
              scale=alt.Scale(type="log") if log else alt.Scale(zero=False), axis=axis)
    tooltip = [alt.Tooltip(f"{series}:N", title=ui.t("common.name")),
               alt.Tooltip("period:N", title=ui.t("common.dash_month")),
               alt.Tooltip("value:Q", title=value_title, format=",.0f")]
    base = alt.Chart(plotted).encode(x=alt.X("period:N", title=None, axis=alt.Axis(labelAngle=0)),
                                     y=y, color=colour, tooltip=tooltip)
    chart = base.mark_line() + base.mark_point(filled=True, size=60)
    if key and project and project in plotted:
        pick = alt.selection_point(name="pick", fields=[project], on="click")
        chart = base.mark_line() + base.mark_point(filled=True, size=80).add_params(pick)
        event = st.altair_chart(chart.properties(height=height), width="stretch", key=key,
                                on_select="rerun", selection_mode="pick")
        picked = (getattr(event, "selection", None) or {}).get("pick") or []
        if picked and picked[0].get(project):
            ui.open_project_page(str(picked[0][project]))
        return
    st.altair_chart(chart.properties(height=height), width="stretch")


def _colours(n: int) -> list[str]:
    """n distinct colours (the palette has 16; beyond that a line repeats a colour, so pages
    keep to fewer series)."""
    return [fmt.PALETTE[i % len(fmt.PALETTE)] for i in range(max(n, 1))]
