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

st.title(ui.t("nav.review"))
ui.show_flash()
wh = data.warehouse()
reviewer = st.text_input(ui.t("common.reviewer"), key="reviewer", persist_state="session",
                         placeholder=ui.t("common.reviewer_placeholder"))

pending = review_inbox.pending_decisions(wh.path)
if pending and review_inbox.drain_now(wh.path, timeout_s=0.2):
    data.clear_after_review()
    pending = review_inbox.pending_decisions(wh.path)

counts = data.load(data.review_counts)
total = int(counts["waiting"].sum()) if not counts.empty else 0
latest = counts["month"].max() if not counts.empty else None
this_month = int(counts.loc[counts["month"] == latest, "waiting"].sum()) if latest else 0
m1, m2, m3 = st.columns(3)
m1.metric(ui.t("review.waiting"), fmt.human(total))
m2.metric(ui.t("review.from_month", month=latest or ui.t("review.this_month")),
          fmt.human(this_month),
          ui.t("review.share", pct=f"{100 * this_month / total:.0f}") if total else None,
          delta_color="off", delta_arrow="off")
m3.metric(ui.t("review.inbox"), f"{len(pending)}")
st.caption(ui.t("review.queue_note"))

c1, c2, c3 = st.columns(3)
REASONS = ["low confidence", "near a boundary", "new cluster", "maybe out of scope",
           "no category fits"]  # the queue's reason texts (dashboard.queries_items)


def reason_name(reason: object) -> str:
    """Why an item waits, in the reader's language (ui_text.toml [reason])."""
    slug = str(reason).replace(" ", "_")
    key = f"reason.{slug}"
    return ui.t(key) if ui.has(key) else str(reason)


ui.from_url("rmonth", list(counts["month"]), default="")
month = c1.selectbox(ui.t("review.month_classified"), [""] + list(counts["month"]), key="rmonth",
                     format_func=lambda m: m or ui.t("review.every_month"))
all_kinds = data.load_or([], data.kinds)
ui.from_url("rkind", all_kinds, default=[], multi=True)
kinds = tuple(c2.multiselect(ui.t("common.kind"), all_kinds, key="rkind", format_func=ui.kind_name,
                             placeholder=ui.t("common.choose")))
ui.from_url("reason", REASONS, default=[], multi=True)
reasons = tuple(c3.multiselect(ui.t("review.why_waits"), REASONS, key="reason",
                               format_func=reason_name, placeholder=ui.t("common.choose")))
for key, value, default in (("rmonth", month, ""), ("rkind", list(kinds), []),
                            ("reason", list(reasons), [])):
    ui.to_url(key, value, default=default)
queue = data.load(data.review_queue, month or None, kinds, reasons, 200)
waiting = {d.item_id for d in pending}
queue = queue[~queue["item_id"].isin(waiting)].reset_index(drop=True)
if queue.empty:
    st.success(ui.t("review.nothing") if not (month or kinds or reasons)
               else ui.t("review.nothing_filtered"))
    link_review.section(reviewer)
    st.stop()

shown_total = int(queue["shown_total"].iloc[0])
st.subheader(ui.t("review.queue_title", n=fmt.human(shown_total)))
st.caption(ui.t("review.queue_hint"))
queue = queue.assign(label=queue["title"].where(queue["kind"].isin(["paper", "post"])
                                                & queue["title"].notna(), queue["name"]),
                     category_name=queue["category"].map(ui.category_name),
                     kind_name=queue["kind"].map(ui.kind_name),
                     reason_name=queue["reason"].map(reason_name))
event = st.dataframe(
    queue, key="review_queue", on_select="rerun", selection_mode="multi-row", hide_index=True,
    placeholder="—",
    width="stretch", height=min(420, 38 + 35 * len(queue)),
    column_order=["label", "kind_name", "category_name", "confidence", "reason_name", "month",
                  "url"],
    column_config={"label": st.column_config.Column(ui.t("review.name_or_title"), width="medium"),
                   "category_name": st.column_config.Column(ui.t("review.machines_category"),
                                                            width="medium"),
                   "confidence": st.column_config.NumberColumn(ui.t("review.confidence"),
                                                               format="%.2f"),
                   "kind_name": st.column_config.Column(ui.t("review.kind"), width="small"),
                   "reason_name": ui.t("review.why_col"),
                   "month": st.column_config.Column(ui.t("review.month"), width="small"),
                   "url": st.column_config.LinkColumn(ui.t("common.link"),
                                                      display_text=ui.t("common.open_link"),
                                                      width="small")})
