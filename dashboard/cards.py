"""Cards of the Landscape page: one per category, one per project (bordered containers).

Source text in a card (names, descriptions) is Markdown-escaped; colours come from
Streamlit's own `:green[…]` / `:red[…]` directives, never from raw HTML.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import fmt

SORTS = ("trend", "downloads", "stars", "released", "name")  # named in ui_text.toml [sort]
# A project's health: named in the report's words (labels health_<state>), coloured here.
HEALTH_BADGE = {"active": "green", "slowing": "yellow", "dormant": "orange", "archived": "red",
                "unknown": "gray"}


def health_badge(state: Any) -> tuple[str, str]:
    """(label, colour) of a project's health badge in the reader's language."""
    state = str(state) if str(state) in HEALTH_BADGE else "unknown"
    return ui.health_label(state), HEALTH_BADGE[state]


def coloured(text: str) -> str:
    """A formatted delta ('▲ 11.3 %') as coloured Markdown."""
    if text.startswith(fmt.UP):
        return f":green[{text}]"
    if text.startswith(fmt.DOWN):
        return f":red[{text}]"
    return text


def short(text: Any, limit: int = 140) -> str:
    """Source text cut at a word boundary, with an ellipsis when cut."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    words = " ".join(str(text).split())
    if len(words) <= limit:
        return words
    return words[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + " …"


def distinct_texts(texts: list[str], limit: int = 2) -> list[str]:
    """Up to `limit` of `texts` in order, leaving out one whose words another text holds whole
    ("Minimalist ML framework." beside "Minimalist ML framework for Rust": a crate and its
    repository often say the same line, one a little longer)."""
    def words(t: str) -> str:
        return " " + " ".join(re.findall(r"\w+", t.lower())) + " "
    keyed = [(t, words(t)) for t in texts if t and t.strip()]
    kept = [t for i, (t, w) in enumerate(keyed)
            if not any(w in v and (w != v or j < i) for j, (_, v) in enumerate(keyed) if j != i)]
    return kept[:limit]


def sort_cards(cards: pd.DataFrame, how: str) -> pd.DataFrame:
    """Cards in the order the reader chose. Trend ranks by the 90-day downloads change, but
    only projects whose previous month reaches its noise floor (config/metrics.toml), as the
    report's movers do; the others follow by downloads."""
    if cards.empty:
        return cards
    if how == "trend":
        floor = fmt.noise_floor("downloads_recent")
        ok = cards["downloads_prev"].fillna(0) >= floor
        ranked = cards[ok].sort_values("downloads_pct", ascending=False, na_position="last")
        rest = cards[~ok].sort_values("downloads", ascending=False, na_position="last")
        return pd.concat([ranked, rest])
    column = {"downloads": "downloads", "stars": "stars", "released": "last_release"}.get(how)
    if column is None:
        return cards.sort_values("name_en", key=lambda s: s.str.lower())
    return cards.sort_values(column, ascending=False, na_position="last")


def suggestions_text(n: Any) -> str:
    """'11 machine suggestions awaiting review' ('' for none)."""
    n = 0 if n is None or pd.isna(n) else int(n)
    return ui.t("card.awaiting", what=ui.count(n, "suggestion")) if n else ""


def category_card(cid: str, row: pd.Series) -> None:
    """A category as the report counts it: its landscape projects (watched or reviewed) and,
    apart, the machine's suggestions awaiting review; figures summed over the landscape."""
    with st.container(border=True):
        st.markdown(f"**{ui.escape_md(ui.category_name(cid))}**")
        dl, dl_prev = row["downloads"], row["downloads_prev"]
        change = fmt.pct(100.0 * (dl - dl_prev) / dl_prev if dl_prev and not pd.isna(dl_prev)
                         and not pd.isna(dl) else None)
        lines = [f"{ui.count(int(row['projects']), 'project')} · "
                 + ui.t("card.active", n=fmt.human(int(row["active"])))]
        pending = suggestions_text(row.get("suggestions"))
        if pending:
            lines.append(f":violet[{pending}]")
        if dl and not pd.isna(dl):
            lines.append(ui.t("common.in_90_days", n=fmt.human(dl))
                         + (f" {coloured(change)}" if change != "—" else ""))
        if row["stars"] and not pd.isna(row["stars"]):
            lines.append(f"★ {fmt.human(row['stars'])}")
        st.markdown("  \n".join(lines))
        st.button(ui.t("card.open"), key=f"open_{cid}", icon=":material/arrow_forward:",
                  on_click=_open_category, args=(cid,))


def _open_category(cid: str) -> None:
    # A callback: it runs before the rerun, when the bound selectbox may still be changed.
    st.session_state["category"] = cid


def project_card(card: pd.Series) -> None:
    with st.container(border=True):
        name = card["name_zh"] if ui.lang() == "zh" else card["name_en"]
        ui.project_link(str(card["project_id"]), str(name))
        label, colour = health_badge(card["health"])
        st.badge(label, color=colour, help=ui.health_detail(card))
        if bool(card.get("suggested", False)):
            st.badge(ui.t("card.machine_suggestion"), color="violet",
                     help=ui.t("card.suggestion_help"))
        desc = short(card.get("description"))
        if desc:
            st.caption(ui.escape_md(desc))
        figures = []
        if not pd.isna(card["downloads"]):
            figures.append(ui.t("common.in_90_days", n=fmt.human(card["downloads"]))
                           + f" {coloured(fmt.pct(card['downloads_pct']))}")
        if not pd.isna(card["stars"]):
            gained = card["stars"] - card["stars_prev"] if not pd.isna(card["stars_prev"]) else None
            figures.append(f"★ {fmt.human(card['stars'])} {coloured(fmt.delta(gained))}"
                           if gained else f"★ {fmt.human(card['stars'])}")
        if not pd.isna(card["last_release"]):
            figures.append(ui.t("card.released", date=fmt.date(card["last_release"])))
        st.markdown("  \n".join(figures) or ui.t("card.no_figures"))
