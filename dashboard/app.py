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
from dashboard.app_pages import PAGES  # noqa: E402

ui.seed_language()  # before anything is drawn: the navigation's page titles are in it
st.set_page_config(page_title=ui.t("app.page_title"), page_icon=":material/explore:",
                   layout="wide")

page = st.navigation([st.Page(file, title=ui.t(f"nav.{path}"), icon=icon, url_path=path,
                              default=path == "landscape") for file, path, icon in PAGES])

with st.sidebar:
    ui.language_switch()
    st.caption(ui.t("app.tagline"))
    try:
        info, stale = data.fetch(data.overview)
    except Exception:  # noqa: BLE001 - the sidebar must never break a page
        info, stale = None, False
    if info is None:
        st.caption(ui.t("app.no_warehouse"))
    else:
        st.caption(ui.t("app.warehouse", items=fmt.human(info["items"]), runs=info["runs"],
                        month=info["latest_month"] or "—")
                   + (ui.t("app.busy") if stale else ""))
        if info.get("synthetic"):
            st.warning(ui.synthetic_notice(), icon=":material/science:")

page.run()
