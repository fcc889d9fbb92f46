"""Cached reads for the project-shaped pages (Browse, Project, Compare, Search).

Same rules as `dashboard.data`: each cached function takes (db_file, version, ...) and opens
a short read-only connection; pages call them through `data.load` / `data.load_or`.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import queries_choices as dqc
from dashboard import queries_items as dqi
from dashboard import queries_projects as dqp
from dashboard import queries_scope as dqs
from dashboard.data import TTL_S, _q, _read, clear_after_review_too, load
from landscape.taxonomy import is_description_key
from report.placement import Placement, read_scope

log = logging.getLogger(__name__)
SEARCH_TTL_S = 3600


@clear_after_review_too
@st.cache_data(ttl=TTL_S, show_spinner=False)
def project_cards(db_file: str, version: int, month: str, prev: str | None,
                  category: str | None = None,
                  project_ids: tuple[str, ...] = ()) -> pd.DataFrame:
    return _q(dqp.project_cards, db_file, month, prev, category, project_ids)


@clear_after_review_too
@st.cache_data(ttl=TTL_S, show_spinner=False)
def landscape_cards(db_file: str, version: int, month: str, prev: str | None,
                    category: str) -> pd.DataFrame:
    """A category's projects as the report places them; `suggested` marks the machine's."""
    return _q(dqs.landscape_cards, db_file, month, prev, category)


@clear_after_review_too
@st.cache_data(ttl=TTL_S, show_spinner=False)
def landscape_counts(db_file: str, version: int, month: str, prev: str | None,
                     health: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per category: landscape projects and machine suggestions, as the report counts."""
    return _q(dqs.landscape_counts, db_file, month, prev, health)


@clear_after_review_too
@st.cache_data(ttl=TTL_S, show_spinner=False)
def landscape_trend(db_file: str, version: int, metric: str, month: str,
                    kinds_: tuple[str, ...], categories_: tuple[str, ...]) -> pd.DataFrame:
    """Per category and month, the metric over `month`'s projects as the report places
    them, apart by trust (`trusted`: the landscape the report counts)."""
    return _q(dqs.landscape_trend, db_file, metric, month, kinds_, categories_)


@clear_after_review_too
@st.cache_data(ttl=TTL_S, show_spinner=False)
def category_counts(db_file: str, version: int, month: str, prev: str | None,
                    health: tuple[str, ...] = ()) -> pd.DataFrame:
    return _q(dqp.category_counts, db_file, month, prev, health)


@clear_after_review_too
@st.cache_data(ttl=TTL_S, show_spinner=False)
def project_movers(db_file: str, version: int, metric: str, month: str, prev_month: str,
                   kinds_: tuple[str, ...], categories_: tuple[str, ...], limit: int,
                   floor: float = 0.0, top: int = 5
                   ) -> dict[bool, tuple[pd.DataFrame, pd.DataFrame]]:
    """Rising (True) and falling (False) projects by % change above the noise floor (as the
    report ranks its movers), each with the series of its first `top`: over one connection,
    as opening one costs 20-40 ms of CPU and the Trends page shows all four."""
    out = {}
    with _read(db_file) as con:
        for rising in (True, False):
            movers = dqp.project_movers(con, metric, month, prev_month, kinds_, categories_,
                                        limit, floor, rising)
            top_ids = tuple(movers["project_id"].head(top))
            out[rising] = (movers, dqp.project_series(con, top_ids, metric))
    return out


@clear_after_review_too
@st.cache_data(ttl=TTL_S, show_spinner=False)
def landscape_scope(db_file: str, version: int, month: str) -> dict[str, Placement] | None:
    """Project id -> its placement in `month`, by the report's rule (`report.placement`)."""
    return _q(read_scope, db_file, month)


@clear_after_review_too
@st.cache_data(ttl=TTL_S, show_spinner=False)
def report_figures(db_file: str, version: int, month: str) -> pd.DataFrame:
    """The report's 90-day downloads and stars (and their change) of its projects."""
    return _q(dqs.report_figures, db_file, month)


