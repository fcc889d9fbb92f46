"""Compare: 2–5 projects over time, downloads or stars, on a log or indexed-to-100 scale over
a chosen range of months; the chart's data as CSV. Everything is kept in the URL.

The default figure is the report's (90-day downloads, summed over a project's crates);
monthly downloads stay selectable, labelled as not the report's figure."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data, data_projects
from dashboard import components as ui
from dashboard.compare import SCALES, chart_frame

st.title("Compare projects")
options = data.load(data.trend_options)
months = options["months"]
choices = data.load(data_projects.project_choices, months[-1] if months else None)
# the picker and the chart legends name projects in the reader's language
names = dict(zip(choices["project_id"], choices[ui.name_column()], strict=True))
if not months or not names:
    st.info("No projects with figures yet: run `panorama demo` first.")
    st.stop()

ui.from_url("ids", None, default=[], multi=True)
for pid in st.session_state.get("ids", []):
    names.setdefault(pid, pid)
ids = st.multiselect("Projects (2 to 5)", list(names), key="ids",
                     format_func=lambda p: names.get(p, p), max_selections=5,
                     placeholder="Type a project's name…")
c1, c2, c3 = st.columns([1, 1, 2])
FIGURES = ("downloads_recent", "stars", "downloads_month")  # the report's two first
ui.from_url("metric", FIGURES, default=FIGURES[0])
metric = c1.radio("Figure", list(FIGURES), key="metric", horizontal=True,
                  format_func=lambda m: ui.metric_name(m) + (
                      "" if m in FIGURES[:2] else " (calendar month)"),
                  help="90-day downloads and stars are the figures the report ranks and "
                       "compares; monthly downloads (a calendar-month sum, one column of the "
                       "report's tool tables) move differently from the 90-day window.")
ui.from_url("scale", SCALES, default="log")
scale = c2.radio("Scale", list(SCALES), key="scale", format_func=SCALES.get, horizontal=True)
ui.from_url("range", months, default=(months[0], months[-1]), multi=True)
if len(st.session_state["range"]) != 2:
    st.session_state["range"] = (months[0], months[-1])
first, last = c3.select_slider("Months", options=months, key="range")
for key, value, default in (("ids", ids, []), ("metric", metric, FIGURES[0]),
                            ("scale", scale, "log"),
                            ("range", [first, last], [months[0], months[-1]])):
    ui.to_url(key, value, default=default)
if len(ids) < 2:
    st.info("Pick at least two projects to compare (from the list above, or with "
            "“Compare” on a project's page).")
    if not ids:
        st.stop()

series = data.load(data_projects.project_series, tuple(ids), metric)
frame = chart_frame(series, names, first, last, scale)
if frame.empty:
    st.info("No values for these projects in this range.")
    st.stop()
title = ui.metric_name(metric) + (" (first month = 100)" if scale == "indexed" else "")
charts.line(frame, title, key="compare_chart", project="project_id",
            log=scale == "log", height=380)
st.caption("Click a point to open that project. Indexed: each project's first month in the "
           "range is 100, so growth compares regardless of size.")
st.download_button("Download the chart data (CSV)", frame.to_csv(index=False).encode("utf-8"),
                   file_name=f"compare-{metric}-{first}-{last}.csv", mime="text/csv",
                   key="compare_csv", icon=":material/download:")
wide = frame.pivot_table(index="period", columns="name", values="raw", aggfunc="first")
wide = wide.reset_index().sort_values("period", ascending=False)
projects = [c for c in wide.columns if c != "period"]
ui.table(wide, {"period": "month", **{c: c for c in projects}}, numbers=tuple(projects))
