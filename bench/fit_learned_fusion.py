"""Refit config/search_learned.json, the learned pool scoring of `landscape.search_learned`,
from the learned scoring's training judgments — and check the search then reproduces the
experiment.

The model is the one bench/experiment_learned_fusion6.py selected and tested (run 6,
`CANDIDATE` "W", ADOPTED on heldout15): run 4's candidate A learner (one model for every query,
LambdaRank pair weights, lambda 0.1 — run 2's learner) over the 22 features (run 4's 21 + the
fusion's weak flag), the pool ordered by the learned score alone, fit on ALL queries of
`search_selection.LEARNED_TRAINING` (the 12 files scored before run 4's test: dev, heldout,
heldout2 .. heldout11; 386 queries); and its weak cut-off "weak_below" (tau): the lowest
learned score of a relevant project among the first 30 of any training query's pool ordered
by it, each query scored by the fit on the 11 OTHER training files (`experiment_learned_
fusion6.tau` over the 12 leave-one-file-out fits). The pools are captured with the learned
scoring OFF (today's fusion); the fit is deterministic (L-BFGS from zeros on the same pairs).
The query vectors are not bit-stable between processes (threaded sums: cosines move by ~1e-8,
the fit by ~1e-10 to 1e-9), so the file holds 8 significant digits: a refit on the same code
and warehouse writes the same numbers but for a last digit here and there.
Then, with the file loaded by the product (`search_rank.LEARNED`), every training query is
searched and its score compared with the experiment's own application of the same fit and tau
(`experiment_learned_fusion6.learned_order`, written out there, not the product's): any
difference stops the script (exit 1).

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
from bench import experiment_learned_fusion6 as lf6  # noqa: E402
from bench import search_selection as sel  # noqa: E402
from core.settings import db_path  # noqa: E402
from landscape import search_learned, search_semantic  # noqa: E402
from warehouse import db  # noqa: E402

CANDIDATE = "W"  # run 6's selection, ADOPTED on heldout15
RULE = ("the lowest learned score of a relevant project among the first 30 of any training "
        "query's pool ordered by it, each query scored out of fold (the fit on the 11 other "
        "training files): nothing relevant was found below it (bench/experiment_learned_"
        "fusion6.py, run 6)")


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
    cols = lf6.columns(CANDIDATE)
    names = [*search_learned.FEATURES[:lf6.BASE], *lf6.EXTRA]
    if [names[j] for j in cols] != list(search_learned.FEATURES) or lf.POOL != search_learned.POOL:
        raise SystemExit("the experiment's features / pool are not the product's")
    cached = search_semantic._encode_cached
    search_semantic._encode_cached = functools.lru_cache(maxsize=None)(cached.__wrapped__)
    judged = [j for j in sel.queries() if j[0] in sel.LEARNED_TRAINING]
    files = list(sel.LEARNED_TRAINING)
    with db.connect(read_only=True, path=Path(args.db)) as con:
        # capture today's pools (learned scoring off), with run 6's columns, and fit
        search_learned.features = lf6.features_plus
        lf.install()
        lf._pairs = lf2._pairs
        data = lf2.prepared(lf.captured(con, judged), ("B", 0.1))
        model = lf6.fit(CANDIDATE, data)
        folds = {f: lf6.fit(CANDIDATE, [d for d in data if d["file"] != f]) for f in files}
        tau = lf6.tau(CANDIDATE, data, files, folds)
        # the experiment's application of that fit and tau, every query
        lf6.install_product_path()
        expected = lf6.scores(con, judged, CANDIDATE, model, tau)
        lf6.uninstall()
        Path(args.out).write_text(json.dumps({
            "features": list(search_learned.FEATURES),
            **{k: [_digits(x) for x in model[k][cols]] for k in ("w", "mu", "sd")},
            "alpha": model["alpha"],
            "weak_below": _digits(tau),
            "weak_rule": RULE,
            "fit": {"script": "bench/fit_learned_fusion.py", "candidate": CANDIDATE,
                    "learner": "pairwise logistic, today's score as offset, LambdaRank pair "
                               "weights, L2 lambda 0.1 (bench/experiment_learned_fusion2.py), "
                               "one model for every query (bench/experiment_learned_fusion4.py), "
                               "the fusion's weak flag a feature and the pool ordered by the "
                               "learned score alone (bench/experiment_learned_fusion6.py)",
                    "files": list(sel.LEARNED_TRAINING), "queries": len(data),
                    "commit": _commit()}}, indent=1) + "\n", "utf-8")
        # the product with that file must give the experiment's scores, query by query
        search_learned.WEIGHTS_PATH = Path(args.out)
        search_learned.load.cache_clear()
        if search_learned.load() is None:
            raise SystemExit(f"{args.out} does not load")
        got = sel.scores(con, judged)[0]
    search_semantic._encode_cached = cached
    bad = [(q["q"], e, g) for (_, q, _), e, g in zip(judged, expected, got, strict=True)
           if abs(e - g) > 1e-9]
    means = {b: sel.per_file(judged, got, b) for b in ("en", "zh", "name")}
    print(json.dumps({"out": args.out, "queries": len(data), "weak_below": _digits(tau),
                      "per_file": {b: {f: v for f, v in m.items() if f in sel.LEARNED_TRAINING}
                                   for b, m in means.items()},
                      "differs_from_experiment": bad}, ensure_ascii=False, indent=1))
    if bad:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
