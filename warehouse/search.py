"""Semantic search over every item kind (crates, repos, papers, posts).

Public API:
    semantic_search(con, query, *, kinds=None, categories=None, month=None, limit=20,
                    model_name=None) -> list[dict]

Each result: item_id, kind, title, url, score (cosine), category (current, from
`v_item_category`; None when unclassified), snippet. Filters: `kinds` (e.g. ['crate',
'paper']), `categories` (taxonomy ids / 'out_of_scope' / 'uncategorized'), `month` ('YYYY-MM':
created at the source that month, or first seen that month when the source gives no date).
Only items embedded by the classify step are searched (the query embeds one text).
"""

from __future__ import annotations

import duckdb
import numpy as np

from warehouse.embed import encode, load_item_vectors, model_name_or_default


def _snippet(text: str | None, width: int = 240) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[:width - 1].rsplit(" ", 1)[0] + "…"


def semantic_search(con: duckdb.DuckDBPyConnection, query: str, *,
                    kinds: list[str] | None = None, categories: list[str] | None = None,
                    month: str | None = None, limit: int = 20,
                    model_name: str | None = None) -> list[dict]:
    """Items ranked by cosine similarity of their embedding to the query's."""
    model = model_name_or_default(model_name)
    if not (query or "").strip():
        return []
    where, params = [], []
    if kinds:
        where.append("list_contains(?, i.kind)")
        params.append(list(kinds))
    if categories:
        where.append("ie.item_id IN (SELECT item_id FROM v_item_category"
                     " WHERE list_contains(?, category))")
        params.append(list(categories))
    if month:
        where.append("strftime(coalesce(i.created_at, i.first_seen_at), '%Y-%m') = ?")
        params.append(month)
    cand = load_item_vectors(con, model_name=model, where=" AND ".join(where), params=params)
    if not cand.item_ids:
        return []
    q = encode([query], model)[0]
    scores = cand.vectors @ q
    top = np.argsort(-scores)[:limit]
    ids = [cand.item_ids[n] for n in top]
    meta = {r[0]: r[1:] for r in con.execute(
        """
        SELECT i.item_id, i.kind, coalesce(i.title, i.name), i.url, i.description, c.category
        FROM items i LEFT JOIN v_item_category c USING (item_id)
        WHERE list_contains(?, i.item_id)""", [ids]).fetchall()}
    return [{"item_id": i, "kind": meta[i][0], "title": meta[i][1], "url": meta[i][2],
             "score": round(float(scores[n]), 4), "category": meta[i][4],
             "snippet": _snippet(meta[i][3])} for i, n in zip(ids, top, strict=True)]
