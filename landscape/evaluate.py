"""`panorama eval`: measure the classifier on labelled JSONL files.

Public API:
    read_task(path) -> list[dict]                    # EvalInputError with one clear line
    run_eval(train_path, test_path, model_name=None) -> dict
    run_cv(train_path, test_path, folds=5, model_name=None, seed=0) -> dict
    classify_split(train, train_vecs, test, test_vecs, model, seed=0) -> (predictions, classifier)
    score(gold, predictions, baseline=None) -> dict

Each line is `{"id", "title", "text", "label"}` (optional `keywords`, `categories`: lists of
strings a curator also reads, appended to the text); labels are whatever the file says. The
train items become the labelled entries of a FAISS index (in memory, not the warehouse's) and
the test items are classified by the same `Classifier` the pipeline uses (relevance gate when
a label is `out_of_scope`, cross-validated learner, calibrated confidence, review threshold
from `review_precision`). Next to it, in the same run, the floor: a class-balanced logistic
regression on the normalised MiniLM vectors of the same items (`learner.baseline_proba`),
whatever encoder the classifier uses (`--model`, default `settings.classify_model()`).

The result holds accuracy, macro_f1, baseline_macro_f1, per_label {precision, recall, f1,
support}; `coverage`/`precision` of the items the pipeline auto-accepts (not sent to review);
`coverage_at_90`: the share of test items that could be auto-accepted at 90% precision when
ranked by confidence (measured on the test items, so an upper bound for the pipeline);
`coverage_at_90_bound`: the same for the best ordering there could be of these predictions
(every right one first), the most any confidence could reach at this accuracy; `ece`:
expected calibration error of the confidence; the model the cross-validation chose.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from landscape.classify import METHOD, Classifier, Prediction
from landscape.embeddings import (
    DEFAULT_MODEL,
    classifier_model,
    combine,
    content_hash,
    encode,
    parts_of,
)
from landscape.learner import baseline_proba, coverage_at_precision
from landscape.taxonomy import load_taxonomy
from landscape.vector_index import Entry, LabelledIndex


class EvalInputError(ValueError):
    """A task file that cannot be evaluated; the message is one line naming file and line."""


def read_task(path: str | Path) -> list[dict]:
    """The labelled items of a JSONL task file, each checked for a label and some text."""
    p = Path(path)
    try:
        lines = p.read_text("utf-8").splitlines()
    except FileNotFoundError:
        raise EvalInputError(f"eval: no such file: {p}") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as exc:
        raise EvalInputError(f"eval: cannot read {p}: {exc.__class__.__name__}") from None
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalInputError(f"eval: {p}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict) or row.get("label") in (None, ""):
            raise EvalInputError(f"eval: {p}:{n}: line has no `label`")
        if not (_text(row)):
            raise EvalInputError(f"eval: {p}:{n}: line has no `title` or `text`")
        rows.append(row)
    if not rows:
        raise EvalInputError(f"eval: {p}: no labelled lines")
    return rows


def _text(row: dict) -> str:
    title, text = str(row.get("title") or "").strip(), str(row.get("text") or "").strip()
    out = f"{title}: {text}" if title else text
    extra = [str(x) for key in ("keywords", "categories") for x in (row.get(key) or [])]
    if extra:
        out += " (" + ", ".join(extra) + ")"
    return " ".join(out.split())


def encode_rows(rows: list[dict], model: str) -> tuple[np.ndarray, np.ndarray]:
    """(the classifier's vectors, the floor's MiniLM vectors) of `rows`: each model encodes
    once, a concatenated encoder reusing the floor's part."""
    texts = [_text(r) for r in rows]
    parts = parts_of(model)
    done = {p: encode(texts, p) for p in dict.fromkeys([*parts, DEFAULT_MODEL])}
    return combine([done[p] for p in parts]), done[DEFAULT_MODEL]


def classify_split(train: list[dict], train_vecs: np.ndarray, test: list[dict],
                   test_vecs: np.ndarray, model: str,
                   seed: int = 0) -> tuple[list[Prediction], Classifier]:
    """Index `train`, classify `test` with the pipeline's Classifier (no `uncategorized`: a
    task's labels are all there is)."""
    settings = dataclasses.replace(load_taxonomy().settings, uncategorized_below=0.0)
    texts = [_text(r) for r in train]
    entries = [Entry(str(r.get("id", n)), str(r["label"]), "train", str(r.get("title") or ""),
                     t, content_hash(t)) for n, (r, t) in enumerate(zip(train, texts,
                                                                       strict=True))]
    index = LabelledIndex.build(entries, train_vecs, model, settings.ivf_threshold)
    clf = Classifier(index, settings, seed=seed)
    return clf.predict([_text(r) for r in test], test_vecs), clf


