"""Search: one hit per project, its name in full linking to the project's page, popularity,
category and the source link; the query and filters are kept in the URL."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import data, data_projects, fmt
from dashboard.cards import coloured, short
from dashboard.placement import badge
from landscape.descriptions import load_descriptions
from report.placement import hit_placement

st.title(ui.t("nav.search"))
ui.from_url("q", default="")
query = st.text_input(ui.t("search.box"), key="q", placeholder=ui.t("search.placeholder"))
c1, c2, c3, c4 = st.columns([1, 2, 1, 1])
all_kinds = data.load_or([], data.kinds)
ui.from_url("kind", all_kinds, default=[], multi=True)
kinds = tuple(c1.multiselect(ui.t("common.kind"), all_kinds, key="kind", format_func=ui.kind_name,
                             placeholder=ui.t("common.choose")))
all_cats = data.load_or([], data.categories)
ui.from_url("cat", all_cats, default=[], multi=True)
cats = tuple(c2.multiselect(ui.t("common.category"), all_cats, key="cat",
                            format_func=ui.category_name, placeholder=ui.t("common.choose")))
months = data.load(data.months)
ui.from_url("in", ["any", *months], default="any")
# The landscape as that month's report saw it (items of that month or earlier), in the hybrid
# search and its keyword fallback alike (core.months.as_of_sql).
month = c3.selectbox(ui.t("search.as_of"), ["any"] + list(reversed(months)), key="in",
                     format_func=lambda m: ui.t("search.any_month") if m == "any" else
                     ui.t("search.as_of_month", month=m))
ui.from_url("n", None, default=20, cast=int)
limit = c4.number_input(ui.t("search.results"), min_value=5, max_value=100, step=5, key="n")
for key, value, default in (("q", (query or "").strip(), ""), ("kind", list(kinds), []),
                            ("cat", list(cats), []), ("in", month, "any"), ("n", limit, 20)):
    ui.to_url(key, value, default=default)

if not (query or "").strip():
    st.info(ui.t("search.type_query"))
    st.stop()

try:
    results = data.load(data_projects.search, query.strip(), kinds, cats,
                        None if month == "any" else month, int(limit))
except ValueError as exc:  # the search's own word on a query it cannot run
    st.warning(str(exc))
    st.stop()
if results.empty:
    st.info(ui.t("search.no_results"))
    st.stop()

latest = months[-1] if months else None
figures = pd.DataFrame()
if latest:
    figures = data.load_or(pd.DataFrame(), data_projects.project_cards, latest,
                           ui.month_before(months, latest), None,
                           tuple(results["project_id"]))
popular = figures.set_index("project_id") if not figures.empty else pd.DataFrame()
# A Chinese reader gets the editors' zh line of a watched project first, as the report and
# the Project page print it; the registry's English text (what the words matched) follows.
editors = load_descriptions() if ui.lang() == "zh" else {}
# A hit's category and status are its project's, as the report decides them per project
# (the month searched, else the latest): the same words as the Project page.
scope_month = latest if month == "any" else month
scope = data.load_or(None, data_projects.landscape_scope, scope_month) if scope_month else None
how, _, error = str(results["match"].iloc[0]).partition(":")
read_as = results["read_as"].iloc[0]
st.caption(ui.t("search.summary", results=ui.count(len(results), "result"),
                match=ui.t(f"match.{how}", error=error) if error else ui.t(f"match.{how}"))
           + (ui.t("match.read_as", english=read_as) if isinstance(read_as, str) else ""))

for _, hit in results.iterrows():
    pid = str(hit["project_id"])
    fig = popular.loc[pid] if pid in popular.index else None
    paper = hit.get("kind") in ("paper", "post")
    title = hit.get("title") if paper and isinstance(hit.get("title"), str) else None
    name = title or (fig["name_zh" if ui.lang() == "zh" else "name_en"] if fig is not None
                     else hit.get("project_name") or hit.get("name"))
    with st.container(border=True):
        # the name in bold: the line under it (kind · category · figures) is set larger, and a
        # reader scans a result list by its names; escaped, since a label is Markdown
        # (a paper title's "$" would start LaTeX, a "*" emphasis)
        ui.project_link(pid, f"**{ui.escape_md(name)}**")
        placed = hit_placement(hit, scope)
        if placed is None:  # the report's scope could not be read: the hit's own category
            parts = [ui.kind_name(hit.get("kind")), ui.category_name(hit.get("category"))]
        else:
            parts = [ui.kind_name(hit.get("kind")), ui.category_name(placed.category)
                     if placed.category else "—"]
        if fig is not None and not pd.isna(fig["downloads"]):
            parts.append(ui.t("common.in_90_days", n=fmt.human(fig["downloads"]))
                         + f" {coloured(fmt.pct(fig['downloads_pct']))}")
        if fig is not None and not pd.isna(fig["stars"]):
            parts.append(f"★ {fmt.human(fig['stars'])}")
        url = ui.safe_url(hit.get("url"))
        if url:
            parts.append(f"[{ui.t('search.source')}]({url})")
        line = [ui.escape_md(p) if i < 2 else p for i, p in enumerate(parts)]
        if placed is not None:
            line.insert(2, badge(placed, ui.lang()))
        st.markdown(" · ".join(line))
        text = hit.get("snippet") if isinstance(hit.get("snippet"), str) else hit.get("description")
        if hit.get("weak") is True:
            st.caption(ui.t("search.weak"))
        own_line = (editors.get(str(fig["name_en"]), {}).get("zh")
                    if fig is not None and not paper else None)
        if own_line:
            st.caption(ui.escape_md(own_line))
        if isinstance(text, str) and text.strip():
            st.caption(ui.escape_md(short(text, 160 if own_line else 260)))