@clear_after_review_too
@st.cache_data(ttl=TTL_S, show_spinner=False)
def report_movers(db_file: str, version: int, metric: str, month: str, floor: float
                  ) -> dict[bool, pd.DataFrame]:
    """The report's rising (True) and falling (False) movers of `metric`, every one of them,
    over one connection."""
    with _read(db_file) as con:
        return {rising: dqs.report_movers(con, metric, month, floor, rising)
                for rising in (True, False)}


def report_movers_view(metric: str, month: str, prev: str | None, kinds_: tuple[str, ...],
                       categories_: tuple[str, ...], floor: float, limit: int = 25,
                       top: int = 5) -> dict[bool, tuple[pd.DataFrame, pd.DataFrame]]:
    """The report's movers shaped like `project_movers` (names, link, the series of the first
    `top`), filtered by the Trends page's kinds and categories before the cut at `limit`."""
    out = {}
    for rising, movers in load(report_movers, metric, month, floor).items():
        ids = tuple(movers["project_id"])
        cards = (load(project_cards, month, prev, None, ids) if ids else
                 pd.DataFrame(columns=["project_id", "name_en", "name_zh", "url", "kinds"]))
        movers = movers.merge(cards[["project_id", "name_en", "name_zh", "url", "kinds"]],
                              on="project_id", how="left")
        for col in ("name_en", "name_zh"):  # a project the cards do not know keeps its name
            movers[col] = movers[col].fillna(movers["entity"])
        if categories_:
            movers = movers[movers["category"].isin(categories_)]
        if kinds_:
            has_kind = movers["kinds"].map(lambda ks: ks is not None and not isinstance(
                ks, float) and bool(set(ks) & set(kinds_))).astype(bool)
            movers = movers[has_kind]
        movers = movers.head(limit).reset_index(drop=True)
        top_ids = tuple(movers["project_id"].head(top))
        series = (load(project_series, top_ids, metric) if top_ids else
                  pd.DataFrame(columns=["project_id", "period", "value"]))
        out[rising] = (movers, series)
    return out


PAGE_METRICS = ("downloads_recent", "stars")  # the project page's two charts (the report's)


@clear_after_review_too
@st.cache_data(ttl=TTL_S, show_spinner=False)
def project_page(db_file: str, version: int, project_id: str, month: str,
                 prev: str | None) -> dict[str, pd.DataFrame]:
    """What the project page shows of one project, over one connection: its card, members,
    a series per PAGE_METRICS, relations, releases, papers. Opening a connection costs 20-40 ms
    of CPU (a DuckDB instance each time); read apart, these were 7 of its 12 opens."""
    with _read(db_file) as con:
        out = {"card": dqp.project_cards(con, month, prev, None, (project_id,)),
               "members": dqp.project_members(con, project_id),
               "relations": dqp.project_relations(con, project_id),
               "releases": dqp.project_releases(con, project_id, month=month),
               "papers": dqp.project_papers(con, project_id)}
        for metric in PAGE_METRICS:
            out[metric] = dqp.project_series(con, (project_id,), metric)
    return out


@st.cache_data(ttl=TTL_S, show_spinner=False)
def project_series(db_file: str, version: int, project_ids: tuple[str, ...],
                   metric: str) -> pd.DataFrame:
    return _q(dqp.project_series, db_file, project_ids, metric)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def project_choices(db_file: str, version: int, month: str | None = None) -> pd.DataFrame:
    return _q(dqc.project_choices, db_file, month)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def project_of(db_file: str, version: int, item_id: str) -> str | None:
    """The project an item belongs to (a link may name a crate or repository)."""
    rows = _q(dqc.project_of, db_file, (item_id,))
    return None if rows.empty else str(rows.iloc[0]["project_id"])


