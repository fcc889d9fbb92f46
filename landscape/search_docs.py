"""The documents of the lexical index: what of each item the BM25 ranking reads.

One `lexical.ItemDoc` per search-index label: the item's name (for a repository also its name
without the owner, and the watchlist entry it belongs to), title, description (a paper's
abstract), keywords and crates.io categories; and, in Chinese, the glossary's Chinese term for
every glossary term its English text uses ("inference engine" -> 推理引擎) plus its project's
Chinese name when the projects table has one, and the taxonomy's curated description of the
landscape item by that name (config/taxonomy.toml exemplars); and for every member of a watched
project the editors' one-line descriptions of the project in both languages
(config/descriptions.toml, `DESC_ZH_W` / `DESC_EN_W`; the Chinese line as character bigrams, as
a Chinese query is read) — so a query typed in Chinese finds items by their words too, not only
through translation of the query (`landscape.query_text`).

The curated descriptions also count for meaning: `item_texts` returns, beside the BM25 index,
the labels of items a taxonomy exemplar describes and the exemplar texts' vectors (from the
embeddings cache; the classifier embedded them already), so the embedding ranking can rank such
an item by the better of its own text and its curated one.

Public API:
    lexical_index(con, item_ids) -> lexical.BM25Index   # document number = position in item_ids
    item_texts(con, item_ids, model) -> ItemTexts        # the BM25 index + curated vectors
    texts_stamp() -> str     # the config files the documents read (the manifest records it)
    glossary_pairs() -> ((English phrase's tokens, Chinese term's tokens), ...)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

import duckdb
import numpy as np
import pyarrow as pa

from landscape import abbreviations, descriptions, glossary, taxonomy
from landscape.abbreviations import Abbreviations
from landscape.descriptions import load_descriptions
from landscape.embeddings import embed_cached, settle
from landscape.glossary import GLOSSARY_PATH, load_glossary
from landscape.lexical import (
    NAME_W,
    PROJECT_MARK,
    TEXT_W,
    UNIVERSAL,
    BM25Index,
    ItemDoc,
    build_bm25,
    name_key,
    tokens,
)
from landscape.taxonomy import load_taxonomy

# The editors' descriptions of a watched project (config/descriptions.toml) as words of each of
# its members: the field weight of the Chinese line and of the English one (0: not indexed),
# whether the English line also joins the curated texts the embedding ranking reads, and
# whether the lines' words count in a document's length (BM25's normalisation). Measured
# (bench/experiment_descriptions.py, bench/RESULTS.md): leave-one-query-out on the development
# judgments picks zh 0.5 / en 1.0 (Chinese dev 0.945 -> 0.969), but every setting with words
# lowers some file (heldout2's Chinese among the development ones), so it is off.
DESC_ZH_W = 0.0
DESC_EN_W = 0.0
DESC_CURATED = False
DESC_IN_LENGTH = True

_DOCS_SQL = """
    SELECT i.kind, i.name, i.title, coalesce(p.abstract, i.description) AS description,
           i.keywords, i.categories, i.watch_name
    FROM _lexical_ids w LEFT JOIN items i ON i.item_id = w.item_id
    LEFT JOIN papers p ON p.paper_id = w.item_id
    ORDER BY w.pos
"""


@lru_cache(maxsize=2)
def _glossary(mtime: float) -> tuple[tuple[frozenset[str], tuple[str, ...]], ...]:
    """(tokens of an English glossary phrase, tokens of its Chinese term) per phrase."""
    out = []
    for t in load_glossary():
        zh = t.zh_names[0]
        for en in t.en_forms:
            words = frozenset(tokens(en)) - UNIVERSAL
            if zh and words and len(en) > 2:
                out.append((words, tuple(tokens(zh))))
    return tuple(out)


def glossary_pairs() -> tuple[tuple[frozenset[str], tuple[str, ...]], ...]:
    return _glossary(GLOSSARY_PATH.stat().st_mtime if GLOSSARY_PATH.exists() else 0.0)


def _exemplars() -> dict[str, list[str]]:
    """name key -> the taxonomy's curated texts ("name: description") of that name."""
    out: dict[str, list[str]] = {}
    for c in load_taxonomy().categories:
        for e in c.exemplars:
            out.setdefault(name_key(e.name), []).append(e.full_text)
    return out


