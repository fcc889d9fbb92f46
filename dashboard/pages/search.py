"""Search: semantic search over every kind of item, with filters; results link to sources."""

from __future__ import annotations

import streamlit as st

from dashboard import components as ui
from dashboard import data

st.title("Search")

query = st.text_input("Search the landscape", key="search_query",
                      placeholder="e.g. vector database in Rust, autodiff, wasm inference")
c1, c2, c3, c4 = st.columns([1, 2, 1, 1])
kinds = tuple(c1.multiselect("Kind", data.load_or([], data.kinds), key="search_kinds"))
cats = tuple(c2.multiselect("Category", data.load_or([], data.categories), key="search_cats",
                            format_func=ui.category_label))
months = data.load(data.months)
month = c3.selectbox("Month", ["any"] + list(reversed(months)), key="search_month")
limit = c4.number_input("Results", min_value=5, max_value=200, value=20, step=5,
                        key="search_limit")

if not query.strip():
    st.info("Type a query to search crates, repositories, papers and posts.")
    st.stop()

results = data.load(data.search, query.strip(), kinds, cats,
                    None if month == "any" else month, int(limit))
if results.empty:
    st.info("No results for this query and these filters.")
    st.stop()

match = results["match"].iloc[0] if "match" in results else "semantic"
st.caption(f"{len(results)} result(s) · {match} search")
cols = [c for c in ("name", "kind", "category", "score", "title", "snippet", "url", "item_id")
        if c in results]
ui.table(results[cols])
