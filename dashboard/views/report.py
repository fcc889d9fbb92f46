"""Report: a month's report as readers will see it (charts inline, markers stripped), what
changed since the last published month, and publishing behind the list of what to check."""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import data, diff_view, fmt, report_view
from dashboard.actions import publish_checks, publish_month
from report.diff import DiffError, semantic_diff

st.title(ui.t("nav.report"))
ui.show_flash()
revisions = data.load_or(pd.DataFrame(columns=["month", "revision", "status", "path"]),
                         data.report_revisions)
published = data.load_or(pd.DataFrame(columns=["month", "revision", "reviewer", "published_at"]),
                         data.publications)
months = sorted(set(data.report_months()) | set(revisions["month"]), reverse=True)
if not months:
    st.info(ui.t("report.none"))
    st.stop()


def folder(month: str, revision: int | None = None) -> str | None:
    """The folder of a month's revision (latest when None), relative to the reports dir."""
    rows = revisions[revisions["month"] == month]
    if revision is not None:
        rows = rows[rows["revision"] == revision]
    return None if rows.empty else str(rows.sort_values("revision").iloc[-1]["path"])


def status(month: str) -> str:
    pub = published[published["month"] == month]
    if not pub.empty:
        r = pub.iloc[0]
        return ui.t("report.published", revision=r["revision"], reviewer=r["reviewer"],
                    date=f"{r['published_at']:%Y-%m-%d}")
    rows = revisions[revisions["month"] == month]
    return (ui.t("report.draft_revision", revision=rows["revision"].max()) if not rows.empty
            else ui.t("report.draft"))


ui.from_url("month", months, default=months[0])
month = st.selectbox(ui.t("common.month"), months, key="month")
ui.to_url("month", month, default=months[0])
lang = ui.lang()
path = data.report_file(month, lang, folder(month))
st.caption(ui.t("report.status", month=month, status=status(month),
                language=fmt.LANG_LABELS[lang]))
if path is None:
    st.info(ui.t("report.no_file", language=fmt.LANG_LABELS[lang], month=month))
    st.stop()
text = path.read_text("utf-8")
earlier = published[published["month"] < month].sort_values("month")
against = None if earlier.empty else earlier.iloc[-1]
is_draft = published[published["month"] == month].empty

tabs = st.tabs([ui.t("report.tab_report"),
                ui.t("report.tab_changed", month=against["month"] if against is not None else "…")]
               + ([ui.t("report.tab_publish")] if is_draft else [])
               + [ui.t("report.tab_markdown")])
with tabs[0]:
    st.download_button(ui.t("report.download", code=lang), text.encode("utf-8"),
                       file_name=f"landscape-{month}.{lang}.md", mime="text/markdown",
                       key="report_download", icon=":material/download:")
    for block in report_view.blocks(text, path.parent):
        if block[0] == "md":
            st.markdown(block[1])  # the report escapes source text itself; no raw HTML
        elif block[0] == "image":
            st.image(block[1], caption=block[2] or None, width="content")
        else:
            st.caption(ui.t("report.missing_chart", name=block[1]))

with tabs[1]:
    try:
        diff = semantic_diff(month, lang=lang)
    except DiffError as exc:
        st.info(exc.text(lang))
    except (duckdb.IOException, duckdb.ConnectionException):
        st.warning(ui.t("report.busy"))
    else:
        diff_view.show(diff)

if is_draft:
    with tabs[2]:
        blockers, pending = publish_checks(month)
        st.markdown(f"**{ui.t('report.before', month=month)}**" if blockers or pending
                    else f"**{ui.t('report.nothing_blocks', month=month)}**")
        names = data.load_or(pd.DataFrame(columns=["item_id", "name", "title", "kind"]),
                             data.items_by_id, tuple(e for b in blockers for e in b.examples))
        label = {r["item_id"]: r["title"] if r["kind"] in ("paper", "post") and r["title"]
                 else r["name"] for _, r in names.iterrows()}
        for b in blockers:  # the guard's words, its examples by name
            blocked = b.kind
            key = f"blocker.{blocked}"  # the guard's words, in the reader's language
            what = ui.t(key, n=b.count) if ui.has(key) else b.message.split(":", 1)[0]
            examples = ", ".join(label.get(e, e) for e in b.examples)
            st.warning(f"{what}" + (ui.t("colon") + examples if examples else "")
                       + (" …" if b.count > len(b.examples) else ""))
        if pending:
            st.info(ui.t("report.pending", n=pending))
        reviewer = st.text_input(ui.t("common.reviewer"), key="reviewer", persist_state="session",
                                 placeholder=ui.t("common.reviewer_placeholder"))
        reason = st.text_input(ui.t("report.why_open"), key="accept_open",
                               placeholder=ui.t("report.why_placeholder"),
                               disabled=not blockers) if blockers else ""
        if st.button(ui.t("report.publish", month=month), key="publish_button", type="primary",
                     disabled=bool(blockers) and not (reason or "").strip()):
            if not (reviewer or "").strip():
                st.error(ui.t("report.name_first"))
            else:
                ui.flash(*publish_month(month, reviewer, (reason or "").strip() or None))
                st.rerun()

with tabs[-1]:
    st.code(text, language="markdown")
