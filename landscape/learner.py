"""A class-balanced text classifier whose settings and confidence come from its own data.

Public API:
    Learner(target_precision=0.9, max_folds=5, seed=0).fit(texts, vectors, labels, pinned=None)
    Learner.predict_proba(texts, vectors, neighbours=None) -> (n, len(classes)) calibrated
    Learner.classes, Learner.choice, Learner.report (what cross-validation found)
    baseline_proba(train_vectors, train_labels, vectors) -> (classes, probabilities)
    coverage_at_precision(confidence, correct, target) -> (coverage, threshold)

No warehouse, no index: `landscape.classify` (the pipeline) and `landscape.evaluate` (`panorama
eval`) both train this one model, so what eval measures is what the pipeline runs.

Why this shape. Curated lists are small (tens of items per label) and very uneven, and a
method tuned on two balanced dev files collapsed minority labels on unseen tasks. So:
- every member is class-balanced: logistic regressions use `class_weight="balanced"`, the
  neighbour vote divides each label's votes by its share of the training items;
- the core is a logistic regression on the normalised sentence embeddings with C=1 (the
  floor); a larger C, a fused TF-IDF (word + character n-grams) + embedding regression and a
  neighbour vote join it only when stratified cross-validation *inside the training items*
  says so with confidence: the departure's out-of-fold macro-F1 must beat the floor's in 80%
  of bootstrap resamples of the out-of-fold items, and only with at least 150 of them (the
  resamples do not see how much the *training* draw matters: on 60 items a TF-IDF blend won
  in 100% of resamples and lost 0.09 macro-F1 on the next items); C, k and the weights come
  from the same runs;
- the out-of-fold probabilities of the chosen blend calibrate it (one temperature) and set
  the review threshold: the lowest confidence at which the out-of-fold accepted items still
  reach `target_precision` (its Wilson lower bound, so the threshold is not set by luck),
  never under `accept_floor(target_precision)`;
- `pinned` items (label descriptions, a category's definition and keywords) always train and
  are never validated: they help a small label but are not items to be scored on.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from landscape.taxonomy import accept_floor

log = logging.getLogger(__name__)

EMB_C = (1.0, 4.0, 16.0)     # core regression strengths tried by cross-validation
TEXT_C = (10.0,)             # the fused TF-IDF + embedding regression
TEXT_WEIGHTS = (0.35, 0.6)   # its share of the blend when it is on
KNN_K = (5, 15)
KNN_WEIGHTS = (0.25,)
KNN_TEMPERATURE = 0.05       # similarity -> vote weight exp((sim - 1) / T)
BOOTSTRAPS = 300             # resamples of the out-of-fold items to test a departure
CONFIDENT = 0.8              # share of resamples in which a departure must win
THRESHOLD_Z = 0.84           # the review threshold holds with ~80% confidence (Wilson)
MIN_CV_ITEMS = 12            # fewer validated items: no selection, no empirical threshold
MIN_TO_DEPART = 150          # fewer validated items: the floor, whatever the bootstrap says


@dataclass(frozen=True)
class Choice:
    """One setting of the blend: the core's C, the TF-IDF member and the neighbour vote."""
    C: float = 1.0
    text_weight: float = 0.0      # 0: TF-IDF off
    text_C: float = TEXT_C[0]
    knn_weight: float = 0.0       # 0: no neighbour vote
    k: int = 10

    def describe(self) -> str:
        parts = [f"lr(C={self.C:g})"]
        if self.text_weight:
            parts.append(f"tfidf+emb(C={self.text_C:g})×{self.text_weight:g}")
        if self.knn_weight:
            parts.append(f"knn(k={self.k})×{self.knn_weight:g}")
        return " + ".join(parts)


@dataclass
class CVReport:
    folds: int = 0
    validated: int = 0            # items scored out of fold
    core_macro_f1: float | None = None    # the class-balanced core, best C
    chosen_macro_f1: float | None = None  # the chosen blend
    temperature: float = 1.0
    threshold: float = 0.9        # review below this calibrated confidence
    oof_coverage: float | None = None     # out-of-fold share auto-accepted at the threshold
    oof_precision: float | None = None
    tried: dict[str, float] = field(default_factory=dict)


