"""Review: the queue (least confident first); accept, reassign or mark out of scope, with
the reviewer's name; publish the month's draft.

Decisions go to the review inbox first (always writable) and from there into the warehouse:
at once when no run holds the lock, else by the run's next write. Pending ones are shown.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import data
from dashboard.actions import publish_month, record_review
from landscape import review_inbox

st.title("Review")
ui.show_flash()
wh = data.warehouse()
reviewer = st.text_input("Reviewer", key="reviewer", placeholder="your name (required)")

pending = review_inbox.pending_decisions(wh.path)
if pending and review_inbox.drain_now(wh.path, timeout_s=0.2):
    data.clear_after_review()
    pending = review_inbox.pending_decisions(wh.path)

queue = data.load(data.review_queue, 200)
waiting = {d.item_id for d in pending}
queue = queue[~queue["item_id"].isin(waiting)] if not queue.empty else queue

st.subheader("Queue: least confident first")
if queue.empty:
    st.success("Nothing waits for review.")
else:
    ui.table(queue[[c for c in ("name", "kind", "category", "confidence", "method", "url")
                    if c in queue]], height=min(420, 38 + 35 * len(queue)))
    labels = dict(zip(queue["item_id"], queue.get("name", queue["item_id"]), strict=True))
    item_id = st.selectbox("Item to review", list(queue["item_id"]), key="review_item",
                           format_func=lambda i: f"{labels.get(i, i)} ({i})")
    row = queue.set_index("item_id").loc[item_id]
    detail = data.load_or(None, data.item_detail, item_id) or {}
    st.markdown(f"**{ui.escape_md(detail.get('name') or labels.get(item_id))}** · "
                f"{ui.escape_md(detail.get('kind'))} · machine category "
                f"**{ui.escape_md(ui.category_label(row.get('category')))}**, confidence "
                f"{float(row.get('confidence') or 0):.2f}")
    if detail.get("description"):
        st.text(str(detail["description"])[:1000])
    nb = ui.neighbours(row.get("neighbours", detail.get("neighbours")))
    if not nb.empty:
        st.caption("Nearest labelled neighbours (why the machine chose this category)")
        ui.table(nb)

    c1, c2 = st.columns([1, 2])
    decision = c1.radio("Decision", list(review_inbox.DECISIONS), key="review_decision",
                        format_func={"accept": "Accept the category",
                                     "reassign": "Reassign to…",
                                     "out_of_scope": "Out of scope"}.get)
    ids = ui.taxonomy_ids()
    category = c2.selectbox("Category (for reassign)", ids, key="review_category",
                            format_func=ui.category_label,
                            disabled=decision != "reassign")
    note = c2.text_input("Note (optional)", key="review_note")
    if st.button("Record decision", key="review_submit", type="primary"):
        if not reviewer.strip():
            st.error("Enter your name as reviewer first: every decision is a person's.")
        else:
            chosen = {"accept": row.get("category"), "reassign": category,
                      "out_of_scope": "out_of_scope"}[decision]
            record_review(item_id, decision, reviewer, chosen, note)
            st.rerun()

st.subheader("Decisions")
recorded = data.load_or(pd.DataFrame(), data.recent_decisions, 50)
rejected = review_inbox.rejected_decisions(wh.path)
frames = [ui.pending_frame(pending).assign(status="pending (waits for the warehouse)"),
          recorded.assign(status="in the warehouse"),
          ui.pending_frame(rejected).assign(status=[f"refused: {d.error}" for d in rejected])]
decisions = pd.concat([f for f in frames if not f.empty], ignore_index=True) \
    if any(not f.empty for f in frames) else pd.DataFrame()
if decisions.empty:
    st.info("No review decisions yet.")
else:
    ui.table(decisions[[c for c in ("status", "item_id", "name", "decision", "category",
                                    "reviewer", "decided_at", "note") if c in decisions]])

st.subheader("Publish the month's draft")
revisions = data.load_or(pd.DataFrame(columns=["month", "status"]), data.report_revisions)
published = set(data.load_or(pd.DataFrame(columns=["month"]), data.publications)["month"])
drafts = sorted({m for m in revisions.loc[revisions["status"] == "draft", "month"]
                 if m not in published}, reverse=True)
if not drafts:
    st.info("No draft waits for publication.")
else:
    month = st.selectbox("Draft month", drafts, key="publish_month")
    if pending:
        st.caption(f"{len(pending)} decision(s) still wait for the warehouse; they will be "
                   "applied before publishing.")
    if st.button(f"Publish {month}", key="publish_button"):
        if not reviewer.strip():
            st.error("Enter your name as reviewer first: publishing is a person's decision.")
        else:
            kind, message = publish_month(month, reviewer)
            ui.flash(kind, message)
            st.rerun()
