"""The Review page's project-link section: uncertain and proposed merges of items into
projects, and a person's decision on one.

The decision is `landscape.project_review.decide_link` (the one home of that logic; the CLI's
`panorama review link` calls it too): accept (the item is part of the project), split (it is
not: a wrong merge undone, a proposal rejected) or upstream (the project builds on it). It is
kept in `project_link_decisions`, read by every resolution, so it sticks across runs. It is
written at once; when a run holds the warehouse, the page says so and nothing is recorded.
"""

from __future__ import annotations

import logging

import duckdb
import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import data
from dashboard.data import TTL_S, _q, clear_after_review_too
from landscape.project_review import DECISIONS, decide_link, link_review_queue
from warehouse import db

log = logging.getLogger(__name__)

COLUMNS = ["item_id", "item_name", "project_id", "project_name", "kind", "reason",
           "evidence_url", "confidence"]
LABELS = {"accept": "Accept: it is part of the project",
          "split": "Reject / split: it is not part of the project",
          "upstream": "Upstream: the project builds on it (a relation, not a member)"}


@clear_after_review_too
@st.cache_data(ttl=TTL_S, show_spinner=False)
def link_queue(db_file: str, version: int) -> pd.DataFrame:
    rows = _q(link_review_queue, db_file)
    return pd.DataFrame([r.__dict__ for r in rows], columns=COLUMNS)


def record_link(item_id: str, project_id: str, decision: str, reviewer: str,
                note: str | None) -> str:
    """Record one link decision (and re-resolve the projects); returns 'applied', 'busy' or
    'refused', after flashing what happened."""
    wh = data.warehouse()
    try:
        with db.connect(path=wh.path, lock_timeout_s=0.5) as con:
            decide_link(con, item_id, project_id, decision, reviewer=reviewer,
                        note=note or None)
    except ValueError as exc:
        ui.flash("error", f"Link decision not recorded: {exc}")
        return "refused"
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        log.info("link decision: warehouse busy: %s", str(exc)[:200])
        ui.flash("warning", "Warehouse busy: a run is writing it, the link decision was NOT "
                            "recorded. Decide again when the run has finished.")
        return "busy"
    data.clear_after_review()
    ui.flash("success", f"Link decision recorded: {item_id} / {project_id}: {decision}.")
    return "applied"


def section(reviewer: str | None) -> None:
    """The link queue (likeliest first) and the decision form for the selected row."""
    queue = data.load_or(pd.DataFrame(columns=COLUMNS), link_queue)
    title = f"Project links to review ({len(queue)})"
    with st.expander(title, expanded=not queue.empty):
        if queue.empty:
            st.caption("No project link waits for a decision.")
            return
        st.caption("Which items belong to which project. A *merge* was made on weak evidence "
                   "(it counts until decided); a *proposal* (e.g. the same name) was not made: "
                   "name similarity never merges on its own.")
        event = st.dataframe(
            queue, key="link_queue", on_select="rerun", selection_mode="single-row",
            hide_index=True, placeholder="—", width="stretch",
            height=min(300, 38 + 35 * len(queue)),
            column_order=["item_name", "project_name", "kind", "reason", "confidence",
                          "evidence_url"],
            column_config={"item_name": "item", "project_name": "project",
                           "kind": st.column_config.Column("kind", width="small"),
                           "reason": "evidence or reason",
                           "confidence": st.column_config.NumberColumn("confidence",
                                                                       format="%.2f"),
                           "evidence_url": st.column_config.LinkColumn(
                               "evidence", display_text="open ↗", width="small")})
        row = queue.iloc[event.selection.rows[0] if event.selection.rows else 0]
        st.markdown(f"**{ui.escape_md(row['item_name'] or row['item_id'])}** "
                    f"(`{ui.escape_md(row['item_id'])}`) → project "
                    f"**{ui.escape_md(row['project_name'] or row['project_id'])}** · "
                    f"{ui.escape_md(row['kind'])}: {ui.escape_md(row['reason'])}")
        decision = st.radio("Link decision", list(DECISIONS), key="link_decision",
                            format_func=LABELS.get)
        note = st.text_input("Note (optional)", key="link_note")
        if st.button("Record link decision", key="link_submit"):
            if not (reviewer or "").strip():
                st.error("Enter your name as reviewer first: every decision is a person's.")
            else:
                record_link(str(row["item_id"]), str(row["project_id"]), decision,
                            reviewer.strip(), note)
                st.rerun()
