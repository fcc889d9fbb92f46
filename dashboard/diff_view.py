"""The editor's semantic diff (`report.diff.semantic_diff`) laid out for the Report page:
figures that moved beyond the thresholds, rows added and removed per table, category, health
and verdict changes, errata and corrections, then the text diff of the rest."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components as ui
from report.diff import SemanticDiff, ValueChange
from report.diff_format import metric_name, threshold_rule, what_happened
from report.diff_words import subject_label, value_label
from report.render import load_labels

# The diff's words are `panorama diff`'s (templates/labels.toml diff_*; the report's tables as
# diff_table_<name>); ui_text.toml [diff] holds only this page's own (column headers …).


def _changes(title: str, changes: list[ValueChange], field: str) -> None:
    if not changes:
        return
    st.markdown(f"**{title}** ({len(changes)})")
    lang = ui.lang()
    frame = pd.DataFrame([{"subject": subject_label(c.of, c.subject, lang),
                           "old": value_label(field, c.old, lang),
                           "new": value_label(field, c.new, lang)} for c in changes])
    columns = {"subject": ui.t("diff.what"), "old": ui.t("diff.before"), "new": ui.t("diff.now")}
    if any(c.failure for c in changes):  # a source's change: what failed, as `panorama diff`
        frame["failure"] = [what_happened(c, ui.lang()) or "—" for c in changes]
        columns["failure"] = ui.t("diff.what_happened")
    ui.table(frame, columns)


def show(d: SemanticDiff) -> None:
    if d.old is None:
        st.info(ui.t("diff.no_earlier"))
        return
    lang = ui.lang()
    lab = load_labels()[lang]
    kind = ui.t("diff_two_revisions" if d.same_month else "diff_two_months")
    st.caption(ui.t("diff_versus", new=d.new.label_in(lang), old=d.old.label_in(lang),
                    kind=kind))
    if d.figures:
        rule = threshold_rule(d.thresholds, lab)
        note = (ui.t("diff_figures_all", n=len(d.figures)) if d.same_month else
                ui.t("diff_figures_rule", n=len(d.figures), rule=rule or ui.t("diff_any_change")))
        st.markdown(f"**{ui.t('diff_figures')}** {note}")
        frame = pd.DataFrame([{"subject": subject_label(m.of, m.subject, lang),
                               "metric": metric_name(m.metric, lab), "old": m.old,
                               "new": m.new, "pct": m.pct} for m in d.figures])
        ui.table(frame, {"subject": ui.t("diff.project"), "metric": ui.t("diff.figure"),
                         "old": ui.t("diff.before"), "new": ui.t("diff.now"),
                         "pct": ui.t("diff.change_pct")}, numbers=("old", "new"), pcts=("pct",))
    sep = ui.t("diff_list_sep")  # 、 between a Chinese list's names
    for table, (added, removed) in sorted(d.rows.items()):
        parts = []
        if added:
            parts.append(ui.t("diff.entered") + sep.join(ui.escape_md(a) for a in added))
        if removed:
            parts.append(ui.t("diff.left") + sep.join(ui.escape_md(r) for r in removed))
        title = ui.t(f"diff_table_{table}") if ui.has(f"diff_table_{table}") else table
        st.markdown(f"**{ui.escape_md(title)}** — " + ui.t("diff.parts_sep").join(parts))
    _changes(ui.t("diff_categories"), d.categories, "category")
    _changes(ui.t("diff_health"), d.health, "health")  # project health or source status
    _changes(ui.t("diff_verdicts"), d.verdicts, "verdict")
    if d.errata:
        st.markdown(f"**{ui.t('diff_errata')}** "
                    + ui.t("diff_errata_note", n=len(d.errata)))
        for text in d.errata:
            st.text(text)
    for c in d.corrections:
        st.warning(ui.t("diff_correction", month=c.month, revision=c.revision,
                        supersedes=c.supersedes, date=f"{c.published_at:%Y-%m-%d}",
                        reason=c.reason or "—"))
    changed = sum(1 for x in d.text if x[:1] in "+-" and not x.startswith(("+++", "---")))
    with st.expander(ui.t("diff.text_diff", n=changed)):
        st.code("\n".join(d.text) or ui.t("diff.identical"), language="diff")
