"""Emerging topics: clusters of in-scope items that fit no category yet.

Public API:
    detect_emerging_topics(con, run_id, *, month=None, min_size=3, distance_threshold=0.55,
                           model_name=None) -> list[dict]

A month's topics come from that month only: the uncategorized items created in it (the
report's `created_month`: the source's creation time, else when first seen), so a month's
report is the same whether later months were collected before it or not. Items whose current
category is `uncategorized` are clustered on their embeddings
(agglomerative, cosine, average linkage — no k to choose); each cluster of at least `min_size`
items becomes a candidate topic named from its most distinctive terms (class-based TF-IDF,
as in BERTopic), with the items nearest its centroid as representatives. The run's rows in
`emerging_topics` are replaced. Each dict: topic_id, run_id, name, terms, item_ids, size,
representative_ids.
"""

from __future__ import annotations

import logging

import duckdb
import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import CountVectorizer

from landscape.embeddings import ensure_item_embeddings, model_name_or_default
from landscape.taxonomy import UNCATEGORIZED

log = logging.getLogger(__name__)

_STOP = {"rust", "crate", "library", "written", "using", "based", "use", "simple", "fast",
         "implementation", "rs", "lib", "paper", "propose", "proposed", "approach", "method",
         "results", "new", "model", "models"}


def class_tfidf_terms(docs_per_class: list[str], top: int = 5) -> list[list[str]]:
    """Most distinctive terms of each class (c-TF-IDF: term frequency in the class times
    log(1 + average class size / the term's frequency over all classes))."""
    if not docs_per_class:
        return []
    vec = CountVectorizer(stop_words="english", ngram_range=(1, 2), token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9+#.-]{1,}\b")
    try:
        counts = vec.fit_transform(docs_per_class).toarray().astype(float)
    except ValueError:  # only stop words
        return [[] for _ in docs_per_class]
    vocab = np.array(vec.get_feature_names_out())
    mask = np.array([not (set(t.split()) & _STOP) for t in vocab])
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    avg = counts.sum() / len(docs_per_class)
    idf = np.log(1 + avg / np.maximum(counts.sum(axis=0), 1))
    score = tf * idf * mask
    return [[vocab[j] for j in np.argsort(-row)[:top] if row[j] > 0] for row in score]


def _month_of_run(con: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    row = con.execute("SELECT month FROM runs WHERE run_id = ?", [run_id]).fetchone()
    return row[0] if row else None


def detect_emerging_topics(con: duckdb.DuckDBPyConnection, run_id: str, *,
                           month: str | None = None, min_size: int = 3,
                           distance_threshold: float = 0.55,
                           model_name: str | None = None) -> list[dict]:
    """Cluster the month's uncategorized in-scope items into candidate topics and store them.

    Args:
        con: a writable warehouse connection.
        run_id: the run the topics belong to (its rows in `emerging_topics` are replaced).
        month: the month whose items are clustered (default: the run's month; a run that is
            no month's, such as a manual `classify`, clusters every uncategorized item).
    """
    model = model_name_or_default(model_name)
    month = month or _month_of_run(con, run_id)
    ids = [r[0] for r in con.execute(
        """
        SELECT c.item_id FROM v_item_category c JOIN items i USING (item_id)
        WHERE c.category = $cat
          AND ($month IS NULL
               OR strftime(coalesce(i.created_at, i.first_seen_at), '%Y-%m') = $month)
        ORDER BY c.item_id
        """, {"cat": UNCATEGORIZED, "month": month}).fetchall()]
    con.execute("DELETE FROM emerging_topics WHERE run_id = ?", [run_id])
    if len(ids) < min_size:
        return []
    iv = ensure_item_embeddings(con, ids, model)  # cached: embeds only never-seen items
    if len(iv.item_ids) < min_size:
        return []
    labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                     distance_threshold=distance_threshold).fit_predict(iv.vectors)
    clusters = sorted(set(labels), key=lambda c: -int((labels == c).sum()))
    terms = class_tfidf_terms([" ".join(t for t, lab in zip(iv.texts, labels, strict=True)
                                        if lab == c) for c in clusters])
    topics = []
    for c, words in zip(clusters, terms, strict=True):
        members = np.flatnonzero(labels == c)
        if len(members) < min_size:
            continue
        centroid = iv.vectors[members].mean(axis=0)
        rep = members[np.argsort(-(iv.vectors[members] @ centroid))[:3]]
        topic = {"topic_id": f"{run_id}:{len(topics) + 1}", "run_id": run_id,
                 "name": " / ".join(words[:3]) or f"topic {len(topics) + 1}",
                 "terms": words, "item_ids": [iv.item_ids[m] for m in members],
                 "size": int(len(members)),
                 "representative_ids": [iv.item_ids[m] for m in rep]}
        con.execute("INSERT INTO emerging_topics (topic_id, run_id, name, terms, item_ids, size,"
                    " representative_ids) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [topic[k] for k in ("topic_id", "run_id", "name", "terms", "item_ids",
                                        "size", "representative_ids")])
        topics.append(topic)
    log.info("emerging topics: %d from %d uncategorized items", len(topics), len(iv.item_ids))
    return topics