rows = list(event.selection.rows) if event.selection.rows else [0]
chosen = queue.iloc[rows]
row = chosen.iloc[0]

dups = review_duplicates.EMPTY
with st.container(border=True):
    if len(chosen) > 1:
        st.markdown(f"**{ui.t('review.selected', n=len(chosen))}** "
                    + ", ".join(ui.escape_md(x) for x in chosen["label"]))
    else:
        st.markdown(f"**{ui.escape_md(row['label'])}** · {ui.escape_md(row['kind_name'])} · "
                    + ui.t("review.one", category=ui.escape_md(row["category_name"]),
                           c=f"{float(row['confidence'] or 0):.2f}"))
        if isinstance(row["description"], str) and row["description"].strip():
            st.text(short(row["description"], 600))
        nb = ui.neighbours(row["neighbours"])
        if not nb.empty:
            named = data.load_or(
                pd.DataFrame(columns=["item_id", "name", "project_id", "kind", "definition"]),
                data_projects.neighbour_names, tuple(nb["item_id"].dropna()))
            nb = ui.neighbour_named(nb.merge(named[["item_id", "name", "kind", "definition"]],
                                             on="item_id", how="left"))
            nb["category"] = nb["category"].map(ui.category_name)
            st.caption(ui.t("review.neighbours"))
            ui.table(nb.assign(kind=nb["kind"].map(ui.kind_name)),
                     {"name": ui.t("review.similar"), "kind": ui.t("review.kind"),
                      "category": ui.t("review.its_category"),
                      "similarity": ui.t("review.similarity")})
        dups = review_duplicates.offer(row, waiting)
    c1, c2 = st.columns([1, 2])
    decision = c1.radio(ui.t("review.decision"), list(review_inbox.DECISIONS),
                        key="review_decision", format_func=lambda d: ui.t(f"review.{d}"))
    category = c2.selectbox(ui.t("review.category_for"), ui.taxonomy_ids(), key="review_category",
                            format_func=ui.category_name, disabled=decision != "reassign")
    note = c2.text_input(ui.t("common.note_optional"), key="review_note")
    n = len(chosen) + len(dups)
    label = ui.t("review.record_n", n=n) if n > 1 else ui.t("review.record")
    if st.button(label, key="review_submit", type="primary"):
        if not (reviewer or "").strip():
            st.error(ui.t("common.name_first"))
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

st.subheader(ui.t("review.decisions"))
recorded = data.load_or(pd.DataFrame(), data.recent_decisions, 50)
rejected = review_inbox.rejected_decisions(wh.path)
frames = [ui.pending_frame(pending).assign(status=ui.t("review.pending")),
          recorded.assign(status=ui.t("review.in_warehouse")),
          ui.pending_frame(rejected).assign(status=[ui.t("review.refused", error=d.error)
                                                    for d in rejected])]
frames = [f for f in frames if not f.empty]
if not frames:
    st.info(ui.t("review.no_decisions"))
else:
    decisions = pd.concat(frames, ignore_index=True)
    names = data.load_or(pd.DataFrame(columns=["item_id", "name", "title", "kind"]),
                         data.items_by_id, tuple(decisions["item_id"].unique()))
    decisions = decisions.drop(columns=[c for c in ("name",) if c in decisions]).merge(
        names.assign(name=names["title"].where(names["kind"].isin(["paper", "post"])
                                               & names["title"].notna(), names["name"]))[
            ["item_id", "name"]], on="item_id", how="left")
    decisions["category"] = decisions["category"].map(ui.category_name)
    decisions["decision"] = decisions["decision"].map(
        lambda d: ui.t(f"decision.{d}") if ui.has(f"decision.{d}") else d)
    last = decisions.iloc[0]
    st.caption(ui.t("review.latest", name=ui.escape_md(last["name"]),
                    category=ui.escape_md(last["category"]),
                    reviewer=ui.escape_md(last["reviewer"]), status=last["status"]))
    ui.table(decisions, {"status": ui.t("review.status"), "name": ui.t("review.item"),
                         "decision": ui.t("review.decision_col"),
                         "category": ui.t("review.category"),
                         "reviewer": ui.t("review.reviewer_col"),
                         "decided_at": ui.t("review.decided"), "note": ui.t("review.note")},
             dates=("decided_at",))
st.page_link("views/report.py", label=ui.t("review.publish_link"),
             icon=":material/publish:")
