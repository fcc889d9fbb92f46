"""Classify items into the landscape: labelled neighbours from FAISS plus a trained head.

Public API:
    classify_items(con, run_id, *, item_ids=None, model_name=None) -> ClassifySummary
    Classifier(index, *, k=10, review_below=0.55, uncategorized_below=0.0,
               out_of_scope_floor=None).predict(texts, vectors) -> list[Prediction]
    METHOD = "knn+lr(tfidf+emb)"

How an item is decided (the same machinery `panorama eval` measures):
1. its k nearest labelled neighbours in the FAISS index vote, weighted by similarity;
2. a logistic-regression head trained on the *indexed* entries (their labels come from the
   index) over fused features — word and character TF-IDF of the text plus the embedding;
3. the two probability vectors are blended; confidence = the top probability.
Out of scope is a class of its own (the taxonomy carries out-of-scope anchors); an item whose
best in-scope neighbour is still far (cosine < `out_of_scope_floor`) is out of scope too. An
in-scope item whose best category is weak (< `uncategorized_below`) is `uncategorized`, and
anything under `review_below` goes to the review queue. Each assignment keeps its neighbours.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import numpy as np
import pyarrow as pa
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from landscape.embeddings import ensure_item_embeddings, model_name_or_default, settle
from landscape.taxonomy import OUT_OF_SCOPE, UNCATEGORIZED, load_taxonomy
from landscape.vector_index import LabelledIndex, sync_index

log = logging.getLogger(__name__)

METHOD = "knn+lr(tfidf+emb)"
KNN_WEIGHT = 0.2       # share of the neighbour vote in the blend (the head gets the rest)
KNN_TEMPERATURE = 0.05  # similarity -> vote weight exp(sim / T): close neighbours count more


@dataclass
class Prediction:
    label: str
    confidence: float
    needs_review: bool
    neighbours: list[dict]
    scores: dict[str, float]
    method: str = METHOD


class Classifier:
    """kNN vote over a LabelledIndex blended with a TF-IDF+embedding logistic head."""

    def __init__(self, index: LabelledIndex, *, k: int = 10, review_below: float = 0.55,
                 uncategorized_below: float = 0.0, out_of_scope_floor: float | None = None,
                 knn_weight: float | None = None, C: float = 30.0) -> None:
        self.index = index
        self.k = k
        self.review_below = review_below
        self.uncategorized_below = uncategorized_below
        self.out_of_scope_floor = out_of_scope_floor
        self.knn_weight = KNN_WEIGHT if knn_weight is None else knn_weight
        self.labels = sorted(set(index.labels))
        self._pos = {lab: n for n, lab in enumerate(self.labels)}
        self._y = np.array([self._pos[lab] for lab in index.labels])
        self._head = None
        if len(self.labels) >= 2:
            texts = [e.text for e in index.entries]
            self._word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
            self._char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                         sublinear_tf=True, max_features=100_000)
            feats = self._features(texts, index.vectors, fit=True)
            self._head = LogisticRegression(C=C, max_iter=3000).fit(feats, self._y)

    def _features(self, texts: list[str], vectors: np.ndarray, fit: bool = False) -> csr_matrix:
        if fit:
            w, c = self._word.fit_transform(texts), self._char.fit_transform(texts)
        else:
            w, c = self._word.transform(texts), self._char.transform(texts)
        return hstack([w, c, csr_matrix(vectors)]).tocsr()

    def _knn(self, sims: np.ndarray, pos: np.ndarray) -> np.ndarray:
        votes = np.full((len(sims), len(self.labels)), 1e-6)
        valid = pos >= 0
        weights = np.where(valid, np.exp((sims - 1.0) / KNN_TEMPERATURE), 0.0)
        for col in range(pos.shape[1]):
            np.add.at(votes, (np.arange(len(sims)), self._y[np.where(valid[:, col],
                                                                      pos[:, col], 0)]),
                      weights[:, col])
        return votes / votes.sum(axis=1, keepdims=True)

    def predict(self, texts: list[str], vectors: np.ndarray) -> list[Prediction]:
        if not texts:
            return []
        wide = min(len(self.index), max(self.k, 50))  # wider search finds the best in-scope one
        sims, pos = self.index.search(vectors, wide)
        knn = self._knn(sims[:, :self.k], pos[:, :self.k])
        if self._head is not None:
            probs = self._head.predict_proba(self._features(texts, vectors))
            probs = (1 - self.knn_weight) * probs + self.knn_weight * knn
        else:
            probs = knn
        entries, has_oos = self.index.entries, OUT_OF_SCOPE in self._pos
        out: list[Prediction] = []
        for n in range(len(texts)):
            order = np.argsort(-probs[n])
            top = self.labels[order[0]]
            conf = float(probs[n, order[0]])
            neighbours = [{"id": entries[p].key, "title": entries[p].title,
                           "label": entries[p].label, "similarity": round(float(s), 4)}
                          for s, p in zip(sims[n, :self.k], pos[n, :self.k], strict=True)
                          if p >= 0]
            scores = {self.labels[j]: round(float(probs[n, j]), 4) for j in order[:5]}
            label = top
            if has_oos and self.out_of_scope_floor is not None and top != OUT_OF_SCOPE:
                in_scope = [s for s, p in zip(sims[n], pos[n], strict=True)
                            if p >= 0 and entries[p].label != OUT_OF_SCOPE]
                best = max(in_scope, default=0.0)
                if best < self.out_of_scope_floor:
                    label, conf = OUT_OF_SCOPE, max(conf, 1.0 - float(best))
            if label not in (OUT_OF_SCOPE,) and conf < self.uncategorized_below:
                label = UNCATEGORIZED
            out.append(Prediction(label, conf, conf < self.review_below, neighbours, scores))
        return out


@dataclass
class ClassifySummary:
    run_id: str
    model: str
    index_version: str
    index_size: int
    candidates: int = 0        # items looked at
    classified: int = 0        # items (re)classified now
    embedded: int = 0          # texts embedded now (0 on an unchanged rerun)
    needs_review: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: bool = False      # nothing new: no classification was needed


_TRAINED: dict[tuple, Classifier] = {}


def classifier_for(index: LabelledIndex) -> Classifier:
    """The classifier of a labelled index, trained once per index version and settings.

    The head is a pure function of the index's entries (their version hash) and the
    taxonomy settings, so a process that classifies several times (serve, the breakthrough
    check after a monthly run) trains it once.
    """
    s = load_taxonomy().settings
    key = (index.version, index.model, s.k, s.review_below, s.uncategorized_below,
           s.out_of_scope_floor)
    if key not in _TRAINED:
        _TRAINED.clear()  # one index version at a time: the old head is never used again
        _TRAINED[key] = Classifier(index, k=s.k, review_below=s.review_below,
                                   uncategorized_below=s.uncategorized_below,
                                   out_of_scope_floor=s.out_of_scope_floor)
    return _TRAINED[key]


def classify_items(con: duckdb.DuckDBPyConnection, run_id: str, *,
                   item_ids: list[str] | None = None,
                   model_name: str | None = None) -> ClassifySummary:
    """Classify items that have no current classification, whose text changed, or that were
    classified against an older labelled index. Items a person decided (review) or the
    watchlist places are labelled entries, not classified. Embeddings are cached, so an
    unchanged rerun embeds nothing and returns with `skipped=True`.

    Args:
        con: open warehouse connection (writable).
        run_id: the run the classifications belong to.
        item_ids: restrict to these items (default: every item).
        model_name: embedding model (default all-MiniLM-L6-v2).
    """
    started = time.monotonic()
    model = model_name_or_default(model_name)
    index = sync_index(con, model)
    vecs = ensure_item_embeddings(con, item_ids, model)
    summary = ClassifySummary(run_id, model, index.version, len(index),
                              candidates=len(vecs.item_ids), embedded=vecs.embedded)
    fixed = {r[0] for r in con.execute(
        "SELECT item_id FROM v_review_latest WHERE category IS NOT NULL UNION "
        "SELECT item_id FROM items WHERE watch_category IS NOT NULL").fetchall()}
    current = {r[0]: (r[1], r[2], r[3]) for r in con.execute(
        "SELECT item_id, content_hash, model, index_version FROM v_classification_latest"
    ).fetchall()}
    todo = [n for n, i in enumerate(vecs.item_ids)
            if i not in fixed and current.get(i) != (vecs.hashes[n], model, index.version)]
    if not todo:
        summary.skipped = True
        summary.seconds = time.monotonic() - started
        return summary
    clf = classifier_for(index)
    preds = clf.predict([vecs.texts[n] for n in todo], vecs.vectors[todo])
    now = datetime.now(UTC)
    rows = pa.table({
        "item_id": [vecs.item_ids[n] for n in todo],
        "category": [p.label for p in preds],
        "confidence": [p.confidence for p in preds],
        "neighbours": [json.dumps(p.neighbours, ensure_ascii=False) for p in preds],
        "needs_review": [p.needs_review for p in preds],
        "content_hash": [vecs.hashes[n] for n in todo],
        "scores": [json.dumps(p.scores) for p in preds],
    })
    settle(con)
    con.register("_new_classifications", rows)
    try:
        con.execute(
            """
            INSERT INTO classifications (item_id, run_id, category, confidence, method, model,
                neighbours, needs_review, classified_at, content_hash, index_version, scores)
            SELECT item_id, ?, category, confidence, ?, ?, neighbours, needs_review, ?,
                   content_hash, ?, scores FROM _new_classifications
            ON CONFLICT (item_id, run_id) DO UPDATE SET category = excluded.category,
                confidence = excluded.confidence, method = excluded.method,
                model = excluded.model, neighbours = excluded.neighbours,
                needs_review = excluded.needs_review, classified_at = excluded.classified_at,
                content_hash = excluded.content_hash, index_version = excluded.index_version,
                scores = excluded.scores
            """, [run_id, METHOD, model, now, index.version])
    finally:
        con.unregister("_new_classifications")
    summary.classified = len(preds)
    summary.needs_review = sum(p.needs_review for p in preds)
    summary.by_category = dict(Counter(p.label for p in preds).most_common())
    summary.seconds = time.monotonic() - started
    log.info("classified %d items (%d embedded, %d to review) in %.1fs", summary.classified,
             summary.embedded, summary.needs_review, summary.seconds)
    return summary


def candidate_item_ids(con: duckdb.DuckDBPyConnection, month: str,
                       discovery_months: int = 2) -> list[str]:
    """The items a monthly run classifies.

    Everything the collectors found (watched items, listings, RSS, papers, posts), plus the
    registry crates of the crates.io dump created in the last `discovery_months` months —
    the dump's job for classification is discovery of *new* crates; the other ~200k crates
    of the registry feed statistics and would only cost embeddings, run after run.
    """
    year, mon = (int(p) for p in month.split("-"))
    index = year * 12 + mon - 1 - (discovery_months - 1)
    since = f"{index // 12:04d}-{index % 12 + 1:02d}-01"
    rows = con.execute(
        """
        SELECT item_id FROM items
        WHERE discovered_via IS DISTINCT FROM 'crates:dump' OR watched
              OR created_at >= CAST(? AS TIMESTAMPTZ)
        ORDER BY item_id
        """,
        [since],
    ).fetchall()
    return [r[0] for r in rows]
