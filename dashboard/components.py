"""Small display helpers shared by the pages.

Source text (names, descriptions, titles) is data: it is shown through `st.dataframe`,
`st.text` or Markdown-escaped, never with `unsafe_allow_html`; links are kept only when they
are http(s) URLs, so a `javascript:` URL from a source cannot become a clickable link.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import pandas as pd
import streamlit as st

from landscape.review_inbox import InboxDecision
from report.render import md, safe_url

# One Markdown escaper and one URL check for the whole project: report/render.py's (source
# text is escaped for `st.markdown` exactly as for the report; only http(s) URLs are links).
escape_md = md


@lru_cache(maxsize=1)
def _category_names() -> dict[str, tuple[str, str]]:
    from report.config import load_categories

    names = {c.id: (c.name_zh, c.name_en) for c in load_categories()}
    names.setdefault("out_of_scope", ("不在范围内", "Out of scope"))
    names.setdefault("unclassified", ("未分类", "Not classified yet"))
    return names


def category_label(cid: str | None) -> str:
    """'frameworks — Core frameworks (核心框架)' for display."""
    if not cid:
        return "—"
    zh, en = _category_names().get(cid, (cid, cid))
    return cid if en == cid else f"{cid} — {en} ({zh})"


def taxonomy_ids() -> list[str]:
    """Category ids a reviewer can assign (taxonomy order), out of scope last."""
    ids = [c for c in _category_names() if c not in ("out_of_scope", "unclassified")]
    return ids + ["out_of_scope"]


def table(df: pd.DataFrame, *, links: tuple[str, ...] = ("url",), height: int | None = None,
          key: str | None = None, **column_config: Any) -> None:
    """A dataframe with http(s) link columns clickable and every other cell inert text."""
    shown = df.copy()
    config: dict[str, Any] = {}
    for col in links:
        if col in shown:
            shown[col] = shown[col].map(safe_url)
            config[col] = st.column_config.LinkColumn(col, display_text="open ↗")
    for col in ("confidence", "similarity", "score"):
        if col in shown and pd.api.types.is_numeric_dtype(shown[col]):
            config[col] = st.column_config.NumberColumn(col, format="%.2f")
    config.update(column_config)
    kwargs: dict[str, Any] = {"hide_index": True, "column_config": config, "width": "stretch"}
    if height:
        kwargs["height"] = height
    if key:
        kwargs["key"] = key
    st.dataframe(shown, **kwargs)


def neighbours(raw: Any) -> pd.DataFrame:
    """The classifier's neighbours (JSON list of objects or [id, category, score] triples)
    as a frame with item_id, category, similarity."""
    cols = ["item_id", "category", "similarity"]
    if raw is None or (isinstance(raw, float) and pd.isna(raw)):
        return pd.DataFrame(columns=cols)
    data = raw
    if isinstance(raw, str):
        try:
            data = json.loads(raw)
        except ValueError:
            return pd.DataFrame(columns=cols)
    rows = []
    for entry in data if isinstance(data, list) else []:
        if isinstance(entry, dict):
            rows.append({
                "item_id": entry.get("item_id") or entry.get("id") or entry.get("label_id"),
                "category": entry.get("category") or entry.get("label"),
                "similarity": entry.get("similarity", entry.get("score", entry.get("sim"))),
            })
        elif isinstance(entry, list | tuple) and entry:
            rows.append(dict(zip(cols, list(entry) + [None] * 3, strict=False)))
    return pd.DataFrame(rows, columns=cols)


def pending_frame(pending: list[InboxDecision]) -> pd.DataFrame:
    cols = ["item_id", "decision", "category", "reviewer", "decided_at", "note"]
    return pd.DataFrame([{c: getattr(d, c) for c in cols} for d in pending], columns=cols)


def overlay_pending(df: pd.DataFrame, pending: list[InboxDecision]) -> pd.DataFrame:
    """Show decisions still in the inbox as the items' category, marked 'pending review'."""
    if df.empty or not pending or "item_id" not in df:
        return df
    latest = {d.item_id: d for d in pending}  # oldest first, so the newest wins
    out = df.copy()
    hit = out["item_id"].isin(latest)
    if "category" in out:
        out.loc[hit, "category"] = [
            latest[i].category or out.loc[idx, "category"]
            for idx, i in zip(out.index[hit], out.loc[hit, "item_id"], strict=True)]
    if "decided_by" in out:
        out.loc[hit, "decided_by"] = "review (pending)"
    return out


def month_before(months: list[str], month: str) -> str | None:
    earlier = [m for m in months if m < month]
    return earlier[-1] if earlier else None


def flash(kind: str, message: str) -> None:
    """Show a message after the next rerun (e.g. after a form submit)."""
    st.session_state["_flash"] = (kind, message)


def show_flash() -> None:
    item = st.session_state.pop("_flash", None)
    if item:
        getattr(st, item[0])(item[1])