def _ece(conf: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: |confidence - accuracy| per confidence bin, weighted."""
    edges = np.minimum((conf * bins).astype(int), bins - 1)
    return float(sum(abs(conf[edges == b].mean() - correct[edges == b].mean()) *
                     (edges == b).mean() for b in range(bins) if (edges == b).any()))


def score(gold: list[str], preds: list[Prediction],
          baseline: list[str] | None = None) -> dict:
    """Accuracy, macro-F1 (over the gold labels), review coverage/precision, calibration."""
    guess = [p.label for p in preds]
    conf = np.array([p.confidence for p in preds])
    correct = np.array([g == p for g, p in zip(gold, guess, strict=True)])
    accepted = np.array([not p.needs_review for p in preds], bool)
    gold_labels = sorted(set(gold))
    out = {
        "accuracy": round(accuracy_score(gold, guess), 4),
        "macro_f1": round(f1_score(gold, guess, labels=gold_labels, average="macro",
                                   zero_division=0), 4),
        "coverage": round(float(accepted.mean()), 4) if len(preds) else 0.0,
        "precision": round(float(correct[accepted].mean()), 4) if accepted.any() else None,
        "coverage_at_90": round(coverage_at_precision(conf, correct, 0.9)[0], 4),
        # ranked by correctness itself: what a perfect confidence would reach (a 90% target at
        # accuracy a can accept at most a / 0.9 of the items)
        "coverage_at_90_bound": round(coverage_at_precision(correct.astype(float), correct,
                                                            0.9)[0], 4),
        "ece": round(_ece(conf, correct), 4) if len(preds) else None,
    }
    if baseline is not None:
        out["baseline_macro_f1"] = round(f1_score(gold, baseline, labels=gold_labels,
                                                  average="macro", zero_division=0), 4)
        out["baseline_accuracy"] = round(accuracy_score(gold, baseline), 4)
    return out


def baseline_labels(train: list[dict], train_vecs: np.ndarray,
                    test_vecs: np.ndarray) -> list[str]:
    """The floor's labels; its vectors are always MiniLM's (`encode_rows`), whatever encoder
    the classifier uses, so a stronger encoder is measured against the same floor."""
    classes, probs = baseline_proba(train_vecs, [str(r["label"]) for r in train], test_vecs)
    return [classes[i] for i in probs.argmax(axis=1)]


def _model_info(clf: Classifier) -> dict:
    learner = clf.category
    info = {"chosen": learner.choice.describe(), "review_threshold": learner.report.threshold,
            "temperature": learner.report.temperature, "cv_folds": learner.report.folds,
            "cv_macro_f1": learner.report.chosen_macro_f1,
            "cv_core_macro_f1": learner.report.core_macro_f1}
    if clf.gate is not None:
        info["gate"] = {"chosen": clf.gate.choice.describe(),
                        "review_threshold": clf.gate.report.threshold}
    return info


def run_eval(train_path: str | Path, test_path: str | Path,
             model_name: str | None = None) -> dict:
    """Index the train items, classify the test items, score. Returns one JSON-able dict."""
    started = time.monotonic()
    model = classifier_model(model_name)
    train, test = read_task(train_path), read_task(test_path)
    vectors, floor = encode_rows(train + test, model)
    tr_vecs, te_vecs = vectors[:len(train)], vectors[len(train):]
    preds, clf = classify_split(train, tr_vecs, test, te_vecs, model)
    gold = [str(r["label"]) for r in test]
    guess = [p.label for p in preds]
    labels = sorted(set(gold) | set(guess))
    prec, rec, f1, sup = precision_recall_fscore_support(gold, guess, labels=labels,
                                                         zero_division=0)
    result = score(gold, preds,
                   baseline_labels(train, floor[:len(train)], floor[len(train):]))
    result.update({
        "n_train": len(train), "n_test": len(test),
        "n_labels": len({str(r["label"]) for r in train}),
        "method": METHOD, "model": model, "index_kind": clf.index.kind, **_model_info(clf),
        "seconds": round(time.monotonic() - started, 1),
        "per_label": {lab: {"precision": round(float(p), 4), "recall": round(float(r), 4),
                            "f1": round(float(f), 4), "support": int(s)}
                      for lab, p, r, f, s in zip(labels, prec, rec, f1, sup, strict=True)},
    })
    return result


def stratified_folds(labels: list[str], folds: int, seed: int = 0) -> np.ndarray:
    """Fold number per item, each label spread round-robin from a random start (a label with
    fewer items than folds is simply absent from some folds)."""
    rng = np.random.default_rng(seed)
    out = np.zeros(len(labels), int)
    arr = np.array(labels)
    for lab in sorted(set(labels)):
        idx = np.flatnonzero(arr == lab)
        rng.shuffle(idx)
        out[idx] = (int(rng.integers(folds)) + np.arange(len(idx))) % folds
    return out


def run_cv(train_path: str | Path, test_path: str | Path, folds: int = 5,
           model_name: str | None = None, seed: int = 0) -> dict:
    """Stratified K-fold over train ∪ test: every item is classified once by a classifier
    that never saw it; scores are over all items, next to the baseline on the same folds."""
    if folds < 2:
        raise EvalInputError("eval: --cv needs at least 2 folds")
    started = time.monotonic()
    model = classifier_model(model_name)
    pool = read_task(train_path) + read_task(test_path)
    vectors, floor = encode_rows(pool, model)
    gold = [str(r["label"]) for r in pool]
    fold = stratified_folds(gold, folds, seed)
    preds: list[Prediction | None] = [None] * len(pool)
    base: list[str] = [""] * len(pool)
    chosen = []
    for f in range(folds):
        tr, te = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        train = [pool[i] for i in tr]
        got, clf = classify_split(train, vectors[tr], [pool[i] for i in te], vectors[te],
                                  model, seed)
        for i, p, b in zip(te, got, baseline_labels(train, floor[tr], floor[te]), strict=True):
            preds[i], base[i] = p, b
        chosen.append(clf.category.choice.describe())
    result = score(gold, preds, base)  # type: ignore[arg-type]
    result.update({"folds": folds, "n_items": len(pool), "n_labels": len(set(gold)),
                   "method": METHOD, "model": model, "chosen_per_fold": chosen,
                   "seconds": round(time.monotonic() - started, 1)})
    return result
