"""Report: a month's report as readers will see it (charts inline, markers stripped), what
changed since the last published month, and publishing behind the list of what to check."""

from __future__ import annotations

import difflib

import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import data, report_view
from dashboard.actions import publish_checks, publish_month
from report.diff import diff_rows

st.title("Report")
ui.show_flash()
revisions = data.load_or(pd.DataFrame(columns=["month", "revision", "status", "path"]),
                         data.report_revisions)
published = data.load_or(pd.DataFrame(columns=["month", "revision", "reviewer", "published_at"]),
                         data.publications)
months = sorted(set(data.report_months()) | set(revisions["month"]), reverse=True)
if not months:
    st.info("No report yet: the monthly run writes a draft to `reports/YYYY-MM/` "
            "(`panorama demo`).")
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
        return f"published (revision {r['revision']}) by {r['reviewer']} on {r['published_at']:%Y-%m-%d}"
    rows = revisions[revisions["month"] == month]
    return f"draft (revision {rows['revision'].max()})" if not rows.empty else "draft"


ui.from_url("month", months, default=months[0])
month = st.selectbox("Month", months, key="month")
ui.to_url("month", month, default=months[0])
lang = ui.lang()
path = data.report_file(month, lang, folder(month))
st.caption(f"{month}: {status(month)} · {'中文' if lang == 'zh' else 'English'} "
           "(switch the language in the sidebar)")
if path is None:
    st.info(f"No {lang} report file for {month}.")
    st.stop()
text = path.read_text("utf-8")
earlier = published[published["month"] < month].sort_values("month")
against = None if earlier.empty else earlier.iloc[-1]
is_draft = published[published["month"] == month].empty

tabs = st.tabs(["Report", f"What changed since {against['month'] if against is not None else '…'}"]
               + (["Publish"] if is_draft else []) + ["Markdown"])
with tabs[0]:
    st.download_button(f"Download landscape.{lang}.md", text.encode("utf-8"),
                       file_name=f"landscape-{month}.{lang}.md", mime="text/markdown",
                       key="report_download", icon=":material/download:")
    for block in report_view.blocks(text, path.parent):
        if block[0] == "md":
            st.markdown(block[1])  # the report escapes source text itself; no raw HTML
        elif block[0] == "image":
            st.image(block[1], caption=block[2] or None, width="content")
        else:
            st.caption(f"(chart “{block[1]}” is not in the report folder)")

with tabs[1]:
    if against is None:
        st.info("No earlier month has been published yet: nothing to compare with.")
    else:
        current = data.landscape_rows(month, folder(month))
        base = data.load_or(None, data.published_items, against["month"])
        if current is not None and base is not None:
            changes = diff_rows(month, against["month"], base.to_dict("records"), current).changes
            st.markdown(f"**What changed in the landscape since {against['month']}**")
            if changes:
                frame = pd.DataFrame([c.__dict__ for c in changes])
                for col in ("category", "old_category"):
                    frame[col] = frame[col].map(ui.category_name)
                ui.table(frame, {"kind": "change", "entity": "project", "old_category": "was in",
                                 "category": "now in", "old_rank": "rank before",
                                 "rank": "rank now"})
            else:
                st.caption("No entries entered, left, moved or changed category.")
        old_path = data.report_file(against["month"], lang,
                                    folder(against["month"], int(against["revision"])))
        if old_path is not None:
            lines = list(difflib.unified_diff(
                old_path.read_text("utf-8").splitlines(), text.splitlines(),
                fromfile=f"{against['month']} (published)", tofile=f"{month} ({status(month)})",
                lineterm="", n=1))
            added = sum(1 for ln in lines if ln.startswith("+") and not ln.startswith("+++"))
            removed = sum(1 for ln in lines if ln.startswith("-") and not ln.startswith("---"))
            with st.expander(f"Line diff of the Markdown: {added} line(s) added, {removed} "
                             f"removed against the published {against['month']} report"):
                st.code("\n".join(lines) or "(identical)", language="diff")

if is_draft:
    with tabs[2]:
        st.markdown(f"**Before publishing {month}, check:**")
        checks = publish_checks(month)
        for level, message in checks:
            getattr(st, level)(message)
        reviewer = st.text_input("Reviewer", key="reviewer", persist_state="session",
                                 placeholder="your name (required)")
        blocking = any(level == "error" for level, _ in checks)
        confirm = st.checkbox("Publish anyway", key="publish_anyway", disabled=not checks,
                              help="Items still wait for review or a source failed: tick to "
                                   "publish with them as they are.") if checks else True
        if st.button(f"Publish {month}", key="publish_button", type="primary",
                     disabled=blocking or not confirm):
            if not (reviewer or "").strip():
                st.error("Enter your name as reviewer first: publishing is a person's decision.")
            else:
                ui.flash(*publish_month(month, reviewer))
                st.rerun()

with tabs[-1]:
    st.code(text, language="markdown")