def _fold_ids(labels: np.ndarray, pinned: np.ndarray, max_folds: int,
              rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Stratified folds that survive tiny labels: a label's items go round-robin over the
    folds from a random start (a label of 3 items is validated in 3 folds, trained on 2 each
    time); a label of one item and every pinned item always train (fold -1)."""
    counts = {lab: int(((labels == lab) & ~pinned).sum()) for lab in set(labels.tolist())}
    usable = sorted(c for c in counts.values() if c >= 2)
    n_folds = min(max_folds, max(2, usable[len(usable) // 2] if usable else 2))
    folds = np.full(len(labels), -1)
    for lab, count in counts.items():
        if count < 2:
            continue
        idx = np.flatnonzero((labels == lab) & ~pinned)
        rng.shuffle(idx)
        start = int(rng.integers(n_folds))
        folds[idx] = (start + np.arange(len(idx))) % n_folds
    return folds, n_folds


def _lr(C: float) -> LogisticRegression:
    return LogisticRegression(C=C, class_weight="balanced", max_iter=2000)


def _spread(model: LogisticRegression, probs: np.ndarray, pos: dict[str, int]) -> np.ndarray:
    """Probabilities over the model's classes -> columns of every class (absent ones 0)."""
    out = np.zeros((len(probs), len(pos)))
    out[:, [pos[c] for c in model.classes_]] = probs
    return out


class _TextFeatures:
    """Word (1-2) and character (2-5, within words) TF-IDF next to the embedding."""

    def __init__(self) -> None:
        self.word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                    max_features=60_000)

    def fit(self, texts: list[str], vectors: np.ndarray) -> csr_matrix:
        return hstack([self.word.fit_transform(texts), self.char.fit_transform(texts),
                       csr_matrix(vectors)]).tocsr()

    def transform(self, texts: list[str], vectors: np.ndarray) -> csr_matrix:
        return hstack([self.word.transform(texts), self.char.transform(texts),
                       csr_matrix(vectors)]).tocsr()


def knn_vote(sims: np.ndarray, pos: np.ndarray, y: np.ndarray, n_classes: int,
             k: int) -> np.ndarray:
    """Similarity-weighted vote of the k nearest labelled items, each label's votes divided by
    its share of the labelled items (a big label does not win by being big). `pos` -1 = none."""
    sims, pos = sims[:, :k], pos[:, :k]
    share = np.bincount(y, minlength=n_classes) / max(len(y), 1)
    votes = np.full((len(sims), n_classes), 1e-6)
    valid = pos >= 0
    weight = np.where(valid, np.exp((sims - 1.0) / KNN_TEMPERATURE), 0.0)
    rows = np.repeat(np.arange(len(sims)), sims.shape[1])
    np.add.at(votes, (rows, y[np.where(valid, pos, 0)].ravel()), weight.ravel())
    votes /= np.maximum(share, 1e-9)
    return votes / votes.sum(axis=1, keepdims=True)


