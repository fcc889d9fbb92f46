"""Classify items into the landscape: a relevance gate, then a category, both calibrated.

Public API:
    classify_items(con, run_id, *, item_ids=None, model_name=None) -> ClassifySummary
    Classifier(index, settings=None).predict(texts, vectors) -> list[Prediction]
    classifier_for(index) -> Classifier            # trained once per index version
    METHOD = "gate+learner(cv)"
    REVIEW_REASONS = ("low_confidence", "near_boundary", "new_cluster")

How an item is decided (the same machinery `panorama eval` measures, `landscape.learner`):
1. the relevance gate — in the AI × Rust landscape or out of scope — is a learner of its own
   over every labelled entry (out-of-scope anchors and decisions vs everything else), with its
   own cross-validated calibration; an item whose best in-scope neighbour is still far
   (cosine < `out_of_scope_floor`) is out of scope whatever the gate says;
2. an in-scope item gets its category from a learner trained on the in-scope entries only;
   a weak best category (< `uncategorized_below`) is `uncategorized`;
3. confidence is calibrated (out-of-fold temperature; an in-scope item's confidence is
   P(in scope) × P(category)), and an item goes to review when it is under the deciding
   learner's threshold — the lowest confidence at which its out-of-fold accepted items still
   reached `review_precision` (Wilson bound), never under `taxonomy.accept_floor`. The reason is kept: a new
   cluster (far from every labelled entry), near a boundary (top two labels close) or low
   confidence. Each assignment keeps its labelled neighbours (the "why").
Label descriptions (a category's en/zh definition and keywords) train but are never scored.
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

from landscape.embeddings import (
    classifier_model,
    ensure_item_embeddings,
    model_name_or_default,
    settle,
)
from landscape.learner import Learner
from landscape.taxonomy import (
    OUT_OF_SCOPE,
    UNCATEGORIZED,
    ClassifierSettings,
    accept_floor,
    is_description_key,
    load_taxonomy,
)
from landscape.vector_index import LabelledIndex, sync_index

log = logging.getLogger(__name__)

METHOD = "gate+learner(cv)"
REVIEW_REASONS = ("low_confidence", "near_boundary", "new_cluster")
IN_SCOPE = "in_scope"
WIDE = 50  # neighbours fetched from the index: enough in-scope ones after dropping the rest


@dataclass
class Prediction:
    label: str
    confidence: float
    needs_review: bool
    neighbours: list[dict]
    scores: dict[str, float]
    method: str = METHOD
    review_reason: str | None = None
    relevance: float | None = None   # calibrated probability of being in scope (gate)


def _compact(sims: np.ndarray, pos: np.ndarray, keep: np.ndarray,
             remap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour lists restricted to rows `keep` (positions renumbered by `remap`), nearest
    first, missing ones at the end as -1."""
    ok = (pos >= 0) & keep[np.where(pos >= 0, pos, 0)]
    order = np.argsort(~ok, axis=1, kind="stable")
    new_pos = np.where(ok, remap[np.where(pos >= 0, pos, 0)], -1)
    return (np.take_along_axis(np.where(ok, sims, -1.0), order, axis=1),
            np.take_along_axis(new_pos, order, axis=1))


