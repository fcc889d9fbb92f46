"""Review: the queue (least confident first) with its total and this month's share, filters
by month / kind / reason; click a row to decide (several rows: one decision for all), with
the reviewer's name remembered for the session. Below it, the project links to review
(dashboard/link_review.py: accept / split / upstream, through landscape.project_review).

Decisions go to the review inbox first (always writable) and from there into the warehouse:
at once when no run holds the lock, else by the run's next write. Pending ones are shown.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import data, data_projects, fmt, link_review, review_duplicates
from dashboard.actions import record_reviews
from dashboard.cards import short
from landscape import review_inbox

st.title("Review")
ui.show_flash()
wh = data.warehouse()
reviewer = st.text_input("Reviewer", key="reviewer", persist_state="session",
                         placeholder="your name (required)")

pending = review_inbox.pending_decisions(wh.path)
if pending and review_inbox.drain_now(wh.path, timeout_s=0.2):
    data.clear_after_review()
    pending = review_inbox.pending_decisions(wh.path)

counts = data.load(data.review_counts)
total = int(counts["waiting"].sum()) if not counts.empty else 0
latest = counts["month"].max() if not counts.empty else None
this_month = int(counts.loc[counts["month"] == latest, "waiting"].sum()) if latest else 0
m1, m2, m3 = st.columns(3)
m1.metric("Waiting for review", fmt.human(total))
m2.metric(f"From {latest or 'this month'}", fmt.human(this_month),
          f"{100 * this_month / total:.0f} % of the queue" if total else None, delta_color="off",
          delta_arrow="off")
m3.metric("Decisions waiting for the warehouse", f"{len(pending)}")
st.caption("The queue: items (papers and out-of-scope guesses included) whose classification "
           "the classifier itself flagged as uncertain. Not the same count as the report's "
           "“machine suggestions awaiting review” (appendix C, and the Landscape page): every "
           "project of a category that nobody watched or reviewed, however confident.")

c1, c2, c3 = st.columns(3)
REASONS = ["low confidence", "near a boundary", "new cluster", "maybe out of scope",
           "no category fits"]
ui.from_url("rmonth", list(counts["month"]), default="")
month = c1.selectbox("Month classified", [""] + list(counts["month"]), key="rmonth",
                     format_func=lambda m: m or "every month")
all_kinds = data.load_or([], data.kinds)
ui.from_url("rkind", all_kinds, default=[], multi=True)
kinds = tuple(c2.multiselect("Kind", all_kinds, key="rkind"))
ui.from_url("reason", REASONS, default=[], multi=True)
reasons = tuple(c3.multiselect("Why it waits", REASONS, key="reason"))
for key, value, default in (("rmonth", month, ""), ("rkind", list(kinds), []),
                            ("reason", list(reasons), [])):
    ui.to_url(key, value, default=default)
queue = data.load(data.review_queue, month or None, kinds, reasons, 200)
waiting = {d.item_id for d in pending}
queue = queue[~queue["item_id"].isin(waiting)].reset_index(drop=True)
if queue.empty:
    st.success("Nothing waits for review." if not (month or kinds or reasons)
               else "Nothing waits for review with these filters.")
    link_review.section(reviewer)
    st.stop()

shown_total = int(queue["shown_total"].iloc[0])
st.subheader(f"Queue: least confident first ({fmt.human(shown_total)} with these filters)")
st.caption("Click a row to decide on it; tick several rows to give them one decision "
           "(near-duplicates, a batch of the same kind).")
queue = queue.assign(label=queue["title"].where(queue["kind"].isin(["paper", "post"])
                                                & queue["title"].notna(), queue["name"]),
                     category_name=queue["category"].map(ui.category_name))
event = st.dataframe(
    queue, key="review_queue", on_select="rerun", selection_mode="multi-row", hide_index=True,
    placeholder="—",
    width="stretch", height=min(420, 38 + 35 * len(queue)),
    column_order=["label", "kind", "category_name", "confidence", "reason", "month", "url"],
    column_config={"label": st.column_config.Column("name or title", width="medium"),
                   "category_name": st.column_config.Column("machine's category",
                                                            width="medium"),
                   "confidence": st.column_config.NumberColumn("confidence", format="%.2f"),
                   "kind": st.column_config.Column("kind", width="small"),
                   "reason": "why it waits",
                   "month": st.column_config.Column("month", width="small"),
                   "url": st.column_config.LinkColumn("link", display_text="open ↗",
                                                      width="small")})
rows = list(event.selection.rows) if event.selection.rows else [0]
chosen = queue.iloc[rows]
row = chosen.iloc[0]

dups = review_duplicates.EMPTY
with st.container(border=True):
    if len(chosen) > 1:
        st.markdown(f"**{len(chosen)} items selected:** "
                    + ", ".join(ui.escape_md(x) for x in chosen["label"]))
    else:
        st.markdown(f"**{ui.escape_md(row['label'])}** · {ui.escape_md(row['kind'])} · "
                    f"machine's category **{ui.escape_md(row['category_name'])}**, "
                    f"confidence {float(row['confidence'] or 0):.2f}")
        if isinstance(row["description"], str) and row["description"].strip():
            st.text(short(row["description"], 600))
        nb = ui.neighbours(row["neighbours"])
        if not nb.empty:
            named = data.load_or(pd.DataFrame(columns=["item_id", "name", "project_id"]),
                                 data_projects.neighbour_names, tuple(nb["item_id"].dropna()))
            nb = nb.merge(named[["item_id", "name", "kind"]], on="item_id", how="left")
            nb["category"] = nb["category"].map(ui.category_name)
            st.caption("Nearest labelled neighbours (why the machine chose this category)")
            ui.table(nb, {"name": "similar item", "kind": "kind", "category": "its category",
                          "similarity": "similarity"})
        dups = review_duplicates.offer(row, waiting)
    c1, c2 = st.columns([1, 2])
    decision = c1.radio("Decision", list(review_inbox.DECISIONS), key="review_decision",
                        format_func={"accept": "Accept the machine's category",
                                     "reassign": "Reassign to…",
                                     "out_of_scope": "Out of scope"}.get)
    category = c2.selectbox("Category (for reassign)", ui.taxonomy_ids(), key="review_category",
                            format_func=ui.category_name, disabled=decision != "reassign")
    note = c2.text_input("Note (optional)", key="review_note")
    n = len(chosen) + len(dups)
    label = "Record decision" + (f" for {n} items" if n > 1 else "")
    if st.button(label, key="review_submit", type="primary"):
        if not (reviewer or "").strip():
            st.error("Enter your name as reviewer first: every decision is a person's.")
        elif not dups.empty:  # one item and its near-duplicates
            items, notes = review_duplicates.decisions(row, dups, note)
            record_reviews(items, decision, reviewer, category, note, notes)
            st.rerun()
        else:
            record_reviews([(r["item_id"], r["category"], r["label"]) for _, r in chosen.iterrows()],
                           decision, reviewer, category, note)
            st.rerun()

# which items belong to which project: the link queue and its decisions (dashboard/link_review.py)
link_review.section(reviewer)

st.subheader("Decisions")
recorded = data.load_or(pd.DataFrame(), data.recent_decisions, 50)
rejected = review_inbox.rejected_decisions(wh.path)
frames = [ui.pending_frame(pending).assign(status="pending (waits for the warehouse)"),
          recorded.assign(status="in the warehouse"),
          ui.pending_frame(rejected).assign(status=[f"refused: {d.error}" for d in rejected])]
frames = [f for f in frames if not f.empty]
if not frames:
    st.info("No review decisions yet.")
else:
    decisions = pd.concat(frames, ignore_index=True)
    names = data.load_or(pd.DataFrame(columns=["item_id", "name", "title", "kind"]),
                         data.items_by_id, tuple(decisions["item_id"].unique()))
    decisions = decisions.drop(columns=[c for c in ("name",) if c in decisions]).merge(
        names.assign(name=names["title"].where(names["kind"].isin(["paper", "post"])
                                               & names["title"].notna(), names["name"]))[
            ["item_id", "name"]], on="item_id", how="left")
    decisions["category"] = decisions["category"].map(ui.category_name)
    last = decisions.iloc[0]
    st.caption(f"Latest: {ui.escape_md(last['name'])} → {ui.escape_md(last['category'])}, "
               f"by {ui.escape_md(last['reviewer'])} ({last['status']})")
    ui.table(decisions, {"status": "status", "name": "item", "decision": "decision",
                         "category": "category", "reviewer": "reviewer",
                         "decided_at": "decided", "note": "note"}, dates=("decided_at",))
st.page_link("views/report.py", label="Publish the month's draft on the Report page",
             icon=":material/publish:")
