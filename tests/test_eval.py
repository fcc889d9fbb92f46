"""`panorama eval` prints one JSON object with the agreed shape."""

from __future__ import annotations

import json
from pathlib import Path

from flows.cli_classify import main
from landscape.classify import Prediction
from landscape.evaluate import score

TRAIN = [
    ("candle", "Minimalist ML framework with tensors and GPU support", "ml"),
    ("burn", "Deep learning framework with training and multiple backends", "ml"),
    ("tch", "Bindings to PyTorch for neural network training", "ml"),
    ("axum", "Ergonomic async web framework for HTTP services", "web"),
    ("actix-web", "Powerful, fast web framework for building HTTP servers", "web"),
    ("warp", "Composable web server framework with filters", "web"),
    ("ratatui", "Build terminal user interfaces and dashboards", "tui"),
    ("cursive", "Text user interface library for the terminal", "tui"),
]
TEST = [
    ("dfdx", "Deep learning with shape-checked tensors and neural networks", "ml"),
    ("rocket", "A web framework for writing fast HTTP web applications", "web"),
    ("tui-rs", "Library to build rich terminal user interfaces", "tui"),
]


def _write(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path.write_text("".join(json.dumps({"id": f"x:{t}", "title": t, "text": d, "label": lab})
                            + "\n" for t, d, lab in rows), "utf-8")
    return path


def test_eval_prints_one_json_object(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    train, test = _write(tmp_path / "t.train.jsonl", TRAIN), _write(tmp_path / "t.dev.jsonl", TEST)
    assert main(["eval", "--train", str(train), "--test", str(test)]) == 0
    out = capsys.readouterr().out.strip()
    result = json.loads(out)  # exactly one JSON object on stdout
    assert {"accuracy", "macro_f1", "per_label", "coverage", "precision", "n_train", "n_test",
            "method", "model", "coverage_at_90", "coverage_at_90_bound"} <= set(result)
    assert result["n_train"] == 8 and result["n_test"] == 3
    assert result["accuracy"] == 1.0 and result["macro_f1"] == 1.0
    assert set(result["per_label"]) == {"ml", "web", "tui"}
    assert set(result["per_label"]["ml"]) == {"precision", "recall", "f1", "support"}
    assert 0.0 <= result["coverage"] <= 1.0


def test_eval_cv_scores_every_item_once(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    train, test = _write(tmp_path / "t.train.jsonl", TRAIN), _write(tmp_path / "t.dev.jsonl", TEST)
    assert main(["eval", "--cv", "2", "--train", str(train), "--test", str(test)]) == 0
    result = json.loads(capsys.readouterr().out.strip())
    assert result["folds"] == 2 and result["n_items"] == len(TRAIN) + len(TEST)
    assert len(result["chosen_per_fold"]) == 2
    assert 0.0 <= result["macro_f1"] <= 1.0 and 0.0 <= result["baseline_macro_f1"] <= 1.0


def test_score_bounds_coverage_by_what_any_confidence_could_reach() -> None:
    # 9 right and 3 wrong, the wrong ones the most confident: ranked by this confidence nothing
    # reaches 90% precision; the best ordering of the same predictions accepts the 9 right ones
    # and one wrong one (9 / 10 = 0.9): 10 of 12 items
    gold = ["a"] * 12
    guess = ["b"] * 3 + ["a"] * 9
    preds = [Prediction(g, 0.99 if g == "b" else 0.6, False, [], {}) for g in guess]
    result = score(gold, preds)
    assert result["accuracy"] == 0.75
    assert result["coverage_at_90"] == 0.0
    assert result["coverage_at_90_bound"] == round(10 / 12, 4)