class Classifier:
    """Relevance gate + category learner over a LabelledIndex (see the module docstring)."""

    def __init__(self, index: LabelledIndex, settings: ClassifierSettings | None = None, *,
                 seed: int = 0) -> None:
        self.index = index
        self.settings = settings or load_taxonomy().settings
        entries = index.entries
        texts = [e.text for e in entries]
        labels = np.array(index.labels)
        pinned = np.array([is_description_key(e.key) for e in entries], bool)
        self.in_scope = labels != OUT_OF_SCOPE
        self.labels = sorted(set(labels.tolist()))
        target = self.settings.review_precision
        self.gate: Learner | None = None
        if self.in_scope.any() and (~self.in_scope).any():
            gate_labels = np.where(self.in_scope, IN_SCOPE, OUT_OF_SCOPE).tolist()
            self.gate = Learner(target, seed=seed).fit(texts, index.vectors, gate_labels,
                                                      pinned.tolist())
        rows = np.flatnonzero(self.in_scope) if self.in_scope.any() else np.arange(len(labels))
        self._remap = np.full(len(labels), -1)
        self._remap[rows] = np.arange(len(rows))
        self._rows = rows
        self.category = Learner(target, seed=seed).fit(
            [texts[i] for i in rows], index.vectors[rows], labels[rows].tolist(),
            pinned[rows].tolist())

    def _gate(self, texts: list[str], vectors: np.ndarray, sims: np.ndarray,
              pos: np.ndarray) -> np.ndarray:
        if self.gate is None:
            return np.ones(len(texts))
        probs = self.gate.predict_proba(texts, vectors, (sims, pos))
        return probs[:, self.gate.classes.index(IN_SCOPE)]

    def _reason(self, probs: np.ndarray, best_sim: float) -> str:
        top2 = np.sort(probs)[-2:] if len(probs) > 1 else np.array([0.0, probs[-1]])
        if best_sim < self.settings.novelty_below:
            return "new_cluster"
        if top2[1] - top2[0] < self.settings.near_boundary:
            return "near_boundary"
        return "low_confidence"

    def predict(self, texts: list[str], vectors: np.ndarray) -> list[Prediction]:
        if not texts:
            return []
        s = self.settings
        sims, pos = self.index.search(vectors, min(len(self.index), max(s.neighbours, WIDE)))
        p_in = self._gate(texts, vectors, sims, pos)
        cat_sims, cat_pos = _compact(sims, pos, self.in_scope, self._remap)
        cat = self.category.predict_proba(texts, vectors, (cat_sims, cat_pos))
        gate_thr = self.gate.report.threshold if self.gate else 0.0
        cat_thr = self.category.report.threshold
        cat_floor = accept_floor(s.review_precision)
        out: list[Prediction] = []
        for n in range(len(texts)):
            top = int(cat[n].argmax())
            best_in = float(cat_sims[n, 0]) if cat_pos[n, 0] >= 0 else 0.0
            scores = {self.category.classes[j]: round(float(p_in[n] * cat[n, j]), 4)
                      for j in np.argsort(-cat[n])[:5]}
            if self.gate is not None:
                scores[OUT_OF_SCOPE] = round(float(1 - p_in[n]), 4)
            if self.gate is not None and (p_in[n] < 0.5 or best_in < s.out_of_scope_floor):
                label, conf = OUT_OF_SCOPE, float(max(1 - p_in[n], 1 - best_in))
                review = conf < max(gate_thr, cat_floor)
                deciding = np.array([p_in[n], 1 - p_in[n]])
            else:
                label, conf = self.category.classes[top], float(p_in[n] * cat[n, top])
                # the stored confidence is the chance that both decisions are right
                review = bool(p_in[n] < gate_thr or conf < cat_thr)
                # the weaker of the two decisions is the one a reviewer looks at
                deciding = cat[n] if cat[n, top] <= p_in[n] else np.array([p_in[n], 1 - p_in[n]])
                if cat[n, top] < s.uncategorized_below:
                    label = UNCATEGORIZED
            neighbours = [{"id": self.index.entries[p].key, "title": self.index.entries[p].title,
                           "label": self.index.entries[p].label, "similarity": round(float(x), 4)}
                          for x, p in zip(sims[n, :s.neighbours], pos[n, :s.neighbours],
                                          strict=True) if p >= 0]
            first = self.index.entries[pos[n, 0]] if pos[n, 0] >= 0 else None
            if first is not None and sims[n, 0] >= s.duplicate_above and \
                    not is_description_key(first.key):
                # a near-duplicate of a labelled item (often one a person decided) shares its
                # label: the decision already made is the best evidence there is
                label, conf, review = first.label, max(conf, float(sims[n, 0])), False
            reason = self._reason(deciding, float(sims[n, 0])) if review else None
            out.append(Prediction(label, conf, review, neighbours, scores,
                                  review_reason=reason, relevance=round(float(p_in[n]), 4)))
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
    placed_by_project: int = 0  # unsure machine items a watched project's category settles
    review_reasons: dict[str, int] = field(default_factory=dict)  # why items went to review
    by_category: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: bool = False      # nothing new: no classification was needed


_TRAINED: dict[tuple, Classifier] = {}
# Heads kept per process, least recently used dropped first. A warehouse moves on to a new
# index version and never uses the old head again, but a process that works on several
# warehouses in turn (the test suite: each test its own data folder, many of them the same
# demo month, so the same labelled index) would otherwise retrain the same head (~15 s of
# CPU) every time it switches. A head holds the index vectors and two learners (TF-IDF
# vocabularies and coefficients): tens of MB at most.
_KEEP = 4


