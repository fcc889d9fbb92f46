"""Project: one project's names, category and why, health, figures over time, members,
releases, papers and links. Opened as /project?id=<project id> from every table, card,
search hit and chart point."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, data, data_projects, fmt
from dashboard import components as ui
from dashboard.cards import distinct_texts, health_badge
from dashboard.placement import badge
from landscape.descriptions import load_descriptions
from report.placement import LANDSCAPE, SUGGESTION, project_placement

months = data.load(data.months)  # (not trend_options: this page needs no other filter)
choices = data.load(data_projects.project_choices, months[-1] if months else None)
# the picker and the chart legends name projects in the reader's language
names = dict(zip(choices["project_id"], choices[ui.name_column()], strict=True))
ui.from_url("id", None, default="")
if st.session_state["id"] and st.session_state["id"] not in names:  # an item's id: its project
    owner = data.load_or(None, data_projects.project_of, st.session_state["id"])
    if owner and owner != st.session_state["id"]:
        st.session_state["id"] = owner
if st.session_state["id"] and st.session_state["id"] not in names:  # an item in no project
    item = data.load_or(None, data.item_detail, st.session_state["id"])
    names[st.session_state["id"]] = (
        ui.t("project.item_choice", name=item["title"] if item["kind"] in ("paper", "post")
             and isinstance(item["title"], str) else item["name"], kind=ui.kind_name(item["kind"]))
        if item else st.session_state["id"])
project_id = st.selectbox(ui.t("nav.project"), [""] + list(names), key="id",
                          format_func=lambda p: names.get(p, ui.t("project.choose")))
ui.to_url("id", project_id, default="")
if not project_id or not months:
    st.title(ui.t("nav.project"))
    st.info(ui.t("project.choose_hint"))
    st.stop()

month = months[-1]
prev = ui.month_before(months, month)
found = data.load(data_projects.project_page, project_id, month, prev)  # one connection
cards, members = found["card"], found["members"]
if members.empty:
    st.title(names.get(project_id, project_id))
    st.warning(ui.t("project.gone"))
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
label, colour = health_badge(health)
# an item in no project is its own entry: its kind, not "1 member" beside "in no project"
alone = card is not None and card["health_signal"] == "no_project"
size = ui.kind_name(lead["kind"]) if alone else ui.count(len(members), "member")
st.markdown(f":{colour}-badge[{label}] · **{ui.escape_md(ui.category_name(category))}** · "
            f"{size}")
# In the report's landscape or not, by the report's own rule (dashboard.queries_scope).
placed = project_placement(data.load_or(None, data_projects.landscape_scope, month), project_id)
if placed is not None:
    st.markdown(badge(placed, ui.lang()))
if placed is not None and placed.state == LANDSCAPE:
    st.caption(ui.t("project.in_landscape", month=month))
elif placed is not None and placed.state == SUGGESTION:
    st.caption(ui.t("project.suggestion", month=month))
elif placed is not None:
    st.caption(ui.t("project.outside", month=month))
health_why = ui.health_detail(card) if card is not None else None
if health_why:
    st.caption(ui.t("project.health", detail=ui.escape_md(health_why)))
# The editors' line (config/descriptions.toml) in the reader's language first, as the report
# prints it; then the members' own descriptions, as the registries give them (English).
editors_line = load_descriptions().get(name_en, {}).get(ui.lang())
if editors_line:
    st.markdown(ui.escape_md(editors_line))
descriptions = distinct_texts([str(d) for d in members["description"].dropna().unique()])
for text in descriptions:
    st.text(str(text))
links = [(r["name"], r["url"]) for _, r in members.iterrows() if r["kind"] in ("crate", "repo")]
st.markdown(" · ".join(f"[{ui.escape_md(n)} ↗]({ui.safe_url(u)})" for n, u in links
                       if ui.safe_url(u)) or ui.t("project.no_links"))

if card is not None:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(ui.t("project.downloads_in", month=month), fmt.human(card["downloads"]),
              ui.t("project.vs_prev", change=f"{card['downloads_pct']:+.1f} %", prev=prev)
              if not pd.isna(card["downloads_pct"]) else None)
    stars_gain = (card["stars"] - card["stars_prev"]
                  if not (pd.isna(card["stars"]) or pd.isna(card["stars_prev"])) else None)
    m2.metric(ui.t("col_stars"), fmt.human(card["stars"]),
              ui.t("project.vs_prev", change=fmt.human(stars_gain, signed=True), prev=prev)
              if stars_gain else None)
    m3.metric(ui.t("project.last_release"), fmt.date(card["last_release"]))
    m4.metric(ui.t("project.members"), f"{len(members)}")

if st.button(ui.t("project.compare"), icon=":material/stacked_line_chart:"):
    st.switch_page("views/compare.py", query_params={"ids": project_id})

left, right = st.columns(2)
for col, metric in zip((left, right), data_projects.PAGE_METRICS, strict=True):
    series = found[metric]
    with col:
        st.subheader(ui.metric_name(metric))
        if series.empty:
            st.caption(ui.t("project.no_values"))
        else:
            charts.line(series.assign(name=name_zh if ui.lang() == "zh" else name_en),
                        ui.metric_name(metric))

st.subheader(ui.t("project.why"))
decided = lead.get("decided_by")
decided = ui.t(f"decided_by.{decided}") if ui.has(f"decided_by.{decided}") else decided
st.markdown(f"**{ui.escape_md(ui.category_name(category))}** — "
            + ui.t("project.decided_by", who=ui.escape_md(decided or ui.t("project.nobody")))
            + (ui.t("project.confidence", c=f"{lead['confidence']:.2f}")
               if not pd.isna(lead["confidence"]) else ""))
nb = ui.neighbours(lead["neighbours"])
if nb.empty:
    st.caption(ui.t("project.no_neighbours"))
else:
    cols = ["item_id", "name", "kind", "project_id", "definition"]
    named = data.load_or(pd.DataFrame(columns=cols), data_projects.neighbour_names,
                         tuple(nb["item_id"].dropna()))
    nb = ui.neighbour_named(nb.merge(named[cols], on="item_id", how="left"))
    nb["category"] = nb["category"].map(ui.category_name)
    # Each row is one vote with its own similarity: a project's crate and the taxonomy's
    # labelled example of the same name are two votes, told apart by their kind (as on the
    # Review page), not merged into one row.
    nb["kind"] = nb["kind"].map(ui.kind_name)
    st.caption(ui.t("project.neighbours_note"))
    ui.table(nb, {"name": ui.t("project.similar"), "kind": ui.t("project.kind"),
                  "category": ui.t("project.its_category"),
                  "similarity": ui.t("project.similarity")},
             key="project_neighbours", open_project="project_id")

st.subheader(ui.t("project.members"))
shown = members.assign(category=members["category"].map(ui.category_name),
                       role=members["role"].map(lambda r: fmt.role_name(r, ui.lang())),
                       kind=members["kind"].map(ui.kind_name),
                       name=members["title"].where(members["kind"].isin(["paper", "post"]),
                                                   members["name"]))
ui.table(shown, {"name": ui.t("project.name"), "kind": ui.t("project.kind"),
                 "role": ui.t("project.role"), "category": ui.t("project.category"),
                 "url": ui.t("common.link")})

related = found["relations"]
if not related.empty:
    st.subheader(ui.t("project.related"))
    for _, r in related.iterrows():
        rel, way = r["relation"], r["direction"]
        key = f"relation.{rel}_{way}"
        ui.project_link(str(r["related_id"]),
                        f"{ui.t(key) if ui.has(key) else rel} {r['related_name']}")

st.subheader(ui.t("project.releases"))
releases = found["releases"]
if releases.empty:
    st.caption(ui.t("project.no_releases"))
else:
    ui.table(releases, {"version": ui.t("project.version"), "published_at": ui.t("project.date"),
                        "item": ui.t("project.from"), "url": ui.t("common.link"),
                        "second_url": ui.t("project.also_at")}, dates=("published_at",),
             links=("url", "second_url"))

st.subheader(ui.t("project.papers"))
papers = found["papers"]
if papers.empty:
    st.caption(ui.t("project.no_papers"))
else:
    ui.table(papers.assign(kind=papers["kind"].map(ui.kind_name)),
             {"title": ui.t("project.title"), "kind": ui.t("project.kind"),
              "published": ui.t("project.date"), "url": ui.t("common.link")},
             dates=("published",))
