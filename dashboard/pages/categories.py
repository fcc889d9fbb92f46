"""Categories: the items of each category with confidence and why (nearest neighbours)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import data
from landscape import review_inbox

st.title("Categories")
summary = data.load(data.category_summary)
if summary.empty:
    st.info("No classification yet: categories appear after the classify step of a run.")
    st.stop()

pending = review_inbox.pending_decisions(data.warehouse().path)
summary = summary.assign(label=summary["category"].map(ui.category_label))
left, right = st.columns([1, 1])
with left:
    ui.table(summary[["label", "items", "avg_confidence", "by_review", "needs_review"]])
with right:
    st.altair_chart(
        alt.Chart(summary).mark_bar()
        .encode(x=alt.X("items:Q"), y=alt.Y("category:N", sort="-x", title=None),
                tooltip=["label", "items", "avg_confidence", "needs_review"])
        .properties(height=max(160, 24 * len(summary))),
        width="stretch")

c1, c2 = st.columns([2, 1])
category = c1.selectbox("Category", list(summary["category"]), key="cat_category",
                        format_func=ui.category_label)
kinds = tuple(c2.multiselect("Kind", data.load_or([], data.kinds), key="cat_kinds"))
items = data.load(data.category_items, category, kinds, 500)
if items.empty:
    st.info("No items in this category for these filters.")
    st.stop()

total = int(items["total"].iloc[0])
st.subheader(f"{ui.category_label(category)}: {total:,} items"
             + (" (showing the 500 most confident)" if total > len(items) else ""))
shown = ui.overlay_pending(items, pending)
ui.table(shown[["name", "kind", "confidence", "decided_by", "method", "needs_review", "url"]])
if pending:
    st.caption(f"{len(pending)} review decision(s) wait in the inbox and are shown as "
               "'review (pending)' until the warehouse has them.")

st.subheader("Why: nearest labelled neighbours")
labels = dict(zip(items["item_id"], items["name"], strict=True))
item_id = st.selectbox("Item", list(items["item_id"]), key="cat_item",
                       format_func=lambda i: f"{labels.get(i, i)} ({i})")
row = items.set_index("item_id").loc[item_id]
st.caption(f"Decided by **{ui.escape_md(row['decided_by'])}**"
           f" · method {ui.escape_md(row['method'])}"
           + (f" · confidence {row['confidence']:.2f}" if row["confidence"] == row["confidence"]
              and row["confidence"] is not None else ""))
if row.get("title") and row["title"] != row["name"]:
    st.text(row["title"])
nb = ui.neighbours(row["neighbours"])
if nb.empty:
    st.info("No neighbours stored: this item's category comes from the watchlist or a "
            "reviewer, not from a vote of neighbours.")
else:
    names = data.load_or(pd.DataFrame(columns=["item_id", "name", "url"]), data.items_by_id,
                         tuple(nb["item_id"].dropna()))
    nb = nb.merge(names[["item_id", "name", "url"]], on="item_id", how="left")
    ui.table(nb[["name", "item_id", "category", "similarity", "url"]])
