"""Landscape: the categories as cards, then a category's projects as cards (CNCF-landscape
style); every filter is kept in the URL so a view can be shared.

Counted as the report counts (`dashboard.queries_scope`, the report's own queries): the
landscape is the watched and person-reviewed projects; the classifier's other placements are
machine suggestions awaiting review, counted and listed apart (the report's appendix C)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import data, data_projects, fmt
from dashboard.cards import (
    HEALTH_BADGE,
    SORTS,
    category_card,
    health_badge,
    project_card,
    sort_cards,
    suggestions_text,
)

st.title(ui.t("nav.landscape"))
options = data.load(data.trend_options)
months = options["months"]
if not months:
    st.info(ui.t("browse.empty"))
    st.stop()

c1, c2, c3, c4 = st.columns([1, 1.4, 1.2, 1])
newest = months[-1]
ui.from_url("month", months, default=newest)
month = c1.selectbox(ui.t("common.month"), list(reversed(months)), key="month")
ui.from_url("sort", SORTS, default="trend")
sort = c2.selectbox(ui.t("browse.sort_by"), list(SORTS), key="sort",
                    format_func=lambda s: ui.t(f"sort.{s}"))
ui.from_url("health", list(HEALTH_BADGE), default=[], multi=True)
health = c3.multiselect(ui.t("browse.health"), list(HEALTH_BADGE), key="health",
                        format_func=lambda h: health_badge(h)[0],
                        placeholder=ui.t("common.choose"))
ui.from_url("all", default=False, cast=lambda v: v == "1")
scope = c4.toggle(ui.t("browse.show_out"), key="all", help=ui.t("browse.show_out_help"))
prev = ui.month_before(months, month)

ids = [c for c in fmt.taxonomy_order() if scope or c != "out_of_scope"]
ui.from_url("category", ids, default="")
category = st.selectbox(ui.t("common.category"), [""] + ids, key="category",
                        format_func=lambda c: ui.category_name(c) if c else
                        ui.t("browse.all_categories"))
ui.to_url("month", month, default=newest)
ui.to_url("sort", sort, default="trend")
ui.to_url("health", health, default=[])
ui.to_url("all", "1" if scope else "", default="")
ui.to_url("category", category, default="")

if not category:
    counts = data.load(data_projects.landscape_counts, month, prev, tuple(health))
    if scope:  # out of scope is no category of the report: every project of it, as placed
        out = data.load(data_projects.category_counts, month, prev, tuple(health))
        counts = pd.concat([counts, out[out["category"] == "out_of_scope"]])
    counts = counts.set_index("category")
    shown = [c for c in ids if c in counts.index]
    pending = suggestions_text(counts.loc[shown, "suggestions"].fillna(0).sum())
    st.caption(ui.t("browse.summary", projects=ui.count(int(counts.loc[shown, "projects"].sum()),
                                                         "project"),
                    categories=ui.count(len(shown), "category"))
               + (f" · {pending}" if pending else "") + f" · {month}"
               + (ui.t("common.vs", prev=prev) if prev else "") + ui.t("browse.open_hint"))
    st.caption(ui.t("browse.as_report"))
    for row_start in range(0, len(shown), 4):
        for col, cid in zip(st.columns(4), shown[row_start:row_start + 4], strict=False):
            with col:
                category_card(cid, counts.loc[cid])
    st.stop()

if category == "out_of_scope":
    cards = data.load(data_projects.project_cards, month, prev, category)
    cards = cards.assign(suggested=False)
else:
    cards = data.load(data_projects.landscape_cards, month, prev, category)
if health:
    cards = cards[cards["health"].isin(health)]
in_cat = sort_cards(cards[~cards["suggested"].astype(bool)], sort)
suggested = sort_cards(cards[cards["suggested"].astype(bool)], sort)
pending = suggestions_text(len(suggested))
st.subheader(f"{ui.category_name(category)} · {ui.count(len(in_cat), 'project')}"
             + (f" · {pending}" if pending else ""))
st.caption(ui.t("browse.figures_note"))


def show_cards(frame: pd.DataFrame, limit: int = 60) -> None:
    top = frame.head(limit)
    for row_start in range(0, len(top), 3):
        for col, (_, card) in zip(st.columns(3), top.iloc[row_start:row_start + 3].iterrows(),
                                  strict=False):
            with col:
                project_card(card)
    if len(frame) > len(top):
        st.caption(ui.t("browse.showing_first", n=len(top), m=len(frame)))


if in_cat.empty:
    st.info(ui.t("browse.none_here"))
else:
    show_cards(in_cat)
if not suggested.empty:
    st.subheader(ui.t("browse.suggestions_title", n=len(suggested)))
    st.caption(ui.t("browse.suggestions_note"))
    with st.expander(ui.t("browse.show_suggestions", what=ui.count(len(suggested), "suggestion"))):
        show_cards(suggested)
