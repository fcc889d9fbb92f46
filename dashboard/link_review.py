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
from typing import Any

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
        ui.flash("error", ui.t("link.not_recorded", error=exc))
        return "refused"
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        log.info("link decision: warehouse busy: %s", str(exc)[:200])
        ui.flash("warning", ui.t("link.busy"))
        return "busy"
    data.clear_after_review()
    ui.flash("success", ui.t("link.recorded", item=item_id, project=project_id,
                             decision=ui.t(f"link.{decision}")))
    return "applied"


def _worded(key: str, value: Any) -> Any:
    """A value in the reader's language when ui_text.toml has words for it ([link_kind],
    [evidence]), else as it is."""
    return ui.t(key) if ui.has(key) else value


def section(reviewer: str | None) -> None:
    """The link queue (likeliest first) and the decision form for the selected row."""
    queue = data.load_or(pd.DataFrame(columns=COLUMNS), link_queue)
    title = ui.t("link.title", n=len(queue))
    with st.expander(title, expanded=not queue.empty):
        if queue.empty:
            st.caption(ui.t("link.none"))
            return
        st.caption(ui.t("link.note"))
        queue = queue.assign(kind=queue["kind"].map(lambda k: _worded(f"link_kind.{k}", k)),
                             reason=queue["reason"].map(lambda r: _worded(f"evidence.{r}", r)))
        event = st.dataframe(
            queue, key="link_queue", on_select="rerun", selection_mode="single-row",
            hide_index=True, placeholder="—", width="stretch",
            height=min(300, 38 + 35 * len(queue)),
            column_order=["item_name", "project_name", "kind", "reason", "confidence",
                          "evidence_url"],
            column_config={"item_name": ui.t("link.item"), "project_name": ui.t("link.project"),
                           "kind": st.column_config.Column(ui.t("link.kind"), width="small"),
                           "reason": ui.t("link.reason"),
                           "confidence": st.column_config.NumberColumn(ui.t("link.confidence"),
                                                                       format="%.2f"),
                           "evidence_url": st.column_config.LinkColumn(
                               ui.t("link.evidence"), display_text=ui.t("common.open_link"),
                               width="small")})
        row = queue.iloc[event.selection.rows[0] if event.selection.rows else 0]
        st.markdown(f"**{ui.escape_md(row['item_name'] or row['item_id'])}** "
                    f"(`{ui.escape_md(row['item_id'])}`) {ui.t('link.to_project')} "
                    f"**{ui.escape_md(row['project_name'] or row['project_id'])}** · "
                    f"{ui.escape_md(row['kind'])}: {ui.escape_md(row['reason'])}")
        decision = st.radio(ui.t("link.decision"), list(DECISIONS), key="link_decision",
                            format_func=lambda d: ui.t(f"link.{d}"))
        note = st.text_input(ui.t("common.note_optional"), key="link_note")
        if st.button(ui.t("link.record"), key="link_submit"):
            if not (reviewer or "").strip():
                st.error(ui.t("common.name_first"))
            else:
                record_link(str(row["item_id"]), str(row["project_id"]), decision,
                            reviewer.strip(), note)
                st.rerun()
