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
    return ui.metric_name(mid) + (ui.t("trends.reports_measure") if mid in REPORT_MEASURES else "")

st.title(ui.t("nav.trends"))
options = data.load(data.trend_options)
months, metric_list = options["months"], options["metrics"]
if not months or not metric_list:
    st.info(ui.t("trends.empty"))
    st.stop()

c1, c2, c3, c4 = st.columns([1.9, 0.9, 1, 1.7])
newest = months[-1]
default_metric = DEFAULT_METRIC if DEFAULT_METRIC in metric_list else metric_list[0]
metric_list = [default_metric] + [m for m in metric_list if m != default_metric]
ui.from_url("metric", metric_list, default=default_metric)
metric = c1.selectbox(
    ui.t("trends.metric"), metric_list, key="metric", format_func=measure_name,
    help=ui.t("trends.metric_help") + fmt.metric_help("downloads_90d_pct", ui.lang()))
ui.from_url("month", months, default=newest)
month = c2.selectbox(ui.t("common.month"), list(reversed(months)), key="month")
ui.from_url("kind", options["kinds"], default=[], multi=True)
kinds = tuple(c3.multiselect(ui.t("common.kind"), options["kinds"], key="kind",
                             format_func=ui.kind_name, placeholder=ui.t("common.choose")))
in_scope = [c for c in options["categories"] if c != "out_of_scope"]
ui.from_url("cat", options["categories"], default=[], multi=True)
cats = tuple(c4.multiselect(ui.t("common.category"), options["categories"], key="cat",
                            format_func=ui.category_name, placeholder=ui.t("common.choose"),
                            help=ui.t("trends.category_help")))
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
    st.info(ui.t("trends.no_values", name=name))
    st.stop()
trend = trend.assign(name=trend["category"].map(ui.category_name))

st.subheader(ui.t("trends.by_category", name=name))
charts.line(trend, name, height=360)
st.caption(ui.t("trends.summed", month=month)
           + (ui.t("trends.log_note") if fmt.spans_orders(trend["value"]) else ""))

st.subheader(ui.t("trends.mom", month=month) + (ui.t("common.vs", prev=prev) if prev else ""))
if prev is None:
    st.info(ui.t("trends.first_month", month=month))
mom = trend[trend["period"] == month].sort_values("pct", ascending=False, na_position="last")
ui.table(mom, {"name": ui.t("trends.category"), "value": name,
               "prev_value": ui.t("trends.month_before"), "delta": ui.t("trends.change"),
               "pct": ui.t("trends.change_pct"), "items": ui.t("trends.with_value")},
         numbers=("value", "prev_value", "items"), deltas=("delta",), pcts=("pct",))

floor = fmt.noise_floor(metric)
st.subheader(ui.t("trends.movers", month=month) + (ui.t("common.vs", prev=prev) if prev else ""))
from_report = metric in REPORT_MEASURES
if from_report:
    how = ui.t("trends.of_repo" if metric == "stars" else "trends.crates_summed")
    st.caption(ui.t("trends.report_movers", name=name.lower(), how=how, floor=fmt.human(floor)))
else:
    st.warning(ui.t("trends.not_report", name=name), icon=":material/info:")
cols = {"project": ui.t("trends.project"), "category_name": ui.t("trends.category"),
        "value": name, "prev_value": ui.t("trends.month_before"), "delta": ui.t("trends.change"),
        "pct": ui.t("trends.change_pct"), "url": ui.t("common.link")}
if from_report:
    both = data_projects.report_movers_view(metric, month, prev, kinds, cats or tuple(in_scope),
                                            floor)
else:
    both = data.load(data_projects.project_movers, metric, month, prev or "", kinds,
                     cats or tuple(in_scope), 25, floor, 5)  # both ways, top 5's series each
up, down = st.tabs([ui.t("trends.rising"), ui.t("trends.falling")])
for tab, rising in ((up, True), (down, False)):
    with tab:
        movers, series = both[rising]
        if movers.empty:
            st.info(ui.t("trends.no_movers"))
            continue
        movers = movers.assign(category_name=movers["category"].map(ui.category_name),
                               project=movers["name_zh" if ui.lang() == "zh" else "name_en"])
        ui.table(movers, cols, key=f"movers_{'up' if rising else 'down'}",
                 numbers=("value", "prev_value"), deltas=("delta",), pcts=("pct",),
                 open_project="project_id",
                 project=st.column_config.Column(cols["project"], width="medium"),
                 category_name=st.column_config.Column(cols["category_name"], width="medium"))
        if not series.empty:
            series = series.merge(movers[["project_id", "project"]], on="project_id")
            st.caption(ui.t("trends.top_chart", n=min(5, len(movers))))
            charts.line(series.rename(columns={"project": "name"}), name,
                        key=f"movers_chart_{rising}", project="project_id", height=260)

sugg = suggested[suggested["period"] == month]
with st.expander(ui.t("trends.suggested", n=fmt.human(int(sugg["items"].sum())), month=month)):
    st.caption(ui.t("trends.suggested_note"))
    ui.table(sugg.assign(name=sugg["category"].map(ui.category_name))
             .sort_values("value", ascending=False),
             {"name": ui.t("trends.category"), "value": name, "items": ui.t("trends.with_value")},
             numbers=("value", "items"))
