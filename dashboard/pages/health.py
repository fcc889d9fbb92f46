"""Health: source status per run, failures, and values carried forward."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import data

st.title("Run health")
runs = data.load(data.runs)
if runs.empty:
    st.info("No runs yet: run `panorama demo` (or `panorama monthly YYYY-MM`) to collect.")
    st.stop()

health = data.load(data.source_health)
latest = runs.iloc[0]
st.subheader(f"Latest run {latest['run_id']} ({latest['month']}): {latest['status']}")
now = health[health["run_id"] == latest["run_id"]]
cols = st.columns(max(1, len(now)))
for col, (_, r) in zip(cols, now.iterrows(), strict=False):
    seen = "unknown" if pd.isna(r["items_seen"]) else f"{int(r['items_seen'])} seen"
    col.metric(r["source"], r["status"], seen, delta_color="off")

st.subheader("Source status per run")
if health.empty:
    st.info("No per-source status recorded yet.")
else:
    grid = health.pivot_table(index=["month", "run_id"], columns="source", values="status",
                              aggfunc="first").reset_index()
    ui.table(grid.sort_values("month", ascending=False))

st.subheader("Failures")
failures = health[health["status"].isin(["failed", "partial"])]
if failures.empty:
    st.success("No source failed in any run.")
else:
    ui.table(failures[["run_id", "source", "status", "errors", "error"]])

st.subheader("Carried forward")
carried = data.load_or(None, data.carried_forward)
if carried is None:
    pass
elif carried.empty:
    st.success("Every source was collected in every run: nothing carried forward.")
else:
    carried = carried.assign(carried_from=carried["last_ok_month"].fillna("never collected"))
    st.caption("When a source fails, its figures in that month's report are the last good "
               "values, marked with the month they come from.")
    ui.table(carried[["run_id", "source", "status", "carried_from", "items_carried"]])

with st.expander("All runs"):
    ui.table(runs)
with st.expander("Per-source details"):
    ui.table(health)