def _exemplar_terms() -> dict[str, list[str]]:
    """name key -> tokens of the taxonomy's curated description of the project by that name
    (the seed's landscape items: "opentelemetry: ... traces, metrics and logs for
    observability"), added to the item of that name — words its registry text may lack."""
    return {k: [t for text in texts for t in tokens(text.split(":", 1)[-1])]
            for k, texts in _exemplars().items()}


def _project_names(con: duckdb.DuckDBPyConnection,
                   item_ids: list[str]) -> dict[str, tuple[str | None, str | None, bool]]:
    """item_id -> (its project's name, its Chinese name, whether it is watched) for items in a
    project (issue 11's `v_item_project` and `projects`); empty before that migration."""
    settle(con)
    have = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE table_name = 'projects'"
        " UNION ALL SELECT view_name FROM duckdb_views() WHERE view_name = 'v_item_project'"
    ).fetchall()}
    if have != {"projects", "v_item_project"}:
        return {}
    con.register("_project_ids", pa.table({"item_id": pa.array(item_ids, pa.string())}))
    try:
        rows = con.execute(
            "SELECT v.item_id, v.project_name, p.name_zh, p.watched FROM v_item_project v"
            " JOIN _project_ids USING (item_id) JOIN projects p USING (project_id)"
            " WHERE v.role <> 'self'").fetchall()
    finally:
        con.unregister("_project_ids")
    return {r[0]: (r[1], r[2], bool(r[3])) for r in rows}


def _names(kind: str | None, name: str | None, project: str | None) -> list[str]:
    """Name keys: the item's own name(s), then its project's (marked)."""
    keys = [name_key(name or "")]
    if kind == "repo" and name and "/" in name:
        keys.append(name_key(name.split("/", 1)[1]))
    if project:
        keys.append(PROJECT_MARK + name_key(project))
    return [k for k in keys if k.strip(PROJECT_MARK)]


@dataclass
class ItemTexts:
    bm25: BM25Index
    curated_labels: np.ndarray    # int64: labels with a curated (taxonomy exemplar) text
    curated_vectors: np.ndarray   # float32 (len(curated_labels), dim), normalised
    # The content stamp of the config files read beyond the warehouse (`texts_stamp`, taken
    # before they were read: a change while building shows as stale, never as missed).
    stamp: str = ""
    # (short form, long form) pairs the texts define (`landscape.abbreviations`).
    abbreviations: Abbreviations = field(default_factory=Abbreviations)


def texts_stamp() -> str:
    """What the documents read besides the warehouse and the code, as the index records it:
    the editors' descriptions (`landscape.descriptions`), the glossary (its Chinese terms) and
    the taxonomy (its exemplars' curated texts). A sync whose stamp differs rewrites the
    lexical and curated files (`search_index.sync_search_index`). A hash of the contents, not
    the mtimes: a checkout or copy rewrites those without a change."""
    digest = hashlib.sha1()
    for path in (descriptions.DESCRIPTIONS_PATH, glossary.GLOSSARY_PATH, taxonomy.TAXONOMY_PATH):
        digest.update((path.read_bytes() if path.exists() else b"-") + b"\0")
    return digest.hexdigest()[:16]


