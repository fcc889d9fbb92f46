"""Landscape: the categories as cards, then a category's projects as cards (CNCF-landscape
style); every filter is kept in the URL so a view can be shared."""

from __future__ import annotations

import streamlit as st

from dashboard import components as ui
from dashboard import data, data_projects, fmt
from dashboard.cards import HEALTH_BADGE, SORTS, category_card, project_card, sort_cards

st.title("Landscape")
options = data.load(data.trend_options)
months = options["months"]
if not months:
    st.info("No observations yet: the landscape appears after the first collection run "
            "(`panorama demo` or `panorama monthly YYYY-MM`).")
    st.stop()

c1, c2, c3, c4 = st.columns([1, 1.4, 1.2, 1])
newest = months[-1]
ui.from_url("month", months, default=newest)
month = c1.selectbox("Month", list(reversed(months)), key="month")
ui.from_url("sort", SORTS, default="trend")
sort = c2.selectbox("Sort by", list(SORTS), key="sort", format_func=SORTS.get)
ui.from_url("health", list(HEALTH_BADGE), default=[], multi=True)
health = c3.multiselect("Health", list(HEALTH_BADGE), key="health",
                        format_func=lambda h: HEALTH_BADGE[h][0])
ui.from_url("all", default=False, cast=lambda v: v == "1")
scope = c4.toggle("Show out of scope", key="all",
                  help="Crates and repositories the classifier put outside the AI × Rust "
                       "landscape (e.g. general web or async libraries).")
prev = ui.month_before(months, month)

ids = [c for c in fmt.taxonomy_order() if scope or c != "out_of_scope"]
ui.from_url("category", ids, default="")
category = st.selectbox("Category", [""] + ids, key="category",
                        format_func=lambda c: "All categories" if not c else ui.category_name(c))
ui.to_url("month", month, default=newest)
ui.to_url("sort", sort, default="trend")
ui.to_url("health", health, default=[])
ui.to_url("all", "1" if scope else "", default="")
ui.to_url("category", category, default="")

if not category:
    counts = data.load(data_projects.category_counts, month, prev, tuple(health))
    counts = counts.set_index("category")
    shown = [c for c in ids if c in counts.index]
    st.caption(f"{fmt.count(int(counts.loc[shown, 'projects'].sum()), 'project')} in "
               f"{fmt.count(len(shown), 'category', 'categories')} · {month}"
               + (f" vs {prev}" if prev else "")
               + " · open a category to see its projects")
    for row_start in range(0, len(shown), 4):
        for col, cid in zip(st.columns(4), shown[row_start:row_start + 4], strict=False):
            with col:
                category_card(cid, counts.loc[cid])
    st.stop()

cards = data.load(data_projects.project_cards, month, prev, category, (), True)  # + badges
if health:
    cards = cards[cards["health"].isin(health)]
in_cat = sort_cards(cards, sort)
st.subheader(f"{ui.category_name(category)} · {fmt.count(len(in_cat), 'project')}")
if in_cat.empty:
    st.info("No project in this category for these filters.")
    st.stop()
st.caption("Monthly downloads summed over a project's crates; stars of its repository; "
           "▲▼ against the month before. Click a name to open the project.")
top = in_cat.head(60)
for row_start in range(0, len(top), 3):
    for col, (_, card) in zip(st.columns(3), top.iloc[row_start:row_start + 3].iterrows(),
                              strict=False):
        with col:
            project_card(card)
if len(in_cat) > len(top):
    st.caption(f"Showing the first {len(top)} of {len(in_cat)}; narrow with the filters above.")