@st.cache_data(ttl=TTL_S, show_spinner=False)
def neighbour_names(db_file: str, version: int, item_ids: tuple[str, ...]) -> pd.DataFrame:
    """Name, kind, category and project of neighbour items (labelled exemplars included:
    an id the warehouse does not know keeps a readable name from its id)."""
    with _read(db_file) as con:
        names = dqi.items_by_id(con, item_ids)
        projects = dqc.project_of(con, item_ids)
    out = pd.DataFrame({"item_id": list(item_ids)})
    out = out.merge(names, on="item_id", how="left").merge(
        projects[["item_id", "project_id"]], on="item_id", how="left")
    readable = out["item_id"].map(_name_from_id)
    # a paper or post by its title (its name is an arXiv id or a URL slug)
    titled = out["title"].where(out["kind"].isin(["paper", "post"]) & out["title"].notna(),
                                out["name"])
    out["name"] = titled.where(titled.notna(), readable)
    # an id the warehouse does not know is one of the taxonomy's labelled examples, or a
    # category's own definition (its description, Chinese description or keywords: the page
    # words `definition` in the reader's language, ui_text [definition])
    out["definition"] = out["item_id"].map(_definition_part)
    out["kind"] = out["kind"].where(out["kind"].notna(), "exemplar")  # ui_text [kind]
    out.loc[out["definition"].notna(), "kind"] = "definition"
    return out


def _definition_part(item_id: Any) -> str | None:
    """'taxonomy:agentic-web:description-keywords' → 'description-keywords'; None for an
    item or a labelled example (landscape.taxonomy.labelled_texts names them)."""
    key = str(item_id or "")
    return key.rsplit(":", 1)[-1] if is_description_key(key) else None


def _name_from_id(item_id: Any) -> str:
    """'exemplar:agentic-web:rig' → 'rig' (a labelled example of the taxonomy)."""
    return str(item_id).rsplit(":", 1)[-1] if item_id else "—"


@st.cache_resource(show_spinner=False)
def embedding_model() -> Any:
    """The sentence-transformers model, loaded once per process (search embeds the query)."""
    from landscape.embeddings import load_model, model_name_or_default

    return load_model(model_name_or_default(None))


@st.cache_data(ttl=SEARCH_TTL_S, show_spinner=False)
def search(db_file: str, version: int, query: str, kinds_: tuple[str, ...],
           categories_: tuple[str, ...], month: str | None, limit: int) -> pd.DataFrame:
    """Search hits, one per project (`landscape.search.search`: hybrid meaning + words, in
    English or Chinese; its best-matching member shown), labelled with titles and links.
    A keyword search over names and descriptions when that fails; column `match` says which
    ('hybrid', 'meaning_only' or 'keyword:<error>'), `read_as` the English a Chinese query was
    read as."""
    # Imported here, not at the top: it loads torch, which only the Search page needs.
    from landscape.search import SearchInputError
    from landscape.search import search as search_projects

    with _read(db_file) as con:
        try:
            embedding_model()
            result = search_projects(con, query, kinds=list(kinds_) or None,
                                     categories=list(categories_) or None, month=month,
                                     limit=limit)[0]
            rows = pd.DataFrame(result["hits"]).rename(columns={"project": "project_id"})
            # how the search ran, as ids the page words in the reader's language
            match = "hybrid" if result.get("index_current", True) else "meaning_only"
            read_as = result.get("english") if result.get("lang") == "zh" else None
        except SearchInputError:
            raise
        except Exception as exc:  # noqa: BLE001 - search must degrade, not break the page
            log.warning("search failed, using keyword search: %s", exc)
            rows = dqi.keyword_search(con, query, kinds_, categories_, month, limit * 3)
            match, read_as = f"keyword:{type(exc).__name__}", None
            if not rows.empty:
                projects = dqc.project_of(con, tuple(rows["item_id"]))
                rows = rows.merge(projects, on="item_id", how="left")
                rows["project_id"] = rows["project_id"].fillna(rows["item_id"])
                rows = rows.drop_duplicates("project_id").head(limit)
        if rows.empty:
            return rows.assign(match=[], read_as=[])
        labels = dqi.items_by_id(con, tuple(rows["item_id"]))
    if "title" not in rows:
        rows = rows.merge(labels[["item_id", "title"]], on="item_id", how="left")
    return rows.assign(match=match, read_as=read_as).reset_index(drop=True)