def item_texts(con: duckdb.DuckDBPyConnection, item_ids: list[str], model: str) -> ItemTexts:
    """The lexical index and the curated texts' vectors of the items (labels = positions)."""
    stamp = texts_stamp()
    bm25, names, described, raw = _bm25(con, item_ids)
    by_key = _exemplars()
    editors = load_descriptions() if DESC_CURATED else {}
    labels, texts = [], []
    for label, keys in enumerate(names):
        own = [t for k in keys for t in by_key.get(k, [])]
        en = editors.get(described[label] or "", {}).get("en")
        if en:  # the project's name and the editors' line, as an exemplar's "name: text"
            own.append(f"{described[label]}: {en}")
        for text in dict.fromkeys(own):
            labels.append(label)
            texts.append(text)
    vectors, _ = embed_cached(con, texts, model)
    # The pairs the items' own texts and their curated ones define, as written (case).
    mined = abbreviations.mine([*raw, *dict.fromkeys(texts)])
    return ItemTexts(bm25, np.array(labels, dtype=np.int64),
                     np.ascontiguousarray(vectors, dtype=np.float32), stamp, mined)


def lexical_index(con: duckdb.DuckDBPyConnection, item_ids: list[str]) -> BM25Index:
    """The BM25 index of the items, in the order of `item_ids` (the FAISS labels)."""
    return _bm25(con, item_ids)[0]


def _description_terms() -> dict[str, list[tuple[str, float]]]:
    """Watchlist name -> (token, field weight) of the editors' zh and en lines (weight 0: off)."""
    out: dict[str, list[tuple[str, float]]] = {}
    for name, texts in load_descriptions().items():
        out[name] = [(t, w) for lang, w in (("zh", DESC_ZH_W), ("en", DESC_EN_W)) if w > 0
                     for t in tokens(texts.get(lang))]
    return out


def _bm25(con: duckdb.DuckDBPyConnection, item_ids: list[str]
          ) -> tuple[BM25Index, list[list[str]], list[str | None], list[str | None]]:
    """(the index, each label's name keys, each label's watched project with an editors'
    description, else None, the items' titles and descriptions as written)."""
    settle(con)
    con.register("_lexical_ids", pa.table({
        "item_id": pa.array(item_ids, pa.string()),
        "pos": pa.array(np.arange(len(item_ids), dtype=np.int64))}))
    try:
        rows = con.execute(_DOCS_SQL).fetchall()
    finally:
        con.unregister("_lexical_ids")
    pairs = glossary_pairs()
    exemplars = _exemplar_terms()
    projects = _project_names(con, item_ids)
    editors = _description_terms()
    docs, names, described, lengths = [], [], [], []
    raw: list[str | None] = []
    for item_id, (kind, name, title, desc, keywords, categories, watch_name) in zip(
            item_ids, rows, strict=True):
        shown = name.split("/", 1)[1] if kind == "repo" and name and "/" in name else name
        # The project's name; the watchlist entry's before the projects migration.
        project, project_zh, watched = projects.get(item_id, (watch_name, None,
                                                              watch_name is not None))
        tf = ItemDoc(name=" ".join(x for x in (shown, project) if x),
                     title=title if kind in ("paper", "post") else None, description=desc,
                     keywords=keywords, categories=categories).weighted_terms()
        # A glossary term whose English words all occur in the item: its Chinese term too.
        have = tf.keys()
        for words, zh in pairs:
            if words <= have:
                for t in zh:
                    tf[t] += TEXT_W
        for t in tokens(project_zh):
            tf[t] += NAME_W
        # The editors' lines of a watched project: every member's words (its crate, repo...).
        own = project if watched and project in editors else None
        lengths.append(sum(tf.values()))
        for t, w in editors.get(own or "", ()):
            tf[t] += w
        described.append(own)
        keys = _names(kind, name, project)
        for key in dict.fromkeys(k.lstrip(PROJECT_MARK) for k in keys):
            for t in exemplars.get(key, ()):
                tf[t] += TEXT_W
        docs.append(tf)
        names.append(keys)
        raw += [title, desc]
    return (build_bm25(docs, names, None if DESC_IN_LENGTH else lengths), names, described,
            raw)


__all__ = ["DESC_CURATED", "DESC_EN_W", "DESC_ZH_W", "ItemTexts", "glossary_pairs",
           "item_texts", "lexical_index", "texts_stamp"]
