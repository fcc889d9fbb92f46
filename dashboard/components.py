"""Display helpers shared by the pages: the language switch, tables for people, links.

Source text (names, descriptions, titles) is data: it is shown through `st.dataframe`,
`st.text` or Markdown-escaped with the report's own escaper (`report.render.md`), never with
`unsafe_allow_html`; links are kept only when they are http(s) URLs (`report.render.safe_url`),
so a `javascript:` URL from a source cannot become a clickable link.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import fmt, ui_text
from landscape.review_inbox import InboxDecision
from report import health_words
from report.render import load_labels, md, safe_url

PROJECT_PAGE = "views/project.py"
DEFAULT_LANG = "en"  # README: the switch picks Chinese with ?lang=zh


def escape_md(text: Any) -> str:
    """Source text made inert for `st.markdown` (the report's escaper: one home)."""
    return str(md("" if text is None else text, line_start=False))


def lang() -> str:
    """The reader's language ('zh' or 'en'): the dashboard's words, category / metric /
    project names and the report, set by the sidebar switch (kept in the URL as `?lang=`)."""
    value = st.session_state.get("lang")
    return value if value in fmt.LANGS else DEFAULT_LANG


def t(key: str, /, **values: Any) -> str:
    """The dashboard's text `key` in the reader's language (dashboard/ui_text.toml, else the
    report's labels), with `values` filled in."""
    return ui_text.text(key, lang(), **values)


def has(key: str) -> bool:
    """Whether `key` has a text in the reader's language."""
    return ui_text.has(key, lang())


def count(n: Any, unit: str) -> str:
    """"12 projects" / "12 个项目" (units: ui_text.toml [count])."""
    return ui_text.count(n, unit, lang(), fmt.human)


def kind_name(kind: Any) -> str:
    """An item kind (crate, repo, paper, post) in the reader's language."""
    key = f"kind.{kind}"
    return t(key) if ui_text.has(key, lang()) else ("—" if kind is None else str(kind))


def health_label(state: Any) -> str:
    """A project's health in the report's words (labels health_<state>)."""
    key = f"health_{state}"
    return t(key) if ui_text.has(key, lang()) else t("health_unknown")


def health_detail(row: Any) -> str | None:
    """Why a project (a card or a page row) has its health, in the reader's language: the
    signal and facts the projects area stored, worded as report/health_words.py does."""
    signal, facts = row.get("health_signal"), row.get("health_facts")
    return health_words.health_detail(signal if isinstance(signal, str) else None,
                                      facts if isinstance(facts, str | dict) else None, lang())


def status_label(status: Any) -> str:
    """A run's or a source's status in the report's words (labels health_ok, … ; ui_text
    [status] for the run-level ones)."""
    for key in (f"health_{status}", f"status.{status}"):
        if ui_text.has(key, lang()):
            return t(key)
    return "—" if status is None else str(status).replace("_", " ")


def name_column() -> str:
    """The project-name column of a `project_choices` frame in the reader's language (a
    project without a Chinese name keeps its English one there)."""
    return "name_zh" if lang() == "zh" else "name"


def synthetic_notice() -> str:
    """What the report says of demo data, in the reader's language (one wording: the
    report's labels)."""
    return str(load_labels()[lang()]["synthetic"])


def seed_language() -> None:
    """Set the language from `?lang=` before anything is drawn (the page titles of the
    navigation are in it); the switch itself is drawn later in the sidebar."""
    from_url("lang", fmt.LANGS, default=DEFAULT_LANG)


def language_switch() -> None:
    seed_language()
    st.radio("语言 · Language", fmt.LANGS, key="lang", horizontal=True,
             format_func=fmt.LANG_LABELS.get, persist_state="session", help=t("app.language_help"))
    to_url("lang", st.session_state["lang"], default=DEFAULT_LANG)


def from_url(key: str, valid: Any = None, *, default: Any = None, multi: bool = False,
             cast: Any = str) -> None:
    """Seed the widget state `key` from `?key=` (comma-separated when `multi`) when the URL
    brings a value the page has not seen yet (a shared link, a link from another page), else
    from `default` the first time. Call it before creating the widget, and create the widget
    without a value of its own. (Streamlit's own query-param binding matches a selectbox's
    *displayed* labels, which change with the language, so ids are kept here instead.)"""
    raw = st.query_params.get(key)
    if raw is not None and (raw != st.session_state.get(f"_url_{key}")
                            or key not in st.session_state):
        st.session_state[f"_url_{key}"] = raw
        try:
            value = [cast(v) for v in raw.split(",") if v] if multi else cast(raw)
        except ValueError:
            value = None
        if valid is not None and value is not None:
            value = [v for v in value if v in valid] if multi else (value if value in valid
                                                                    else None)
        if value is not None:
            st.session_state[key] = value
            return
    if key not in st.session_state and default is not None:
        st.session_state[key] = default


def to_url(key: str, value: Any, *, default: Any = None) -> None:
    """Keep the widget's value in the URL (removed when it is the default or empty)."""
    text = ",".join(map(str, value)) if isinstance(value, list | tuple) else (
        "" if value is None else str(value))
    if text and value != default:
        if st.query_params.get(key) != text:
            st.query_params[key] = text
        st.session_state[f"_url_{key}"] = text
    else:
        if key in st.query_params:
            del st.query_params[key]
        st.session_state[f"_url_{key}"] = None


def category_name(cid: Any) -> str:
    return fmt.category_name(cid, lang())


def metric_name(mid: str) -> str:
    return fmt.metric_name(mid, lang())


def taxonomy_ids() -> list[str]:
    """Category ids a reviewer can assign (taxonomy order), out of scope last."""
    return fmt.taxonomy_order()


def _styled(df: pd.DataFrame, numbers: tuple[str, ...], deltas: tuple[str, ...],
            pcts: tuple[str, ...], dates: tuple[str, ...], statuses: tuple[str, ...] = ()) -> Any:
    """A Styler that shows people's numbers and coloured ▲▼ while the frame keeps the raw
    values (sorting a column sorts the numbers, not the text)."""
    formats: dict[str, Any] = {}
    formats.update({c: fmt.human for c in numbers if c in df})
    formats.update({c: fmt.delta for c in deltas if c in df})
    formats.update({c: fmt.pct for c in pcts if c in df})
    formats.update({c: fmt.date for c in dates if c in df})
    formats.update({c: status_label for c in statuses if c in df})  # coloured by the raw value
    style = df.style.format(formats, na_rep="—")
    coloured = [c for c in (*deltas, *pcts) if c in df]
    if coloured:
        style = style.map(lambda v: fmt.direction_colour(fmt.delta(v)), subset=coloured)
    statuses = tuple(c for c in statuses if c in df)
    if statuses:
        style = style.map(fmt.status_colour, subset=list(statuses))
    return style


def table(df: pd.DataFrame, cols: dict[str, str], *, key: str | None = None,
          numbers: tuple[str, ...] = (), deltas: tuple[str, ...] = (),
          pcts: tuple[str, ...] = (), dates: tuple[str, ...] = (),
          statuses: tuple[str, ...] = (), links: tuple[str, ...] = ("url",),
          height: int | None = None, open_project: str | None = None,
          **column_config: Any) -> None:
    """A dataframe for people: `cols` maps the columns to show (in order) to their headers;
    numbers, deltas and percentages formatted, statuses coloured, http(s) links clickable, else
    inert text. With `open_project` (a column of project ids) and a `key`, clicking a row
    opens that project's page."""
    shown = df.reset_index(drop=True).copy()
    for c in cols:
        if c in shown and shown[c].dtype == object and c not in links:
            shown[c] = shown[c].where(shown[c].notna(), "—")
    config: dict[str, Any] = {c: st.column_config.Column(h) for c, h in cols.items()}
    for col in links:
        if col in shown:
            shown[col] = shown[col].map(safe_url)
            config[col] = st.column_config.LinkColumn(cols.get(col, t("common.link")),
                                                       display_text=t("common.open_link"))
    for col in ("confidence", "similarity", "score"):
        if col in shown and col in cols and pd.api.types.is_numeric_dtype(shown[col]):
            config[col] = st.column_config.NumberColumn(cols[col], format="%.2f")
    config.update(column_config)
    kwargs: dict[str, Any] = {"hide_index": True, "column_config": config, "width": "stretch",
                              "column_order": [c for c in cols if c in shown],
                              "placeholder": "—"}  # a missing value, never "None"
    if height or len(shown) > 10:  # show every row up to ~16 without an inner scroll
        kwargs["height"] = height or min(38 + 35 * len(shown), 600)
    if key:
        kwargs["key"] = key
    selectable = bool(open_project and key and open_project in shown and len(shown))
    if selectable:
        kwargs.update(on_select="rerun", selection_mode="single-row")
    event = st.dataframe(_styled(shown, numbers, deltas, pcts, dates, statuses), **kwargs)
    if selectable:
        rows = getattr(getattr(event, "selection", None), "rows", None) or []
        if rows:
            open_project_page(str(shown.iloc[rows[0]][open_project]))


def open_project_page(project_id: str) -> None:
    st.switch_page(PROJECT_PAGE, query_params={"id": project_id})


def project_link(project_id: str, label: str, *, key: str | None = None) -> None:
    """A link to a project's page (same tab)."""
    st.page_link(PROJECT_PAGE, label=label, query_params={"id": project_id},
                 icon=":material/arrow_forward:")


def neighbour_named(nb: pd.DataFrame) -> pd.DataFrame:
    """Neighbours named (`data_projects.neighbour_names` merged in) with a category's own
    definition worded in the reader's language ("the category's keywords"), not its raw id."""
    if "definition" not in nb.columns:
        return nb
    part = nb["definition"]
    worded = part.map(lambda p: t(f"definition.{p}") if isinstance(p, str)
                      and ui_text.has(f"definition.{p}", lang()) else None)
    return nb.assign(name=worded.where(worded.notna(), nb["name"]))


def neighbours(raw: Any) -> pd.DataFrame:
    """The classifier's neighbours (JSON list of objects or [id, category, score] triples)
    as a frame with item_id, category, similarity."""
    cols = ["item_id", "category", "similarity"]
    if raw is None or (isinstance(raw, float) and pd.isna(raw)):
        return pd.DataFrame(columns=cols)
    data = raw
    if isinstance(raw, str):
        try:
            data = json.loads(raw)
        except ValueError:
            return pd.DataFrame(columns=cols)
    rows = []
    for entry in data if isinstance(data, list) else []:
        if isinstance(entry, dict):
            rows.append({
                "item_id": entry.get("item_id") or entry.get("id") or entry.get("label_id"),
                "category": entry.get("category") or entry.get("label"),
                "similarity": entry.get("similarity", entry.get("score", entry.get("sim"))),
            })
        elif isinstance(entry, list | tuple) and entry:
            rows.append(dict(zip(cols, list(entry) + [None] * 3, strict=False)))
    return pd.DataFrame(rows, columns=cols)


def pending_frame(pending: list[InboxDecision]) -> pd.DataFrame:
    cols = ["item_id", "decision", "category", "reviewer", "decided_at", "note"]
    return pd.DataFrame([{c: getattr(d, c) for c in cols} for d in pending], columns=cols)


def overlay_pending(df: pd.DataFrame, pending: list[InboxDecision]) -> pd.DataFrame:
    """Show decisions still in the inbox as the items' category, marked 'pending review'."""
    if df.empty or not pending or "item_id" not in df:
        return df
    latest = {d.item_id: d for d in pending}  # oldest first, so the newest wins
    out = df.copy()
    hit = out["item_id"].isin(latest)
    if "category" in out:
        out.loc[hit, "category"] = [
            latest[i].category or out.loc[idx, "category"]
            for idx, i in zip(out.index[hit], out.loc[hit, "item_id"], strict=True)]
    if "decided_by" in out:
        out.loc[hit, "decided_by"] = t("common.pending_review")
    return out


def month_before(months: list[str], month: str) -> str | None:
    earlier = [m for m in months if m < month]
    return earlier[-1] if earlier else None


def flash(kind: str, message: str) -> None:
    """Show a message after the next rerun (e.g. after a form submit)."""
    st.session_state["_flash"] = (kind, message)


def show_flash() -> None:
    item = st.session_state.pop("_flash", None)
    if item:
        getattr(st, item[0])(item[1])
