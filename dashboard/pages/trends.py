"""Trends: category and item month-over-month deltas, with filters by category and kind."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import components as ui
from dashboard import data

st.title("Trends")
options = data.load(data.trend_options)
months, metric_list = options["months"], options["metrics"]
if not months or not metric_list:
    st.info("No observations yet: the trends appear after the first collection run "
            "(`panorama demo` or `panorama monthly YYYY-MM`).")
    st.stop()

c1, c2, c3, c4 = st.columns([1.2, 1, 1, 2])
metric = c1.selectbox("Metric", metric_list, key="trend_metric",
                      help="downloads_month = downloads in the calendar month (daily series); "
                           "other metrics are the month's snapshot value.")
month = c2.selectbox("Month", list(reversed(months)), key="trend_month")
kinds = tuple(c3.multiselect("Kind", options["kinds"], key="trend_kinds"))
cats = tuple(c4.multiselect("Category", options["categories"], key="trend_cats",
                            format_func=ui.category_label))
prev = ui.month_before(months, month)

trend = data.load(data.category_trend, metric, kinds, cats)
if trend.empty:
    st.info(f"No `{metric}` values for these filters.")
    st.stop()

st.subheader(f"{metric} by category, per month")
chart = (alt.Chart(trend).mark_line(point=True)
         .encode(x=alt.X("period:N", title="month"), y=alt.Y("value:Q", title=metric),
                 color=alt.Color("category:N", title="category"),
                 tooltip=["category", "period", "value", "delta", "pct", "items"])
         .properties(height=320))
st.altair_chart(chart, width="stretch")

st.subheader(f"Month over month by category: {month}" + (f" vs {prev}" if prev else ""))
if prev is None:
    st.info(f"{month} is the first month collected: deltas appear from the second month on.")
mom = trend[trend["period"] == month].sort_values("delta", ascending=False, na_position="last")
ui.table(mom[["category", "value", "prev_value", "delta", "pct", "items"]],
         pct=st.column_config.NumberColumn("pct", format="%.1f %%"))

st.subheader(f"Biggest item movers: {month}" + (f" vs {prev}" if prev else ""))
movers = data.load(data.item_movers, metric, month, prev or "", kinds, cats, 50)
if movers.empty:
    st.info("No items with values this month for these filters.")
else:
    ui.table(movers[["name", "kind", "category", "value", "prev_value", "delta", "pct", "url"]],
             pct=st.column_config.NumberColumn("pct", format="%.1f %%"))
    top = tuple(movers["item_id"].head(5))
    series = data.load_or(None, data.item_series, metric, top)
    if series is not None and not series.empty:
        st.altair_chart(
            alt.Chart(series).mark_line(point=True)
            .encode(x=alt.X("period:N", title="month"), y=alt.Y("value:Q", title=metric),
                    color=alt.Color("name:N", title="item"), tooltip=["name", "period", "value"])
            .properties(height=260, title="Top 5 movers over the months"),
            width="stretch")
