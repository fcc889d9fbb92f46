"""Report: a month's rendered draft, its diff to the last published month, download."""

from __future__ import annotations

import difflib

import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import data

st.title("Report")
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


c1, c2 = st.columns([1, 1])
month = c1.selectbox("Month", months, key="report_month")
lang = c2.radio("Language", ["zh", "en"], horizontal=True, key="report_lang",
                format_func=lambda x: {"zh": "中文", "en": "English"}[x])
path = data.report_file(month, lang, folder(month))
st.caption(f"{month}: {status(month)}")
if path is None:
    st.info(f"No {lang} report file for {month}.")
    st.stop()
text = path.read_text("utf-8")

earlier = published[published["month"] < month].sort_values("month")
against = None if earlier.empty else earlier.iloc[-1]
st.download_button(f"Download landscape.{lang}.md", text.encode("utf-8"),
                   file_name=f"landscape-{month}.{lang}.md", mime="text/markdown",
                   key="report_download")

rendered, diff_tab, source = st.tabs(
    ["Rendered", f"Diff to {against['month'] if against is not None else 'last published'}",
     "Markdown"])
with rendered:
    # The report escapes source text itself; Streamlit renders no raw HTML without opt-in.
    st.markdown(text)
with diff_tab:
    if against is None:
        st.info("No earlier month has been published yet: nothing to compare with.")
    else:
        current = data.landscape_rows(month, folder(month))
        base = data.load_or(None, data.published_items, against["month"])
        if current is not None and base is not None:
            from report.diff import diff_rows

            changes = diff_rows(month, against["month"], base.to_dict("records"), current).changes
            st.markdown(f"**What changed in the landscape since {against['month']}**")
            if changes:
                ui.table(pd.DataFrame([c.__dict__ for c in changes])[
                    ["kind", "entity", "old_category", "category", "old_rank", "rank"]])
            else:
                st.caption("No entries entered, left, moved or changed category.")
        old_path = data.report_file(against["month"], lang,
                                    folder(against["month"], int(against["revision"])))
        if old_path is None:
            st.warning(f"The published {against['month']} report file is missing.")
        else:
            lines = list(difflib.unified_diff(
                old_path.read_text("utf-8").splitlines(), text.splitlines(),
                fromfile=f"{against['month']} (published)", tofile=f"{month} ({status(month)})",
                lineterm="", n=1))
            added = sum(1 for ln in lines if ln.startswith("+") and not ln.startswith("+++"))
            removed = sum(1 for ln in lines if ln.startswith("-") and not ln.startswith("---"))
            st.caption(f"{added} line(s) added, {removed} removed against the published "
                       f"{against['month']} report.")
            st.code("\n".join(lines) or "(identical)", language="diff")
with source:
    st.code(text, language="markdown")