def top_neighbours(queries: np.ndarray, vectors: np.ndarray, k: int,
                   chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Exact cosine top-k of normalised vectors (the FAISS index does this in the pipeline)."""
    k = max(1, min(k, len(vectors)))
    sims_out, pos_out = [], []
    for start in range(0, len(queries), chunk):
        s = queries[start:start + chunk] @ vectors.T
        p = np.argpartition(-s, k - 1, axis=1)[:, :k]
        ps = np.take_along_axis(s, p, axis=1)
        order = np.argsort(-ps, axis=1)
        sims_out.append(np.take_along_axis(ps, order, axis=1))
        pos_out.append(np.take_along_axis(p, order, axis=1))
    return np.vstack(sims_out), np.vstack(pos_out)


def boot_macro_f1(gold: np.ndarray, guess: np.ndarray, n_classes: int,
                  weights: np.ndarray) -> np.ndarray:
    """Macro-F1 under each row of bootstrap `weights` (B, n): counts per resample, vectorised
    (labels absent from a resample do not count)."""
    g, p = np.eye(n_classes)[gold], np.eye(n_classes)[guess]
    tp = weights @ (g * (gold == guess)[:, None])
    support, predicted = weights @ g, weights @ p
    f1 = np.where(support > 0, 2 * tp / np.maximum(support + predicted, 1e-9), 0.0)
    return f1.sum(axis=1) / np.maximum((support > 0).sum(axis=1), 1)


def _blend(members: dict, choice: Choice) -> np.ndarray:
    probs = members[("lr", choice.C)] * (1 - choice.text_weight - choice.knn_weight)
    if choice.text_weight:
        probs = probs + choice.text_weight * members[("text", choice.text_C)]
    if choice.knn_weight:
        probs = probs + choice.knn_weight * members[("knn", choice.k)]
    return probs


def _calibrate(probs: np.ndarray, y: np.ndarray) -> float:
    """The temperature that makes the blend's probabilities honest on out-of-fold items."""
    logp = np.log(np.clip(probs, 1e-9, 1.0))

    def nll(log_t: float) -> float:
        z = logp / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        return float(-(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(axis=1))).mean())

    return float(np.exp(minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded").x))


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    z = np.log(np.clip(probs, 1e-9, 1.0)) / temperature
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def coverage_at_precision(confidence: np.ndarray, correct: np.ndarray, target: float,
                          z: float = 0.0) -> tuple[float, float]:
    """Largest share of items that can be auto-accepted (most confident first) with precision
    >= target, and the confidence threshold that does it (1.0 and coverage 0 if none).
    `z` > 0 asks the Wilson lower bound of the precision (z standard errors) to reach the
    target instead: a threshold set on a sample should still hold on the next one."""
    if len(confidence) == 0:
        return 0.0, 1.0
    order = np.argsort(-confidence, kind="stable")
    hits = np.cumsum(np.asarray(correct, dtype=float)[order])
    n = np.arange(1, len(order) + 1)
    p = hits / n
    if z:
        centre = p + z * z / (2 * n)
        spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        p = (centre - spread) / (1 + z * z / n)
    ok = np.flatnonzero(p >= target - 1e-12)
    if len(ok) == 0:
        return 0.0, 1.0
    last = int(ok[-1])
    return (last + 1) / len(order), float(confidence[order[last]])


class Learner:
    """Class-balanced blend chosen and calibrated by cross-validation on its training items."""

    def __init__(self, target_precision: float = 0.9, max_folds: int = 5, seed: int = 0,
                 tfidf: bool = True) -> None:
        self.target_precision = target_precision
        self.max_folds = max_folds
        self.seed = seed
        self.tfidf = tfidf
        self.classes: list[str] = []
        self.choice = Choice()
        self.report = CVReport()

    # -- training ------------------------------------------------------------------------
    def _members(self, texts: list[str], vectors: np.ndarray, y: np.ndarray,
                 train: np.ndarray, test: np.ndarray, choices: list[Choice]) -> dict:
        """Probabilities of every member any of `choices` needs, trained on `train` rows."""
        pos = {c: n for n, c in enumerate(self.classes)}
        labels = np.array(self.classes)[y[train]]
        out: dict = {}
        for C in sorted({c.C for c in choices}):
            m = _lr(C).fit(vectors[train], labels)
            out[("lr", C)] = _spread(m, m.predict_proba(vectors[test]), pos)
        text_cs = sorted({c.text_C for c in choices if c.text_weight})
        if text_cs:
            feats = _TextFeatures()
            tr = feats.fit([texts[i] for i in train], vectors[train])
            te = feats.transform([texts[i] for i in test], vectors[test])
            for C in text_cs:
                m = _lr(C).fit(tr, labels)
                out[("text", C)] = _spread(m, m.predict_proba(te), pos)
        ks = sorted({c.k for c in choices if c.knn_weight})
        if ks:
            sims, nb = top_neighbours(vectors[test], vectors[train], max(ks))
            for k in ks:
                out[("knn", k)] = knn_vote(sims, nb, y[train], len(self.classes), k)
        return out

    def _grid(self, n_items: int) -> list[Choice]:
        grid = [Choice(C=C) for C in EMB_C]
        text = (0.0,) + (TEXT_WEIGHTS if self.tfidf else ())
        knn = [(0.0, 10)] + [(w, k) for w in KNN_WEIGHTS for k in KNN_K if k < n_items]
        for C, tw, (kw, k) in itertools.product(EMB_C, text, knn):
            if tw or kw:
                grid.append(Choice(C=C, text_weight=tw, knn_weight=kw, k=k))
        return grid

    def fit(self, texts: list[str], vectors: np.ndarray, labels: list[str],
            pinned: list[bool] | None = None) -> Learner:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.classes = sorted(set(labels))
        y = np.array([self.classes.index(lab) for lab in labels])
        pin = np.zeros(len(labels), bool) if pinned is None else np.asarray(pinned, bool)
        self.report = CVReport(threshold=self.target_precision)
        if len(self.classes) >= 2:
            self._cross_validate(texts, vectors, y, pin)
        self._fit_final(texts, vectors, y)
        return self

    def _cross_validate(self, texts: list[str], vectors: np.ndarray, y: np.ndarray,
                        pin: np.ndarray) -> None:
        """Choose the blend on out-of-fold predictions, then calibrate it on them."""
        rng = np.random.default_rng(self.seed)
        folds, n_folds = _fold_ids(y, pin, self.max_folds, rng)
        scored = np.flatnonzero(folds >= 0)
        if len(scored) < MIN_CV_ITEMS or len(set(y[scored].tolist())) < 2:
            return
        grid = self._grid(len(y)) if len(scored) >= MIN_TO_DEPART else [Choice()]
        oof: dict = {}
        for f in range(n_folds):
            test, train = np.flatnonzero(folds == f), np.flatnonzero(folds != f)
            if len(test) == 0 or len(set(y[train].tolist())) < 2:
                continue
            for key, probs in self._members(texts, vectors, y, train, test, grid).items():
                oof.setdefault(key, np.zeros((len(y), len(self.classes))))[test] = probs
        gold = y[scored]
        labels_present = sorted(set(gold.tolist()))

        def score(choice: Choice) -> float:
            guess = _blend(oof, choice)[scored].argmax(axis=1)
            return float(f1_score(gold, guess, labels=labels_present, average="macro",
                                  zero_division=0))

        tried = {c: score(c) for c in grid}
        weights = rng.multinomial(len(scored), np.full(len(scored), 1 / len(scored)),
                                  size=BOOTSTRAPS).astype(float)

        def boot(choice: Choice) -> np.ndarray:
            guess = _blend(oof, choice)[scored].argmax(axis=1)
            return boot_macro_f1(gold, guess, len(self.classes), weights)

        def beats(new: Choice, old: Choice) -> bool:
            share = float((boot(new) > boot(old)).mean())
            log.debug("%s vs %s: wins in %.2f of resamples", new.describe(), old.describe(),
                      share)
            return tried[new] > tried[old] and share >= CONFIDENT

        floor = Choice(C=EMB_C[0])
        core = max((c for c in grid if not (c.text_weight or c.knn_weight) and
                    (c == floor or beats(c, floor))), key=lambda c: (tried[c], -c.C))
        best = max(grid, key=lambda c: (tried[c], -c.C))
        self.choice = best if best == core or beats(best, core) else core
        self._calibrate_choice(_blend(oof, self.choice)[scored], gold, n_folds, tried, core)

    def _calibrate_choice(self, probs: np.ndarray, gold: np.ndarray, n_folds: int,
                          tried: dict[Choice, float], core: Choice) -> None:
        """Temperature and review threshold of the chosen blend, from its out-of-fold
        probabilities (`probs`, one row per validated entry), into `self.report`."""
        temperature = _calibrate(probs, gold)
        conf = apply_temperature(probs, temperature).max(axis=1)
        correct = probs.argmax(axis=1) == gold
        coverage, threshold = coverage_at_precision(conf, correct, self.target_precision,
                                                    z=THRESHOLD_Z)
        self.report = CVReport(
            folds=n_folds, validated=len(gold), core_macro_f1=round(tried[core], 4),
            chosen_macro_f1=round(tried[self.choice], 4), temperature=round(temperature, 4),
            threshold=round(max(threshold, accept_floor(self.target_precision)), 4),
            oof_coverage=round(coverage, 4),
            oof_precision=round(float(correct[conf >= threshold].mean()), 4)
            if (conf >= threshold).any() else None,
            tried={c.describe(): round(s, 4) for c, s in
                   sorted(tried.items(), key=lambda kv: -kv[1])[:8]})
        log.info("learner: %s (out-of-fold macro-F1 %.3f, core %.3f), T=%.2f, review < %.2f",
                 self.choice.describe(), tried[self.choice], tried[core], temperature,
                 self.report.threshold)

    def _fit_final(self, texts: list[str], vectors: np.ndarray, y: np.ndarray) -> None:
        self._y = y
        self._vectors = vectors
        labels = np.array(self.classes)[y]
        self._lr = _lr(self.choice.C).fit(vectors, labels) if len(self.classes) >= 2 else None
        self._text = None
        if self.choice.text_weight and self._lr is not None:
            self._feats = _TextFeatures()
            self._text = _lr(self.choice.text_C).fit(self._feats.fit(texts, vectors), labels)

    # -- prediction ----------------------------------------------------------------------
    def predict_proba(self, texts: list[str], vectors: np.ndarray,
                      neighbours: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """Calibrated probabilities over `classes`. `neighbours`: (sims, positions into the
        training items) from an index, when the caller has them; else computed exactly."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self._lr is None:
            return np.ones((len(vectors), len(self.classes)))
        pos = {c: n for n, c in enumerate(self.classes)}
        members: dict = {("lr", self.choice.C): _spread(self._lr, self._lr.predict_proba(vectors),
                                                       pos)}
        if self._text is not None:
            members[("text", self.choice.text_C)] = _spread(
                self._text, self._text.predict_proba(self._feats.transform(texts, vectors)), pos)
        if self.choice.knn_weight:
            sims, nb = neighbours if neighbours is not None else \
                top_neighbours(vectors, self._vectors, self.choice.k)
            members[("knn", self.choice.k)] = knn_vote(sims, nb, self._y, len(self.classes),
                                                       self.choice.k)
        return apply_temperature(_blend(members, self.choice), self.report.temperature)


def baseline_proba(train_vectors: np.ndarray, train_labels: list[str],
                   vectors: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The floor every setting is compared with: class-balanced logistic regression (C=1) on
    the normalised embeddings, nothing chosen by cross-validation."""
    model = _lr(1.0).fit(train_vectors, train_labels)
    return list(model.classes_), model.predict_proba(vectors)
