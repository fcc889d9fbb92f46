"""Health: source status per run (coloured), failures, and the values carried forward."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import data, fmt

BADGE = {"ok": "green", "unchanged": "green", "partial": "orange", "failed": "red"}

st.title("Run health")
runs = data.load(data.runs)
if runs.empty:
    st.info("No runs yet: run `panorama demo` (or `panorama monthly YYYY-MM`) to collect.")
    st.stop()

health = data.load(data.source_health)
attempts = health.assign(source_name=health["source"].map(fmt.source_name))
# A month run again keeps every attempt; the tables show the run that speaks for the month in
# its report (listed first per month: a completed attempt before a later failed one, never a
# breakthrough check), as the report's run health does.
health = attempts.drop_duplicates(["month", "source"])
latest = runs.iloc[0]
st.subheader(f"Latest run: {latest['month']} · {str(latest['status']).replace('_', ' ')}")
st.caption(f"Run {latest['run_id']}, started {fmt.date(latest['started_at'])}"
           + (f", finished {fmt.date(latest['finished_at'])}"
              if not pd.isna(latest["finished_at"]) else ", not finished"))
now = attempts[attempts["run_id"] == latest["run_id"]]
cols = st.columns(max(1, len(now)))
for col, (_, r) in zip(cols, now.iterrows(), strict=False):
    seen = "items seen: unknown" if pd.isna(r["items_seen"]) else \
        f"{fmt.human(r['items_seen'])} items seen"
    with col.container(border=True):
        st.markdown(f"**{ui.escape_md(r['source_name'])}**")
        st.badge(str(r["status"]), color=BADGE.get(str(r["status"]), "gray"))
        st.caption(seen)

st.subheader("Source status per month")
st.caption("Each month's run that its report speaks for (v_month_run), as in the report's "
           "run health; every attempt is under “All runs” below.")
if health.empty:
    st.info("No per-source status recorded yet.")
else:
    grid = health.pivot_table(index="month", columns="source_name", values="status",
                              aggfunc="first").reset_index().sort_values("month", ascending=False)
    sources = sorted((c for c in grid.columns if c != "month"), key=str.lower)
    ui.table(grid, {"month": "month", **{s: s for s in sources}}, statuses=tuple(sources))

st.subheader("Failures")
failures = attempts[attempts["status"].isin(["failed", "partial"])]  # every attempt's
if failures.empty:
    st.success("No source failed in any run.")
else:
    failures = failures.assign(what=failures["error"].map(fmt.error_summary))
    ui.table(failures, {"month": "month", "source_name": "source", "status": "status",
                        "errors": "errors", "what": "what happened", "error": "raw error"},
             numbers=("errors",), statuses=("status",))

st.subheader("Carried forward")
carried = data.load_or(None, data.carried_forward)
if carried is None:
    pass
elif carried.empty:
    st.success("Every source was collected in every run: nothing carried forward.")
else:
    partial = carried["status"] == "partial"
    carried = carried.assign(
        # a partial source landed this month's values except its failed requests', whose
        # last values are carried one by one; a failed one carries its last collection's
        carried_from=carried["last_ok_month"].fillna("never collected").where(
            ~partial, "each value's own last month"),
        complete=carried["last_complete_month"].fillna("never"),
        what=carried["error"].map(fmt.error_summary),
        source_name=carried["source"].map(fmt.source_name))
    st.caption("When a source fails, its figures in that month's report are the last values "
               "collected, marked ↻ with the month they come from; when it is partial, only "
               "the failed requests' values are (“what happened” says why). A partial month "
               "is not a complete one: “last complete month” is the last month every request "
               "of the source succeeded. “Values carried” counts the items that had a value in "
               "the 12 months before and none in that month.")
    ui.table(carried, {"month": "month", "source_name": "source", "status": "status",
                       "what": "what happened", "values_carried": "values carried",
                       "carried_from": "values carried from",
                       "complete": "last complete month"},
             numbers=("values_carried",), statuses=("status",))

with st.expander("All runs"):
    ui.table(runs, {"month": "month", "run_id": "run", "flow": "flow", "mode": "mode",
                    "status": "status", "started_at": "started", "finished_at": "finished",
                    "note": "note"}, dates=("started_at", "finished_at"))
with st.expander("Per-source details (new: the month's, as in the report)"):
    ui.table(health, {"month": "month", "source_name": "source", "status": "status",
                      "items_seen": "seen", "items_new": "new", "items_updated": "updated",
                      "observations": "values", "requests": "requests",
                      "not_modified": "not modified (304)", "errors": "errors",
                      "error": "first error"},
             numbers=("items_seen", "items_new", "items_updated", "observations", "requests",
                      "not_modified", "errors"))
