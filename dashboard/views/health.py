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
    ui.table(failures, {"month": "month", "source_name": "source", "status": "status",
                        "errors": "errors", "error": "first error"}, numbers=("errors",),
             statuses=("status",))

st.subheader("Carried forward")
carried = data.load_or(None, data.carried_forward)
if carried is None:
    pass
elif carried.empty:
    st.success("Every source was collected in every run: nothing carried forward.")
else:
    carried = carried.assign(
        carried_from=carried["last_ok_month"].fillna("never collected"),
        source_name=carried["source"].map(fmt.source_name))
    st.caption("When a source fails, its figures in that month's report are the last good "
               "values, marked ↻ with the month they come from. “Values carried” counts the "
               "items that had a value in the 12 months before and none in that month.")
    ui.table(carried, {"month": "month", "source_name": "source", "status": "status",
                       "carried_from": "last good month", "values_carried": "values carried"},
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
