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
# the report's tables, named in ui_text.toml [diff]
TABLES = {"frameworks": "diff.core", "tools": "diff.tools", "new_items": "diff.new_items",
          "movers_dl": "diff.movers_dl", "movers_st": "diff.movers_st",
          "releases": "diff.releases", "papers": "diff.papers", "landscape": "diff.landscape",
          "pending": "diff.pending", "breakthroughs": "diff.breakthroughs",
          "category_counts": "diff.category_counts", "claims": "diff.claims",
          "emerging_topics": "diff.emerging_topics", "run_health": "diff.run_health",
          "sources": "diff.sources"}


def _changes(title: str, changes: list[ValueChange], name=None) -> None:  # noqa: ANN001
    if not changes:
        return
    st.markdown(f"**{title}** ({len(changes)})")
    frame = pd.DataFrame([{"subject": c.subject, "old": c.old, "new": c.new} for c in changes])
    if name is not None:
        frame["old"], frame["new"] = frame["old"].map(name), frame["new"].map(name)
    columns = {"subject": ui.t("diff.what"), "old": ui.t("diff.before"), "new": ui.t("diff.now")}
    if any(c.failure for c in changes):  # a source's change: what failed, as `panorama diff`
        frame["failure"] = [what_happened(c, ui.lang()) or "—" for c in changes]
        columns["failure"] = ui.t("diff.what_happened")
    ui.table(frame, columns)


def _verdict(value: object) -> str:
    """A claim's verdict in the report's words (labels status_<verdict>)."""
    key = f"status_{value}"
    return ui.t(key) if ui.has(key) else str(value)


def show(d: SemanticDiff) -> None:
    if d.old is None:
        st.info(ui.t("diff.no_earlier"))
        return
    kind = ui.t("diff.two_revisions" if d.same_month else "diff.two_months")
    st.caption(ui.t("diff.against", new=d.new.label_in(ui.lang()), old=d.old.label_in(ui.lang()),
                        kind=kind))
    if d.figures:
        rule = ui.t("diff.list_sep").join(f"≥ {v:g} % {ui.metric_name(METRICS.get(k, k))}"
                         for k, v in d.thresholds.items())
        st.markdown(f"**{ui.t('diff.figures')}** "
                    + ui.t("diff.figures_rule", n=len(d.figures),
                           rule=rule or ui.t("diff.any_change")))
        frame = pd.DataFrame([{"subject": m.subject, "metric": m.metric, "old": m.old,
                               "new": m.new, "pct": m.pct} for m in d.figures])
        frame["metric"] = frame["metric"].map(lambda m: ui.metric_name(METRICS.get(m, m)))
        ui.table(frame, {"subject": ui.t("diff.project"), "metric": ui.t("diff.figure"),
                         "old": ui.t("diff.before"), "new": ui.t("diff.now"),
                         "pct": ui.t("diff.change_pct")}, numbers=("old", "new"), pcts=("pct",))
    sep = ui.t("diff.list_sep")  # 、 between a Chinese list's names
    for table, (added, removed) in sorted(d.rows.items()):
        parts = []
        if added:
            parts.append(ui.t("diff.entered") + sep.join(ui.escape_md(a) for a in added))
        if removed:
            parts.append(ui.t("diff.left") + sep.join(ui.escape_md(r) for r in removed))
        title = ui.t(TABLES[table]) if table in TABLES else table
        st.markdown(f"**{ui.escape_md(title)}** — " + ui.t("diff.parts_sep").join(parts))
    _changes(ui.t("diff.categories"), d.categories, ui.category_name)
    _changes(ui.t("diff.health"), d.health, ui.status_label)  # project health or source status
    _changes(ui.t("diff.verdicts"), d.verdicts, _verdict)
    if d.errata:
        st.markdown(f"**{ui.t('diff.errata')}** "
                    + ui.t("diff.errata_note", n=len(d.errata)))
        for text in d.errata:
            st.text(text)
    for c in d.corrections:
        st.warning(ui.t("diff.correction", month=c.month, revision=c.revision,
                        supersedes=c.supersedes, date=f"{c.published_at:%Y-%m-%d}",
                        reason=c.reason or "—"))
    changed = sum(1 for x in d.text if x[:1] in "+-" and not x.startswith(("+++", "---")))
    with st.expander(ui.t("diff.text_diff", n=changed)):
        st.code("\n".join(d.text) or ui.t("diff.identical"), language="diff")
