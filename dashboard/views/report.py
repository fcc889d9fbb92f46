"""Report: a month's report as readers will see it (charts inline, markers stripped), what
changed since the last published month, and publishing behind the list of what to check."""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import data, diff_view, report_view
from dashboard.actions import publish_checks, publish_month
from report.diff import DiffError, semantic_diff

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
    try:
        diff = semantic_diff(month, lang=lang)
    except DiffError as exc:
        st.info(str(exc))
    except (duckdb.IOException, duckdb.ConnectionException):
        st.warning("Warehouse busy (a run is writing): reload in a moment for the diff.")
    else:
        diff_view.show(diff)

if is_draft:
    with tabs[2]:
        blockers, pending = publish_checks(month)
        st.markdown(f"**Before publishing {month}:**" if blockers or pending
                    else f"**Nothing blocks publishing {month}.**")
        names = data.load_or(pd.DataFrame(columns=["item_id", "name", "title", "kind"]),
                             data.items_by_id, tuple(e for b in blockers for e in b.examples))
        label = {r["item_id"]: r["title"] if r["kind"] in ("paper", "post") and r["title"]
                 else r["name"] for _, r in names.iterrows()}
        for b in blockers:  # the guard's words, its examples by name
            what = b.message.split(":", 1)[0]
            examples = ", ".join(label.get(e, e) for e in b.examples)
            st.warning(f"{what}" + (f": {examples}" if examples else "")
                       + (" …" if b.count > len(b.examples) else ""))
        if pending:
            st.info(f"{pending} review decision(s) wait for the warehouse; they are applied "
                    "before publishing.")
        reviewer = st.text_input("Reviewer", key="reviewer", persist_state="session",
                                 placeholder="your name (required)")
        reason = st.text_input("Why publish with this open work?", key="accept_open",
                               placeholder="the reason is printed in the report's banner",
                               disabled=not blockers) if blockers else ""
        if st.button(f"Publish {month}", key="publish_button", type="primary",
                     disabled=bool(blockers) and not (reason or "").strip()):
            if not (reviewer or "").strip():
                st.error("Enter your name as reviewer first: publishing is a person's decision.")
            else:
                ui.flash(*publish_month(month, reviewer, (reason or "").strip() or None))
                st.rerun()

with tabs[-1]:
    st.code(text, language="markdown")