def classifier_for(index: LabelledIndex) -> Classifier:
    """The classifier of a labelled index, trained once per index version and settings.

    Training (cross-validated choice and calibration of two learners) is a pure function of the
    index's entries (their version hash) and the settings, so a process that classifies
    several times (serve, the breakthrough check after a monthly run) trains it once.
    """
    s = load_taxonomy().settings
    key = (index.version, index.model, s)
    clf = _TRAINED.pop(key, None) or Classifier(index, s)
    _TRAINED[key] = clf  # (re)inserted last: the most recently used
    while len(_TRAINED) > _KEEP:
        del _TRAINED[next(iter(_TRAINED))]
    return clf


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
        model_name: the classifier's encoder (default `settings.classify_model()`).
    """
    started = time.monotonic()
    model = classifier_model(model_name)
    index = sync_index(con, model)
    vecs = ensure_item_embeddings(con, item_ids, model)
    if model != model_name_or_default(None):
        # Search and topics read the embed model's `item_embeddings` rows (the search index is
        # built from them); with a classifier encoder of its own they are recorded here too.
        # A concatenated encoder has just cached MiniLM's half, so this embeds nothing new.
        ensure_item_embeddings(con, item_ids, model_name_or_default(None))
    summary = ClassifySummary(run_id, model, index.version, len(index),
                              candidates=len(vecs.item_ids), embedded=vecs.embedded)
    todo = _todo(con, vecs.item_ids, vecs.hashes, model, index.version)
    if not todo:
        summary.skipped = True
        summary.seconds = time.monotonic() - started
        return summary
    clf = classifier_for(index)
    preds = clf.predict([vecs.texts[n] for n in todo], vecs.vectors[todo])
    item_ids = [vecs.item_ids[n] for n in todo]
    _store(con, run_id, model, index.version, item_ids, [vecs.hashes[n] for n in todo], preds)
    summary.classified = len(preds)
    _count_review(con, summary, item_ids, preds)
    summary.by_category = dict(Counter(p.label for p in preds).most_common())
    summary.seconds = time.monotonic() - started
    log.info("classified %d items (%d embedded, %d to review) in %.1fs", summary.classified,
             summary.embedded, summary.needs_review, summary.seconds)
    return summary


def _todo(con: duckdb.DuckDBPyConnection, item_ids: list[str], hashes: list[str], model: str,
          index_version: str) -> list[int]:
    """Positions of the items to classify: not placed by a person or the watchlist, and not
    classified already with this text, model and labelled index."""
    fixed = {r[0] for r in con.execute(
        "SELECT item_id FROM v_review_latest WHERE category IS NOT NULL UNION "
        "SELECT item_id FROM items WHERE watch_category IS NOT NULL").fetchall()}
    current = {r[0]: (r[1], r[2], r[3]) for r in con.execute(
        "SELECT item_id, content_hash, model, index_version FROM v_classification_latest"
    ).fetchall()}
    return [n for n, i in enumerate(item_ids)
            if i not in fixed and current.get(i) != (hashes[n], model, index_version)]


def _store(con: duckdb.DuckDBPyConnection, run_id: str, model: str, index_version: str,
           item_ids: list[str], hashes: list[str], preds: list[Prediction]) -> None:
    """Upsert the run's classifications (one Arrow batch; a rerun of the run replaces)."""
    now = datetime.now(UTC)
    rows = pa.table({
        "item_id": item_ids,
        "category": [p.label for p in preds],
        "confidence": [p.confidence for p in preds],
        "neighbours": [json.dumps(p.neighbours, ensure_ascii=False) for p in preds],
        "needs_review": [p.needs_review for p in preds],
        "content_hash": hashes,
        "scores": [json.dumps(p.scores) for p in preds],
        "review_reason": [p.review_reason for p in preds],
        "relevance": [p.relevance for p in preds],
    })
    settle(con)
    con.register("_new_classifications", rows)
    try:
        con.execute(
            """
            INSERT INTO classifications (item_id, run_id, category, confidence, method, model,
                neighbours, needs_review, classified_at, content_hash, index_version, scores,
                review_reason, relevance)
            SELECT item_id, ?, category, confidence, ?, ?, neighbours, needs_review, ?,
                   content_hash, ?, scores, review_reason, relevance FROM _new_classifications
            ON CONFLICT (item_id, run_id) DO UPDATE SET category = excluded.category,
                confidence = excluded.confidence, method = excluded.method,
                model = excluded.model, neighbours = excluded.neighbours,
                needs_review = excluded.needs_review, classified_at = excluded.classified_at,
                content_hash = excluded.content_hash, index_version = excluded.index_version,
                scores = excluded.scores, review_reason = excluded.review_reason,
                relevance = excluded.relevance
            """, [run_id, METHOD, model, now, index_version])
    finally:
        con.unregister("_new_classifications")


def _count_review(con: duckdb.DuckDBPyConnection, summary: ClassifySummary,
                  item_ids: list[str], preds: list[Prediction]) -> None:
    """How many of the new classifications wait for a person, and why. A resolved member of a
    watched project has the project's category (v_item_category): a curator's fact, so the
    machine's doubt about it sends nothing to review."""
    placed = {r[0] for r in con.execute(
        "SELECT item_id FROM v_item_category WHERE decided_by = 'project'").fetchall()}
    unsure = [(i, p) for i, p in zip(item_ids, preds, strict=True) if p.needs_review]
    summary.placed_by_project = sum(i in placed for i, _ in unsure)
    summary.needs_review = len(unsure) - summary.placed_by_project
    summary.review_reasons = dict(Counter(p.review_reason for i, p in unsure if i not in placed))


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
