"""Trends: a metric per category over the months, the month-over-month table per category,
and the biggest movers by % above the noise floor.

The default measure is the report's one growth figure, the 90-day downloads change (config/
metrics.toml `downloads_90d_pct`); with it, and with stars, the movers are the report's own
(`report.queries.movers_sql`, landscape projects only, same rows). Other measures stay
selectable, labelled as not the report's: a calendar-month sum and a rolling 90-day window
differ, and the report's appendix A says why the two growth figures are not shown together."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data, data_projects, fmt
from dashboard import components as ui
from dashboard.queries_scope import REPORT_MEASURES

# The report's growth figure: 90-day downloads (crates.io's rolling window), month on month.
DEFAULT_METRIC = "downloads_recent"


def measure_name(mid: str) -> str:
    """The metric's name, saying which ones are the report's measures."""
    return ui.metric_name(mid) + (" · the report's measure" if mid in REPORT_MEASURES else "")

st.title("Trends")
options = data.load(data.trend_options)
months, metric_list = options["months"], options["metrics"]
if not months or not metric_list:
    st.info("No observations yet: the trends appear after the first collection run "
            "(`panorama demo` or `panorama monthly YYYY-MM`).")
    st.stop()

c1, c2, c3, c4 = st.columns([1.9, 0.9, 1, 1.7])
newest = months[-1]
default_metric = DEFAULT_METRIC if DEFAULT_METRIC in metric_list else metric_list[0]
metric_list = [default_metric] + [m for m in metric_list if m != default_metric]
ui.from_url("metric", metric_list, default=default_metric)
metric = c1.selectbox(
    "Metric", metric_list, key="metric", format_func=measure_name,
    help="The report ranks projects by the change of 90-day downloads month on month (and "
         "of stars); the other metrics' changes are the dashboard's own, never a growth "
         "figure of the report. " + fmt.metric_help("downloads_90d_pct", "en"))
ui.from_url("month", months, default=newest)
month = c2.selectbox("Month", list(reversed(months)), key="month")
ui.from_url("kind", options["kinds"], default=[], multi=True)
kinds = tuple(c3.multiselect("Kind", options["kinds"], key="kind"))
in_scope = [c for c in options["categories"] if c != "out_of_scope"]
ui.from_url("cat", options["categories"], default=[], multi=True)
cats = tuple(c4.multiselect("Category", options["categories"], key="cat",
                            format_func=ui.category_name,
                            help="Empty: every category of the landscape (out of scope left out)."))
for key, value, default in (("metric", metric, default_metric), ("month", month, newest),
                            ("kind", list(kinds), []), ("cat", list(cats), [])):
    ui.to_url(key, value, default=default)
prev = ui.month_before(months, month)
name = ui.metric_name(metric)

# The totals count what the report counts: the landscape of the chosen month (watched or
# reviewed projects, each in the category the report lists it under; dashboard.queries_scope,
# the report's own statements). The machine's suggestions are summed apart, below.
scoped = data.load(data_projects.landscape_trend, metric, month, kinds, cats or tuple(in_scope))
trend = scoped[scoped["trusted"].astype(bool)]
suggested = scoped[~scoped["trusted"].astype(bool)]
if trend.empty:
    st.info(f"No “{name}” values for these filters.")
    st.stop()
trend = trend.assign(name=trend["category"].map(ui.category_name))

st.subheader(f"{name} by category, per month")
charts.line(trend, name, height=360)
st.caption(f"Summed over the landscape of {month} as the report counts it: watched or "
           "reviewed projects, each in the category the report lists it under; machine "
           "suggestions awaiting review are not counted (their totals are at the foot of the page)."
           + (" Log scale when categories differ by orders of magnitude, so small categories "
              "do not sit flat at zero." if fmt.spans_orders(trend["value"]) else ""))

st.subheader(f"Month over month by category: {month}" + (f" vs {prev}" if prev else ""))
if prev is None:
    st.info(f"{month} is the first month collected: deltas appear from the second month on.")
mom = trend[trend["period"] == month].sort_values("pct", ascending=False, na_position="last")
ui.table(mom, {"name": "category", "value": name, "prev_value": "month before",
               "delta": "change", "pct": "change %", "items": "projects with a value"},
         numbers=("value", "prev_value", "items"), deltas=("delta",), pcts=("pct",))

floor = fmt.noise_floor(metric)
st.subheader(f"Biggest movers: {month}" + (f" vs {prev}" if prev else ""))
from_report = metric in REPORT_MEASURES
if from_report:
    st.caption(f"The report's movers: landscape projects (watched or reviewed) ranked by the "
               f"change of {name.lower()} ({'summed over a project’s crates' if metric != 'stars' else 'of its repository'}), "
               f"both months collected in their month; projects below the noise floor of "
               f"{fmt.human(floor)} last month are left out (config/metrics.toml). Click a row "
               "to open the project.")
else:
    st.warning(f"{name} is not the report's measure: the report's growth figure is the "
               "change of 90-day downloads, and a calendar-month sum moves differently from "
               "a rolling 90-day window (the report's appendix A, “Metric definitions”). "
               "Every project is ranked here, machine suggestions included.",
               icon=":material/info:")
cols = {"project": "project", "category_name": "category", "value": name,
        "prev_value": "month before", "delta": "change", "pct": "change %", "url": "link"}
if from_report:
    both = data_projects.report_movers_view(metric, month, prev, kinds, cats or tuple(in_scope),
                                            floor)
else:
    both = data.load(data_projects.project_movers, metric, month, prev or "", kinds,
                     cats or tuple(in_scope), 25, floor, 5)  # both ways, top 5's series each
up, down = st.tabs(["Rising", "Falling"])
for tab, rising in ((up, True), (down, False)):
    with tab:
        movers, series = both[rising]
        if movers.empty:
            st.info("No project moved this way above the noise floor for these filters.")
            continue
        movers = movers.assign(category_name=movers["category"].map(ui.category_name),
                               project=movers["name_zh" if ui.lang() == "zh" else "name_en"])
        ui.table(movers, cols, key=f"movers_{'up' if rising else 'down'}",
                 numbers=("value", "prev_value"), deltas=("delta",), pcts=("pct",),
                 open_project="project_id",
                 project=st.column_config.Column("project", width="medium"),
                 category_name=st.column_config.Column("category", width="medium"))
        if not series.empty:
            series = series.merge(movers[["project_id", "project"]], on="project_id")
            st.caption(f"The top {min(5, len(movers))} over the months (click a point to open "
                       "it)")
            charts.line(series.rename(columns={"project": "name"}), name,
                        key=f"movers_chart_{rising}", project="project_id", height=260)

sugg = suggested[suggested["period"] == month]
with st.expander(f"Machine suggestions awaiting review, not in the category totals: "
                 f"{fmt.human(int(sugg['items'].sum()))} projects with a value in {month}"):
    st.caption("The classifier's placements nobody has reviewed yet (the report's appendix C): "
               "what each category would add if they were all accepted.")
    ui.table(sugg.assign(name=sugg["category"].map(ui.category_name))
             .sort_values("value", ascending=False),
             {"name": "category", "value": name, "items": "projects with a value"},
             numbers=("value", "items"))
