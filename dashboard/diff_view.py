"""The editor's semantic diff (`report.diff.semantic_diff`) laid out for the Report page:
figures that moved beyond the thresholds, rows added and removed per table, category, health
and verdict changes, errata and corrections, then the text diff of the rest."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components as ui
from report.diff import SemanticDiff, ValueChange
from report.diff_format import what_happened

METRICS = {"downloads_90d": "downloads_recent", "stars": "stars"}
TABLES = {"frameworks": "Core frameworks table", "tools": "tools", "new_items": "new this month",
          "movers_dl": "download movers", "movers_st": "star movers", "releases": "releases",
          "papers": "papers", "landscape": "landscape"}


def _changes(title: str, changes: list[ValueChange], name=None) -> None:  # noqa: ANN001
    if not changes:
        return
    st.markdown(f"**{title}** ({len(changes)})")
    frame = pd.DataFrame([{"subject": c.subject, "old": c.old, "new": c.new} for c in changes])
    if name is not None:
        frame["old"], frame["new"] = frame["old"].map(name), frame["new"].map(name)
    columns = {"subject": "what", "old": "before", "new": "now"}
    if any(c.failure for c in changes):  # a source's change: what failed, as `panorama diff`
        frame["failure"] = [what_happened(c, ui.lang()) or "—" for c in changes]
        columns["failure"] = "what happened"
    ui.table(frame, columns)


def show(d: SemanticDiff) -> None:
    if d.old is None:
        st.info("No earlier published month to compare with: publish one first.")
        return
    kind = "two revisions of this month" if d.same_month else "two months"
    st.caption(f"{d.new.label} against {d.old.label} ({kind})")
    if d.figures:
        rule = ", ".join(f"≥ {v:g} % {k.replace('_', ' ')}" for k, v in d.thresholds.items())
        st.markdown(f"**Figures that moved** ({len(d.figures)}; {rule or 'any change'}, above "
                    "the noise floor)")
        frame = pd.DataFrame([{"subject": m.subject, "metric": m.metric, "old": m.old,
                               "new": m.new, "pct": m.pct} for m in d.figures])
        frame["metric"] = frame["metric"].map(lambda m: ui.metric_name(METRICS.get(m, m)))
        ui.table(frame, {"subject": "project", "metric": "figure", "old": "before",
                         "new": "now", "pct": "change %"}, numbers=("old", "new"), pcts=("pct",))
    for table, (added, removed) in sorted(d.rows.items()):
        parts = []
        if added:
            parts.append("entered: " + ", ".join(ui.escape_md(a) for a in added))
        if removed:
            parts.append("left: " + ", ".join(ui.escape_md(r) for r in removed))
        st.markdown(f"**{ui.escape_md(TABLES.get(table, table))}** — " + "; ".join(parts))
    _changes("Category changes", d.categories, ui.category_name)
    _changes("Health changes", d.health)
    _changes("Claim verdicts that flipped", d.verdicts)
    if d.errata:
        st.markdown(f"**New errata** (claims the evidence now contradicts): {len(d.errata)}")
        for text in d.errata:
            st.text(text)
    for c in d.corrections:
        st.warning(f"Correction {c.month} r{c.revision} (supersedes r{c.supersedes}, "
                   f"{c.published_at:%Y-%m-%d}): {c.reason or '—'}")
    changed = sum(1 for x in d.text if x[:1] in "+-" and not x.startswith(("+++", "---")))
    with st.expander(f"Text diff of the rest: {changed} changed line(s)"):
        st.code("\n".join(d.text) or "(identical)", language="diff")
