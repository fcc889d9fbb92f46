"""Panorama dashboard entrypoint: `streamlit run dashboard/app.py` (or `panorama dashboard`).

A router only (`st.navigation`); every page is a thin layout over `dashboard.data`, whose
cached queries open short read-only connections, so the app never holds the warehouse lock.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run` puts dashboard/ on sys.path, not the project root.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from dashboard import components as ui  # noqa: E402
from dashboard import data, fmt  # noqa: E402

st.set_page_config(page_title="Panorama — AI × Rust landscape", page_icon=":material/explore:", layout="wide")

PAGES = [
    st.Page("views/browse.py", title="Landscape", icon=":material/grid_view:", url_path="landscape",
            default=True),
    st.Page("views/trends.py", title="Trends", icon=":material/trending_up:", url_path="trends"),
    st.Page("views/compare.py", title="Compare", icon=":material/stacked_line_chart:",
            url_path="compare"),
    st.Page("views/search.py", title="Search", icon=":material/search:", url_path="search"),
    st.Page("views/project.py", title="Project", icon=":material/deployed_code:",
            url_path="project"),
    st.Page("views/review.py", title="Review", icon=":material/rule:", url_path="review"),
    st.Page("views/report.py", title="Report", icon=":material/description:", url_path="report"),
    st.Page("views/health.py", title="Health", icon=":material/monitor_heart:", url_path="health"),
]

page = st.navigation(PAGES)

with st.sidebar:
    ui.language_switch()
    st.caption("Panorama · AI × Rust landscape")
    try:
        info, stale = data.fetch(data.overview)
    except Exception:  # noqa: BLE001 - the sidebar must never break a page
        info, stale = None, False
    if info is None:
        st.caption("Warehouse: not available yet")
    else:
        st.caption(f"Warehouse: {fmt.human(info['items'])} items · {info['runs']} runs · "
                   f"latest month {info['latest_month'] or '—'}" + (" · busy" if stale else ""))
        if info.get("synthetic"):
            st.warning(ui.synthetic_notice(), icon=":material/science:")

page.run()
