"""Project: one project's names, category and why, health, figures over time, members,
releases, papers and links. Opened as /project?id=<project id> from every table, card,
search hit and chart point."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, data, data_projects, fmt
from dashboard import components as ui
from dashboard.cards import HEALTH_BADGE
from dashboard.placement import LANDSCAPE, SUGGESTION, placement

months = data.load(data.months)  # (not trend_options: this page needs no other filter)
choices = data.load(data_projects.project_choices, months[-1] if months else None)
# the picker and the chart legends name projects in the reader's language
names = dict(zip(choices["project_id"], choices[ui.name_column()], strict=True))
ui.from_url("id", None, default="")
if st.session_state["id"] and st.session_state["id"] not in names:  # an item's id: its project
    owner = data.load_or(None, data_projects.project_of, st.session_state["id"])
    if owner and owner != st.session_state["id"]:
        st.session_state["id"] = owner
if st.session_state["id"] and st.session_state["id"] not in names:
    names[st.session_state["id"]] = st.session_state["id"]
project_id = st.selectbox("Project", [""] + list(names), key="id",
                          format_func=lambda p: names.get(p, "Choose a project…"))
ui.to_url("id", project_id, default="")
if not project_id or not months:
    st.title("Project")
    st.info("Choose a project above, or find one on the Search or Landscape page.")
    st.stop()

month = months[-1]
prev = ui.month_before(months, month)
found = data.load(data_projects.project_page, project_id, month, prev)  # one connection
cards, members = found["card"], found["members"]
if members.empty:
    st.title(names.get(project_id, project_id))
    st.warning("This project is not in the warehouse (any more).")
    st.stop()
card = cards.iloc[0] if not cards.empty else None
name_en = card["name_en"] if card is not None else members.iloc[0]["name"]
name_zh = card["name_zh"] if card is not None else name_en
st.title(name_zh if ui.lang() == "zh" else name_en)
if name_zh != name_en:
    st.caption(f"{ui.escape_md(name_en)} · {ui.escape_md(name_zh)}")
lead = members.iloc[0]
category = card["category"] if card is not None else lead["category"]
health = card["health"] if card is not None else "unknown"
label, colour = HEALTH_BADGE.get(str(health), HEALTH_BADGE["unknown"])
st.markdown(f":{colour}-badge[{label}] · **{ui.escape_md(ui.category_name(category))}** · "
            f"{fmt.count(len(members), 'member')}")
# In the report's landscape or not, by the report's own rule (dashboard.queries_scope).
placed = placement(data.load_or(None, data_projects.landscape_scope, month), project_id)
if placed is not None:
    st.markdown(placed.badge(ui.lang()))
if placed is not None and placed.state == LANDSCAPE:
    st.caption(f"In the report's landscape for {month}: listed in its tables.")
elif placed is not None and placed.state == SUGGESTION:
    st.caption(f"A machine suggestion awaiting review for {month}: the report lists it apart "
               "(appendix C), not in its tables, until a person accepts it (Review page).")
elif placed is not None:
    st.caption(f"Not in the report's landscape for {month} (out of scope or not classified).")
if card is not None and isinstance(card.get("health_detail"), str):
    st.caption(f"Health: {ui.escape_md(card['health_detail'])}")
descriptions = [d for d in members["description"].dropna().unique()[:2]]
for text in descriptions:
    st.text(str(text))
links = [(r["name"], r["url"]) for _, r in members.iterrows() if r["kind"] in ("crate", "repo")]
st.markdown(" · ".join(f"[{ui.escape_md(n)} ↗]({ui.safe_url(u)})" for n, u in links
                       if ui.safe_url(u)) or "no source links")

if card is not None:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(f"90-day downloads {month}", fmt.human(card["downloads"]),
              f"{card['downloads_pct']:+.1f} % vs {prev}" if not pd.isna(card["downloads_pct"])
              else None)
    stars_gain = (card["stars"] - card["stars_prev"]
                  if not (pd.isna(card["stars"]) or pd.isna(card["stars_prev"])) else None)
    m2.metric("Stars", fmt.human(card["stars"]),
              f"{fmt.human(stars_gain, signed=True)} vs {prev}" if stars_gain else None)
    m3.metric("Latest release", fmt.date(card["last_release"]))
    m4.metric("Members", f"{len(members)}")

if st.button("Compare with other projects", icon=":material/stacked_line_chart:"):
    st.switch_page("views/compare.py", query_params={"ids": project_id})

left, right = st.columns(2)
for col, metric in zip((left, right), data_projects.PAGE_METRICS, strict=True):
    series = found[metric]
    with col:
        st.subheader(ui.metric_name(metric))
        if series.empty:
            st.caption("No values collected.")
        else:
            charts.line(series.assign(name=name_zh if ui.lang() == "zh" else name_en),
                        ui.metric_name(metric))

st.subheader("Category and why")
decided = lead.get("decided_by")
st.markdown(f"**{ui.escape_md(ui.category_name(category))}** — decided by "
            f"{ui.escape_md(decided or 'the watchlist or no one yet')}"
            + (f", confidence {lead['confidence']:.2f}" if not pd.isna(lead["confidence"]) else ""))
nb = ui.neighbours(lead["neighbours"])
if nb.empty:
    st.caption("No nearest neighbours stored: the category comes from the watchlist or a "
               "reviewer, not from a vote of similar items.")
else:
    named = data.load_or(pd.DataFrame(columns=["item_id", "name"]), data_projects.neighbour_names,
                         tuple(nb["item_id"].dropna()))
    nb = nb.merge(named[["item_id", "name", "project_id"]], on="item_id", how="left")
    nb["category"] = nb["category"].map(ui.category_name)
    st.caption("The labelled items most similar to this one, and their categories "
               "(click a row to open it):")
    ui.table(nb, {"name": "similar item", "category": "its category", "similarity": "similarity"},
             key="project_neighbours", open_project="project_id")

st.subheader("Members")
shown = members.assign(category=members["category"].map(ui.category_name),
                       role=members["role"].map(fmt.role_name),
                       name=members["title"].where(members["kind"].isin(["paper", "post"]),
                                                   members["name"]))
ui.table(shown, {"name": "name", "kind": "kind", "role": "role", "category": "category",
                 "url": "link"})

related = found["relations"]
if not related.empty:
    st.subheader("Related projects")
    words = {("upstream", "out"): "builds on", ("upstream", "in"): "is the upstream of",
             ("binding_of", "out"): "binds", ("binding_of", "in"): "has a binding",
             ("fork_of", "out"): "is a fork of", ("fork_of", "in"): "was forked as",
             ("successor_of", "out"): "succeeds", ("successor_of", "in"): "is succeeded by"}
    for _, r in related.iterrows():
        ui.project_link(str(r["related_id"]),
                        f"{words.get((r['relation'], r['direction']), r['relation'])} "
                        f"{r['related_name']}")

st.subheader("Releases")
releases = found["releases"]
if releases.empty:
    st.caption("No release recorded.")
else:
    ui.table(releases, {"version": "version", "published_at": "date", "item": "from",
                        "url": "link", "second_url": "also at"}, dates=("published_at",),
             links=("url", "second_url"))

st.subheader("Papers and posts")
papers = found["papers"]
if papers.empty:
    st.caption("No paper or post of this project is in the warehouse.")
else:
    ui.table(papers, {"title": "title", "kind": "kind", "published": "date", "url": "link"},
             dates=("published",))
