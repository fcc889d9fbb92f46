"""Compare: 2–5 projects over time, downloads or stars, on a log or indexed-to-100 scale over
a chosen range of months; the chart's data as CSV. Everything is kept in the URL.

The default figure is the report's (90-day downloads, summed over a project's crates);
monthly downloads stay selectable, labelled as not the report's figure."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data, data_projects
from dashboard import components as ui
from dashboard.compare import SCALES, chart_frame, data_months

st.title(ui.t("compare.title"))
options = data.load(data.trend_options)
months = options["months"]
choices = data.load(data_projects.project_choices, months[-1] if months else None)
# the picker and the chart legends name projects in the reader's language
names = dict(zip(choices["project_id"], choices[ui.name_column()], strict=True))
if not months or not names:
    st.info(ui.t("compare.empty"))
    st.stop()

ui.from_url("ids", None, default=[], multi=True)
for pid in st.session_state.get("ids", []):
    names.setdefault(pid, pid)
ids = st.multiselect(ui.t("compare.projects"), list(names), key="ids",
                     format_func=lambda p: names.get(p, p), max_selections=5,
                     placeholder=ui.t("compare.placeholder"))
c1, c2, c3 = st.columns([1, 1, 2])
FIGURES = ("downloads_recent", "stars", "downloads_month")  # the report's two first
ui.from_url("metric", FIGURES, default=FIGURES[0])
metric = c1.radio(ui.t("compare.figure"), list(FIGURES), key="metric", horizontal=True,
                  format_func=lambda m: ui.metric_name(m) + (
                      "" if m in FIGURES[:2] else ui.t("compare.calendar")),
                  help=ui.t("compare.figure_help"))
ui.from_url("scale", SCALES, default="log")
scale = c2.radio(ui.t("compare.scale"), list(SCALES), key="scale", horizontal=True,
                 format_func=lambda s: ui.t(f"compare.scale_{s}"))
for key, value, default in (("ids", ids, []), ("metric", metric, FIGURES[0]),
                            ("scale", scale, "log")):
    ui.to_url(key, value, default=default)
if not ids:
    st.info(ui.t("compare.pick_two"))
    st.stop()
series = data.load(data_projects.project_series, tuple(ids), metric)
# The range runs over the months this figure has values in (for the chosen projects): monthly
# downloads reach back before the first collection (crates.io's daily history), 90-day
# downloads and stars start with it.
span = data_months(series, months)
ui.from_url("range", span, default=(span[0], span[-1]), multi=True)
chosen = st.session_state["range"]
if len(chosen) != 2 or not set(chosen) <= set(span):
    st.session_state["range"] = (span[0], span[-1])
first, last = c3.select_slider(ui.t("compare.months"), options=span, key="range")
ui.to_url("range", [first, last], default=[span[0], span[-1]])
if len(ids) < 2:
    st.info(ui.t("compare.pick_two"))

frame = chart_frame(series, names, first, last, scale)
if frame.empty:
    st.info(ui.t("compare.no_values"))
    st.stop()
title = ui.metric_name(metric) + (ui.t("compare.indexed_title") if scale == "indexed" else "")
charts.line(frame, title, key="compare_chart", project="project_id",
            log=scale == "log", height=380)
st.caption(ui.t("compare.chart_note"))
st.download_button(ui.t("compare.download"), frame.to_csv(index=False).encode("utf-8"),
                   file_name=f"compare-{metric}-{first}-{last}.csv", mime="text/csv",
                   key="compare_csv", icon=":material/download:")
wide = frame.pivot_table(index="period", columns="name", values="raw", aggfunc="first")
wide = wide.reset_index().sort_values("period", ascending=False)
projects = [c for c in wide.columns if c != "period"]
ui.table(wide, {"period": ui.t("common.dash_month"), **{c: c for c in projects}},
         numbers=tuple(projects))
