"""Scoring search on a judgments file (the format of ../shared/eval/search.dev.json).

A judgments file: {"about", "groups": {project: [pattern, ...]}, "queries": [{"q", "lang",
"rel": [project, ...], "name": true?}]}. A hit is a project when one of the project's patterns
is a substring of the hit's JSON. A project counts once (a second hit on it earns nothing).
nDCG@10 with binary gain, ideal = min(10, number of relevant projects); for a name query the
score is whether the first hit is that project.

Public API:
    score_hits(hits, rel, groups, name=False, k=10) -> float
    evaluate(con_or_path, judgments_path, *, model_name=None, k=10) -> dict
        {"ndcg@10": {"en": .., "zh": ..}, "name_first_hit": .., "queries": n, "per_query": [...]}
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb

from landscape.search import search


def _project_of(hit: dict, rel: list[str], groups: dict[str, list[str]]) -> str | None:
    text = json.dumps(hit, ensure_ascii=False, default=str)
    for project in rel:
        if any(p in text for p in groups.get(project, [project])):
            return project
    return None


def score_hits(hits: list[dict], rel: list[str], groups: dict[str, list[str]],
               name: bool = False, k: int = 10) -> float:
    if name:
        return float(bool(hits) and _project_of(hits[0], rel, groups) is not None)
    seen: set[str] = set()
    dcg = 0.0
    for n, hit in enumerate(hits[:k]):
        project = _project_of(hit, rel, groups)
        if project is not None and project not in seen:
            seen.add(project)
            dcg += 1.0 / math.log2(n + 2)
    ideal = sum(1.0 / math.log2(n + 2) for n in range(min(k, len(rel))))
    return dcg / ideal if ideal else 0.0


def bucket(query: dict) -> str:
    """'name' for a name query (first-hit accuracy), else its language (nDCG@k)."""
    return "name" if query.get("name") else query.get("lang", "en")


def score_query(query: dict, hits: list[dict], groups: dict[str, list[str]],
                k: int = 10) -> float:
    """A judged query's score: first hit for a name query, nDCG@k otherwise."""
    return score_hits(hits, query["rel"], groups, name=bool(query.get("name")), k=k)


def _mean(xs: list[float]) -> float | None:
    return round(sum(xs) / len(xs), 4) if xs else None


def evaluate(con_or_path: duckdb.DuckDBPyConnection | str | Path, judgments_path: str | Path,
             *, model_name: str | None = None, k: int = 10) -> dict:
    """Scores of `search` on the judgments (see module doc)."""
    data = json.loads(Path(judgments_path).read_text("utf-8"))
    groups, queries = data.get("groups", {}), data["queries"]
    results = search(con_or_path, [q["q"] for q in queries], limit=k, model_name=model_name)
    per_bucket: dict[str, list[float]] = {}
    per_query = []
    for q, res in zip(queries, results, strict=True):
        s = score_query(q, res["hits"], groups, k=k)
        per_bucket.setdefault(bucket(q), []).append(s)
        per_query.append({"q": q["q"], "lang": q.get("lang", "en"), "name": bool(q.get("name")),
                          "score": round(s, 4),
                          "top": [h["item_id"] for h in res["hits"][:k]]})
    names = per_bucket.pop("name", [])
    return {"ndcg@10": {lang: _mean(v) for lang, v in sorted(per_bucket.items())},
            "name_first_hit": _mean(names), "queries": len(queries),
            "judgments": str(judgments_path), "per_query": per_query}


__all__ = ["bucket", "evaluate", "score_hits", "score_query"]
