"""Health: source status per run (coloured), failures, and the values carried forward."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import data, fmt


def summary(error: object) -> str:
    """What kind of failure an error was, in the report's words for the reader's language."""
    return fmt.error_summary(error, ui.lang())


BADGE = {"ok": "green", "unchanged": "green", "partial": "orange", "failed": "red"}

st.title(ui.t("runhealth.title"))
runs = data.load(data.runs)
if runs.empty:
    st.info(ui.t("runhealth.empty"))
    st.stop()

health = data.load(data.source_health)
attempts = health.assign(source_name=health["source"].map(lambda s: fmt.source_name(s, ui.lang())))
# A month run again keeps every attempt; the tables show the run that speaks for the month in
# its report (listed first per month: a completed attempt before a later failed one, never a
# breakthrough check), as the report's run health does.
health = attempts.drop_duplicates(["month", "source"])
latest = runs.iloc[0]
st.subheader(ui.t("runhealth.latest", month=latest["month"],
                  status=ui.status_label(latest["status"])))
st.caption(ui.t("runhealth.run_started", run=latest["run_id"], date=fmt.date(latest["started_at"]))
           + (ui.t("runhealth.finished", date=fmt.date(latest["finished_at"]))
              if not pd.isna(latest["finished_at"]) else ui.t("runhealth.not_finished")))
now = attempts[attempts["run_id"] == latest["run_id"]]
cols = st.columns(max(1, len(now)))
for col, (_, r) in zip(cols, now.iterrows(), strict=False):
    seen = ui.t("runhealth.seen_unknown") if pd.isna(r["items_seen"]) else \
        ui.t("runhealth.seen", n=fmt.human(r["items_seen"]))
    with col.container(border=True):
        st.markdown(f"**{ui.escape_md(r['source_name'])}**")
        st.badge(ui.status_label(r["status"]), color=BADGE.get(str(r["status"]), "gray"))
        st.caption(seen)

st.subheader(ui.t("runhealth.per_month"))
st.caption(ui.t("runhealth.per_month_note"))
if health.empty:
    st.info(ui.t("runhealth.no_status"))
else:
    grid = health.pivot_table(index="month", columns="source_name", values="status",
                              aggfunc="first").reset_index().sort_values("month", ascending=False)
    sources = sorted((c for c in grid.columns if c != "month"), key=str.lower)
    ui.table(grid, {"month": ui.t("common.dash_month"), **{s: s for s in sources}},
             statuses=tuple(sources))

st.subheader(ui.t("runhealth.failures"))
failures = attempts[attempts["status"].isin(["failed", "partial"])]  # every attempt's
if failures.empty:
    st.success(ui.t("runhealth.no_failures"))
else:
    failures = failures.assign(what=failures["error"].map(summary))
    ui.table(failures, {"month": ui.t("common.dash_month"), "source_name": ui.t("runhealth.source"),
                        "status": ui.t("runhealth.status"), "errors": ui.t("runhealth.errors"),
                        "what": ui.t("runhealth.what"), "error": ui.t("runhealth.raw_error")},
             numbers=("errors",), statuses=("status",))

st.subheader(ui.t("runhealth.carried"))
carried = data.load_or(None, data.carried_forward)
if carried is None:
    pass
elif carried.empty:
    st.success(ui.t("runhealth.none_carried"))
else:
    partial = carried["status"] == "partial"
    carried = carried.assign(
        # a partial source landed this month's values except its failed requests', whose
        # last values are carried one by one; a failed one carries its last collection's
        carried_from=carried["last_ok_month"].fillna(ui.t("runhealth.never_collected")).where(
            ~partial, ui.t("runhealth.own_month")),
        complete=carried["last_complete_month"].fillna(ui.t("runhealth.never")),
        what=carried["error"].map(summary),
        source_name=carried["source"].map(lambda s: fmt.source_name(s, ui.lang())))
    st.caption(ui.t("runhealth.carried_note"))
    ui.table(carried, {"month": ui.t("common.dash_month"), "source_name": ui.t("runhealth.source"),
                       "status": ui.t("runhealth.status"), "what": ui.t("runhealth.what"),
                       "values_carried": ui.t("runhealth.values_carried"),
                       "carried_from": ui.t("runhealth.carried_from"),
                       "complete": ui.t("runhealth.last_complete")},
             numbers=("values_carried",), statuses=("status",))

with st.expander(ui.t("runhealth.all_runs")):
    ui.table(runs.assign(status=runs["status"].map(ui.status_label)),
             {"month": ui.t("common.dash_month"), "run_id": ui.t("runhealth.run"),
              "flow": ui.t("runhealth.flow"), "mode": ui.t("runhealth.mode"),
              "status": ui.t("runhealth.status"), "started_at": ui.t("runhealth.started"),
              "finished_at": ui.t("runhealth.finished_col"), "note": ui.t("runhealth.note")},
             dates=("started_at", "finished_at"))
with st.expander(ui.t("runhealth.details")):
    ui.table(health, {"month": ui.t("common.dash_month"), "source_name": ui.t("runhealth.source"),
                      "status": ui.t("runhealth.status"), "items_seen": ui.t("runhealth.seen_col"),
                      "items_new": ui.t("runhealth.new"), "items_updated": ui.t("runhealth.updated"),
                      "observations": ui.t("runhealth.values"),
                      "requests": ui.t("runhealth.requests"),
                      "not_modified": ui.t("runhealth.not_modified"),
                      "errors": ui.t("runhealth.errors"), "error": ui.t("runhealth.first_error")},
             numbers=("items_seen", "items_new", "items_updated", "observations", "requests",
                      "not_modified", "errors"))
