"""Refit config/search_learned.json, the learned pool scoring of `landscape.search_learned`,
from the development judgments — and check the search then reproduces the experiment.

The model is the one bench/experiment_learned_fusion2.py selected (`SELECTED`: LambdaRank pair
weights, lambda 0.1) fit on ALL its development queries (dev, heldout2, heldout4, heldout7) with
that script's learner: the pools are captured with the learned scoring OFF (today's fusion),
the fit is deterministic (L-BFGS from zeros on the same pairs). The query vectors are not
bit-stable between processes (threaded sums: cosines move by ~1e-8, the fit by ~1e-10), so the
file holds 8 significant digits: a refit on the same code and warehouse writes the same bytes.
Then, with the file loaded by the product (`search_rank.LEARNED`), every development query is
searched and its score compared with the experiment's own application of the same fit
to Chinese queries only (`experiment_learned_fusion3._fold`, run 2's `_fold` where
`experiment_learned_fusion3.chinese`, today's elsewhere — the product's `search_learned.applies`
must agree): any difference stops the script (exit 1).

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
from bench import experiment_learned_fusion3 as lf3  # noqa: E402
from bench import search_selection as sel  # noqa: E402
from core.settings import db_path  # noqa: E402
from landscape import search as search_mod  # noqa: E402
from landscape import search_learned, search_rank, search_semantic  # noqa: E402
from warehouse import db  # noqa: E402

SELECTED = lf3.SELECTED


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
    judged = [j for j in sel.queries() if j[0] in sel.DEVELOPMENT]
    with db.connect(read_only=True, path=Path(args.db)) as con:
        # capture today's pools (learned scoring off) and fit
        search_rank.LEARNED = False
        lf.install()
        lf._pairs = lf2._pairs
        search_rank._fold = lf3._fold
        data = lf.captured(con, judged)
        model = lf2.fit(data, SELECTED)
        lf3._Zh.model = model  # run 2's application, Chinese queries only
        expected = sel.scores(con, judged)[0]
        lf3._Zh.model = None
        search_mod.fused_hits, search_rank._fold, lf._pairs = real
        Path(args.out).write_text(json.dumps({
            "features": list(search_learned.FEATURES),
            **{k: [_digits(x) for x in model[k]] for k in ("w", "mu", "sd")},
            "alpha": model["alpha"],
            "fit": {"script": "bench/fit_learned_fusion.py", "candidate": str(SELECTED),
                    "learner": "pairwise logistic, today's score as offset, LambdaRank pair "
                               "weights, L2 lambda 0.1 (bench/experiment_learned_fusion2.py)",
                    "files": list(sel.DEVELOPMENT), "queries": len(data),
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
        b: {f: v for f, v in m.items() if f in sel.DEVELOPMENT} for b, m in means.items()},
        "differs_from_experiment": bad}, ensure_ascii=False, indent=1))
    if bad:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
