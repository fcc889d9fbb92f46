"""`panorama eval --robustness`: does the classifier hold when a task is small and uneven?

Public API:
    run_suite(tasks, sizes=(5, 10, 20), seeds=(0, 1, 2), model_name=None) -> list[dict]
    format_table(rows) -> str                        # the Markdown table README shows
    subsample(labels, per_label, rng) -> indices

For each task (a train and a test file, pooled), in the same run and on the same vectors:
- `full`: the task's own train/test split;
- `N/label` (N = 5, 10, 20): a training set of N × labels items drawn with the pool's natural
  imbalance (each label gets its share, at least 2 and never all of its items), the rest of
  the pool as test — one draw per seed;
- `skew5`: the shape the landscape's own categories have (and unseen curated lists had):
  5 random labels with 30/12/9/5/4 training items, the rest of those labels as test;
- `gate` (tasks with an AI label): the relevance gate measured on its own — that label's
  items are in scope, all others out of scope, 15 + 45 training items.
Each row: the classifier's macro-F1 (mean ± sd over seeds), the class-balanced MiniLM
logistic regression's (the floor) and how many seeds the classifier was at least level.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from landscape.embeddings import classifier_model
from landscape.evaluate import baseline_labels, classify_split, encode_rows, read_task, score

SKEW = (30, 12, 9, 5, 4)
GATE_IN, GATE_OUT = 15, 45
IN_SCOPE, OUT_OF_SCOPE = "in_scope", "out_of_scope"


def subsample(labels: Sequence[str], per_label: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of a training draw of about `per_label` × labels items, natural imbalance kept."""
    arr = np.array(labels)
    names, counts = np.unique(arr, return_counts=True)
    total = per_label * len(names)
    picked = []
    for name, count in zip(names, counts, strict=True):
        want = min(max(2, round(total * count / len(arr))), count - 1)
        idx = np.flatnonzero(arr == name)
        picked.append(rng.choice(idx, size=max(want, 0), replace=False))
    return np.sort(np.concatenate(picked))


def _skew(labels: Sequence[str], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    arr = np.array(labels)
    names, counts = np.unique(arr, return_counts=True)
    train, test = [], []
    for size in SKEW:  # the biggest share goes to a label that has items left to test on
        fits = [n for n, c in zip(names, counts, strict=True) if c > size and n not in
                {arr[t[0]] for t in train}]
        name = fits[int(rng.integers(len(fits)))]
        idx = rng.permutation(np.flatnonzero(arr == name))
        train.append(idx[:size])
        test.append(idx[size:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def _gate_labels(labels: Sequence[str]) -> list[str] | None:
    ai = [lab for lab in set(labels) if "artificial intelligence" in lab.lower()]
    if len(ai) != 1:
        return None
    return [IN_SCOPE if lab == ai[0] else OUT_OF_SCOPE for lab in labels]


def _gate_draw(labels: Sequence[str], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    arr = np.array(labels)
    ins, outs = (rng.permutation(np.flatnonzero(arr == lab)) for lab in (IN_SCOPE, OUT_OF_SCOPE))
    train = np.concatenate([ins[:GATE_IN], outs[:GATE_OUT]])
    return np.sort(train), np.sort(np.concatenate([ins[GATE_IN:], outs[GATE_OUT:]]))


Vecs = tuple[np.ndarray, np.ndarray]  # (the classifier's vectors, the floor's MiniLM vectors)


def _scores(rows: list[dict], vecs: Vecs, tr: np.ndarray, te: np.ndarray, model: str,
            seed: int) -> dict:
    train, test = [rows[i] for i in tr], [rows[i] for i in te]
    ours, floor = vecs
    preds, _ = classify_split(train, ours[tr], test, ours[te], model, seed)
    return score([str(r["label"]) for r in test], preds,
                 baseline_labels(train, floor[tr], floor[te]))


def _one(rows: list[dict], vecs: Vecs, tr: np.ndarray, te: np.ndarray, model: str,
         seed: int) -> tuple[float, float]:
    s = _scores(rows, vecs, tr, te, model, seed)
    return s["macro_f1"], s["baseline_macro_f1"]


def _row(task: str, setting: str, n_train: int, pairs: list[tuple[float, float]]) -> dict:
    ours, base = [p[0] for p in pairs], [p[1] for p in pairs]
    sd = statistics.stdev if len(pairs) > 1 else (lambda _: 0.0)
    return {"task": task, "setting": setting, "n_train": n_train, "runs": len(pairs),
            "macro_f1": round(statistics.mean(ours), 4), "macro_f1_sd": round(sd(ours), 4),
            "baseline": round(statistics.mean(base), 4), "baseline_sd": round(sd(base), 4),
            "delta": round(statistics.mean(ours) - statistics.mean(base), 4),
            "level_or_better": sum(o >= b for o, b in pairs)}


def run_suite(tasks: Sequence[tuple[str, str | Path, str | Path]],
              sizes: Sequence[int] = (5, 10, 20), seeds: Sequence[int] = (0, 1, 2),
              model_name: str | None = None,
              progress: Callable[[dict], None] | None = None) -> list[dict]:
    """Every setting of every task (see the module docstring); `progress` sees each row."""
    model = classifier_model(model_name)
    out: list[dict] = []

    def emit(row: dict) -> None:
        out.append(row)
        if progress:
            progress(row)

    for name, train_path, test_path in tasks:
        train, test = read_task(train_path), read_task(test_path)
        rows = train + test
        vecs = encode_rows(rows, model)
        labels = [str(r["label"]) for r in rows]
        full_tr, full_te = np.arange(len(train)), np.arange(len(train), len(rows))
        full = _scores(rows, vecs, full_tr, full_te, model, 0)
        emit({**_row(name, "full", len(train), [(full["macro_f1"], full["baseline_macro_f1"])]),
              **{k: full[k] for k in ("accuracy", "coverage", "precision", "coverage_at_90",
                                      "coverage_at_90_bound", "ece")}})
        for size in sizes:
            pairs, n = [], 0
            for seed in seeds:
                tr = subsample(labels, size, np.random.default_rng(seed))
                te = np.setdiff1d(np.arange(len(rows)), tr)
                pairs.append(_one(rows, vecs, tr, te, model, seed))
                n = len(tr)
            emit(_row(name, f"{size}/label", n, pairs))
        pairs = [_one(rows, vecs, *_skew(labels, np.random.default_rng(s)), model, s)
                 for s in seeds]
        emit(_row(name, "skew5 (30/12/9/5/4)", sum(SKEW), pairs))
        gate = _gate_labels(labels)
        if gate is not None:
            grows = [{**r, "label": g} for r, g in zip(rows, gate, strict=True)]
            pairs = [_one(grows, vecs, *_gate_draw(gate, np.random.default_rng(s)), model, s)
                     for s in seeds]
            emit(_row(name, f"gate in/out ({GATE_IN}+{GATE_OUT})", GATE_IN + GATE_OUT, pairs))
    return out


def format_table(rows: Sequence[dict]) -> str:
    lines = ["| task | setting | train items | runs | classifier macro-F1 | balanced LR "
             "(floor) | Δ | runs ≥ floor |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['task']} | {r['setting']} | {r['n_train']} | {r['runs']} | "
                     f"{r['macro_f1']:.3f} ± {r['macro_f1_sd']:.3f} | "
                     f"{r['baseline']:.3f} ± {r['baseline_sd']:.3f} | {r['delta']:+.3f} | "
                     f"{r['level_or_better']}/{r['runs']} |")
    return "\n".join(lines)
