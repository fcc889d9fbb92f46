"""`panorama eval`: measure the classifier on labelled JSONL files.

Public API:
    run_eval(train_path, test_path, model_name=None) -> dict

Each line is `{"id", "title", "text", "label"}`; labels are whatever the file says. The train
items become the labelled entries of a FAISS index (in memory, not the warehouse's), and the
test items are classified by the same `Classifier` the pipeline uses. The result holds
accuracy, macro_f1, per_label {precision, recall, f1, support}, and coverage / precision of
the confident items (those the pipeline would not send to review).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from landscape.classify import METHOD, Classifier
from landscape.embeddings import content_hash, encode, model_name_or_default
from landscape.taxonomy import load_taxonomy
from landscape.vector_index import Entry, LabelledIndex


def _read(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _text(row: dict) -> str:
    title, text = (row.get("title") or "").strip(), (row.get("text") or "").strip()
    return " ".join(f"{title}: {text}".split()) if title else " ".join(text.split())


def run_eval(train_path: str | Path, test_path: str | Path,
             model_name: str | None = None) -> dict:
    """Index the train items, classify the test items, score. Returns one JSON-able dict."""
    started = time.monotonic()
    model = model_name_or_default(model_name)
    settings = load_taxonomy().settings
    train, test = _read(train_path), _read(test_path)
    train_texts, test_texts = [_text(r) for r in train], [_text(r) for r in test]
    vectors = encode(train_texts + test_texts, model)
    entries = [Entry(str(r.get("id", n)), str(r["label"]), "train", r.get("title") or "", t,
                     content_hash(t)) for n, (r, t) in enumerate(zip(train, train_texts,
                                                                       strict=True))]
    index = LabelledIndex.build(entries, vectors[:len(train)], model, settings.ivf_threshold)
    clf = Classifier(index, k=settings.k, review_below=settings.review_below,
                     uncategorized_below=0.0, out_of_scope_floor=settings.out_of_scope_floor)
    preds = clf.predict(test_texts, vectors[len(train):])
    gold = [str(r["label"]) for r in test]
    guess = [p.label for p in preds]
    labels = sorted(set(gold) | set(guess))
    prec, rec, f1, sup = precision_recall_fscore_support(gold, guess, labels=labels,
                                                         zero_division=0)
    confident = [n for n, p in enumerate(preds) if not p.needs_review]
    correct_conf = sum(gold[n] == guess[n] for n in confident)
    return {
        "accuracy": round(accuracy_score(gold, guess), 4),
        "macro_f1": round(f1_score(gold, guess, labels=sorted(set(gold)), average="macro",
                                   zero_division=0), 4),
        "coverage": round(len(confident) / len(test), 4) if test else 0.0,
        "precision": round(correct_conf / len(confident), 4) if confident else None,
        "confident_threshold": settings.review_below,
        "n_train": len(train),
        "n_test": len(test),
        "n_labels": len(set(str(r["label"]) for r in train)),
        "method": METHOD,
        "model": model,
        "index_kind": index.kind,
        "seconds": round(time.monotonic() - started, 1),
        "per_label": {lab: {"precision": round(float(p), 4), "recall": round(float(r), 4),
                            "f1": round(float(f), 4), "support": int(s)}
                      for lab, p, r, f, s in zip(labels, prec, rec, f1, sup, strict=True)},
    }
