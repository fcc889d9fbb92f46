"""Refit config/search_learned.json, the learned pool scoring of `landscape.search_learned`,
from the learned scoring's training judgments — and check the search then reproduces the
experiment.

The model is the one bench/experiment_learned_fusion4.py selected and tested (run 4,
`CANDIDATE` "A": one model for every query, LambdaRank pair weights, lambda 0.1 — run 2's
learner) fit on ALL queries of `search_selection.LEARNED_TRAINING` (the 12 files scored before
run 4's test: dev, heldout, heldout2 .. heldout11; 386 queries). The pools are captured with
the learned scoring OFF (today's fusion); the fit is deterministic (L-BFGS from zeros on the
same pairs). The query vectors are not bit-stable between processes (threaded sums: cosines
move by ~1e-8, the fit by ~1e-10 to 1e-9), so the file holds 8 significant digits: a refit on
the same code and warehouse writes the same numbers but for a last digit here and there (two of
the 63 numbers moved by <= 1e-9 between two refits of run 4's fit: no score moves).
Then, with the file loaded by the product (`search_rank.LEARNED`), every training query is
searched and its score compared with the experiment's own application of the same fit to every
query (`experiment_learned_fusion4._fold`, run 2's `_fold` with the model for both languages —
the product's `search_learned.applies` must agree): any difference stops the script (exit 1).

Refit when the warehouse the judgments are scored on, the fusion or the features change:

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> nice -n 5 python bench/fit_learned_fusion.py \\
        [--out config/search_learned.json]
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import experiment_learned_fusion as lf  # noqa: E402
from bench import experiment_learned_fusion2 as lf2  # noqa: E402
from bench import experiment_learned_fusion4 as lf4  # noqa: E402
from bench import search_selection as sel  # noqa: E402
from core.settings import db_path  # noqa: E402
from landscape import search as search_mod  # noqa: E402
from landscape import search_learned, search_rank, search_semantic  # noqa: E402
from warehouse import db  # noqa: E402

CANDIDATE = "A"  # run 4's selection, ADOPTED on heldout12


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _digits(x: float) -> float:
    return float(f"{x:.8g}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(db_path()))
    ap.add_argument("--out", default=str(search_learned.WEIGHTS_PATH))
    args = ap.parse_args()
    if tuple(lf.FEATURES) != search_learned.FEATURES or lf.POOL != search_learned.POOL:
        raise SystemExit("the experiment's features / pool are not the product's")
    cached = search_semantic._encode_cached
    search_semantic._encode_cached = functools.lru_cache(maxsize=None)(cached.__wrapped__)
    real = (search_mod.fused_hits, search_rank._fold, lf._pairs)
    judged = [j for j in sel.queries() if j[0] in sel.LEARNED_TRAINING]
    with db.connect(read_only=True, path=Path(args.db)) as con:
        # capture today's pools (learned scoring off) and fit
        search_rank.LEARNED = False
        lf.install()
        lf._pairs = lf2._pairs
        search_rank._fold = lf4._fold
        data = lf2.prepared(lf.captured(con, judged), ("B", 0.1))
        route = lf4.models(CANDIDATE, data, shipped={})
        model = route["zh"]
        if route["en"] is not model:
            raise SystemExit(f"candidate {CANDIDATE} is not one model for both languages")
        expected = lf4._scores(con, judged, route)  # run 2's application, every query
        search_mod.fused_hits, search_rank._fold, lf._pairs = real
        Path(args.out).write_text(json.dumps({
            "features": list(search_learned.FEATURES),
            **{k: [_digits(x) for x in model[k]] for k in ("w", "mu", "sd")},
            "alpha": model["alpha"],
            "fit": {"script": "bench/fit_learned_fusion.py", "candidate": CANDIDATE,
                    "learner": "pairwise logistic, today's score as offset, LambdaRank pair "
                               "weights, L2 lambda 0.1 (bench/experiment_learned_fusion2.py), "
                               "one model for every query (bench/experiment_learned_fusion4.py)",
                    "files": list(sel.LEARNED_TRAINING), "queries": len(data),
                    "commit": _commit()}}, indent=1) + "\n", "utf-8")
        # the product with that file must give the experiment's scores, query by query
        search_rank.LEARNED = True
        search_learned.WEIGHTS_PATH = Path(args.out)
        search_learned.load.cache_clear()
        if search_learned.load() is None:
            raise SystemExit(f"{args.out} does not load")
        got = sel.scores(con, judged)[0]
    search_semantic._encode_cached = cached
    bad = [(q["q"], e, g) for (_, q, _), e, g in zip(judged, expected, got, strict=True)
           if abs(e - g) > 1e-9]
    means = {b: sel.per_file(judged, got, b) for b in ("en", "zh", "name")}
    print(json.dumps({"out": args.out, "queries": len(data), "per_file": {
        b: {f: v for f, v in m.items() if f in sel.LEARNED_TRAINING} for b, m in means.items()},
        "differs_from_experiment": bad}, ensure_ascii=False, indent=1))
    if bad:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
