"""The Review page's offer to give near-duplicates the same decision (the classifier's
`landscape.review.near_duplicates`: items still waiting whose embedding is almost the one
being decided). The reviewer sees the list and ticks the offer; nothing is decided silently.
Kept apart from the page so other sections of the Review page change independently.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import data
from landscape.taxonomy import load_taxonomy

EMPTY = pd.DataFrame(columns=["item_id", "name", "title", "category", "confidence",
                              "review_reason", "similarity"])


def offer(row: pd.Series, waiting: set[str]) -> pd.DataFrame:
    """Show the chosen item's near-duplicates still in the queue (not already decided in the
    inbox) with a checkbox; returns the ones to decide the same way (none unless ticked)."""
    dups = data.load_or(EMPTY, data.near_duplicates, str(row["item_id"]))
    dups = dups[~dups["item_id"].isin(waiting)].reset_index(drop=True)
    if dups.empty:
        return dups
    dups = dups.assign(label=dups["title"].where(dups["title"].notna(), dups["name"]),
                       category_name=dups["category"].map(ui.category_name))
    threshold = load_taxonomy().settings.duplicate_above
    ticked = st.checkbox(ui.t("dup.apply", what=ui.count(len(dups), "duplicate")),
                         key=f"review_dups_{row['item_id']}",
                         help=ui.t("dup.help", threshold=f"{threshold:.2f}"))
    ui.table(dups, {"label": ui.t("dup.near_duplicate"),
                    "category_name": ui.t("dup.machines_category"),
                    "confidence": ui.t("dup.confidence"), "similarity": ui.t("dup.similarity")},
             key="review_dups_table")
    return dups if ticked else dups.iloc[0:0]


def decisions(row: pd.Series, dups: pd.DataFrame,
              note: str | None) -> tuple[list[tuple[str, Any, str]], dict[str, str]]:
    """The items to record (the chosen one first, then its near-duplicates, which 'accept'
    puts in the chosen item's category, as `landscape.review.decide_with_duplicates` does)
    and the note of each near-duplicate."""
    items = [(str(row["item_id"]), row["category"], str(row["label"]))]
    why = f"same decision as near-duplicate {row['item_id']}" + (f": {note}" if note else "")
    items += [(str(d["item_id"]), row["category"], str(d["label"])) for _, d in dups.iterrows()]
    return items, {str(d): why for d in dups["item_id"]}
