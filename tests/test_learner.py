"""The learner on small, uneven synthetic tasks; eval's input errors; the robustness draws."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from flows.cli_classify import main
from landscape.learner import Learner, baseline_proba, coverage_at_precision
from landscape.robustness import subsample

SIZES = {"big": 40, "mid": 12, "small": 6, "tiny": 3}


def _task(seed: int, sizes: dict[str, int], spread: float = 0.9) -> tuple[list, np.ndarray]:
    """Labels with their own direction in a 32-d space plus noise, normalised like MiniLM."""
    rng = np.random.default_rng(seed)
    centres = {lab: rng.normal(size=32) for lab in SIZES}
    labels = [lab for lab, n in sizes.items() for _ in range(n)]
    vecs = np.array([centres[lab] + spread * rng.normal(size=32) * 2 for lab in labels])
    return labels, (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)


def _macro_f1(gold: list[str], guess: list[str]) -> float:
    from sklearn.metrics import f1_score

    return f1_score(gold, guess, labels=sorted(set(gold)), average="macro", zero_division=0)


def test_small_labels_survive_and_the_floor_holds() -> None:
    labels, vecs = _task(0, SIZES)
    test_labels, test_vecs = _task(0, {k: 30 for k in SIZES})  # same centres, fresh noise
    texts = [f"item {n}" for n in range(len(labels))]
    learner = Learner(tfidf=False).fit(texts, vecs, labels)
    probs = learner.predict_proba(["x"] * len(test_labels), test_vecs)
    guess = [learner.classes[i] for i in probs.argmax(axis=1)]
    classes, base = baseline_proba(vecs, labels, test_vecs)
    floor = _macro_f1(test_labels, [classes[i] for i in base.argmax(axis=1)])
    assert _macro_f1(test_labels, guess) >= floor - 0.02
    recall_tiny = np.mean([g == "tiny" for g, t in zip(guess, test_labels, strict=True)
                           if t == "tiny"])
    assert recall_tiny > 0.3  # the 3-item label is not swallowed by the 40-item one
    assert np.allclose(probs.sum(axis=1), 1.0)
    r = learner.report
    assert r.folds >= 2 and r.validated == len(labels) and r.temperature > 0
    assert r.oof_precision is None or r.oof_precision >= 0.9 - 1e-9


def test_pinned_items_train_but_are_never_scored_and_singletons_work() -> None:
    labels, vecs = _task(1, {"big": 20, "mid": 10, "small": 1})
    pinned = [False] * len(labels)
    pinned[0] = pinned[25] = True
    learner = Learner(tfidf=False).fit([""] * len(labels), vecs, labels, pinned)
    assert learner.report.validated == len(labels) - 2 - 1  # pinned + the 1-item label
    assert "small" in learner.classes


def test_coverage_at_precision() -> None:
    conf = np.array([0.99, 0.95, 0.9, 0.8, 0.6, 0.5])
    correct = np.array([1, 1, 1, 0, 1, 0])
    assert coverage_at_precision(conf, correct, 0.9) == (0.5, 0.9)
    assert coverage_at_precision(conf, correct, 0.8)[0] == pytest.approx(5 / 6)
    assert coverage_at_precision(np.array([0.9]), np.array([0]), 0.9) == (0.0, 1.0)


def test_subsample_keeps_the_imbalance() -> None:
    labels = ["a"] * 60 + ["b"] * 20 + ["c"] * 3
    idx = subsample(labels, 5, np.random.default_rng(0))
    got = {lab: sum(labels[i] == lab for i in idx) for lab in "abc"}
    assert got["a"] > got["b"] > got["c"] >= 2 and got["c"] < 3
    assert len(set(idx.tolist())) == len(idx)


def test_eval_input_errors_are_one_line(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "a", "title": "x", "label": "l"}) + "\n", "utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "a", "title": "x", "label": "l"}) + "\n"
                   + json.dumps({"id": "b", "title": "y"}) + "\n", "utf-8")
    for argv, message in [
        (["--train", str(tmp_path / "missing.jsonl"), "--test", str(good)], "no such file"),
        (["--train", str(good), "--test", str(bad)], "bad.jsonl:2: line has no `label`"),
        (["--train", str(good)], "in pairs"),
        (["--cv", "1", "--train", str(good), "--test", str(good)], "at least 2 folds"),
    ]:
        assert main(["eval", *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
