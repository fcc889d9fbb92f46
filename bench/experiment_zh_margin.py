"""Experiment (issue 13, session 10): a lower bar for a Chinese query's inferred kinds.

A query whose words name no kind wants papers (posts) as well as software when the best paper
(post) cosine among its meaning hits is at least the best software cosine + `INFER_MARGIN` (0;
`search_rank.wanted_kinds`). A Chinese query's meaning is read through its translation — the
mean of its readings' vectors (`query_synsets.dense_readings`), the general dictionary's words
among them — a vaguer text than a typed English one, so its cosines to the research that
would match it are lower and closer to software's. Seen on a development query: 混合专家模型
reads "mixture of experts"; its one relevant paper has cosine 0.36, mistral.rs 0.42, so no
paper is inferred and the paper ranks 23rd (its English counterpart names "language models"
and finds it). The question: does a lower bar for Chinese queries only (the margin shifted
by `shift`) find research topics without adding papers to Chinese software queries?

The product code is unchanged: `apply` wraps `search_rank.wanted_kinds` so that a Chinese
query's margin is INFER_MARGIN + shift (an English query's as today). GRID: shift 0 (today),
-0.02, -0.05, -0.08, -0.12.

The choice rule (written before the run): the shared one, `bench.search_selection.summarise`
(development files gate — no en / zh / names number lower —, leave-one-query-out over the
development nDCG queries chooses, reported files only checked for drops, a drop <= NOISE on
one reported file stated as noise). Adopted only then, as a per-language margin in
`search_rank`.

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_zh_margin.py [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import main  # noqa: E402
from landscape import search_rank  # noqa: E402

GRID = [(0.0,), (-0.02,), (-0.05,), (-0.08,), (-0.12,)]
_ORIGINAL = search_rank.wanted_kinds
_SHIFT = [0.0]


def _wanted(qt, semantic):  # noqa: ANN001, ANN202 - search_rank.wanted_kinds's signature
    base = search_rank.INFER_MARGIN
    if qt.lang == "zh":
        search_rank.INFER_MARGIN = base + _SHIFT[0]
    try:
        return _ORIGINAL(qt, semantic)
    finally:
        search_rank.INFER_MARGIN = base


def apply(setting: tuple) -> None:
    _SHIFT[0] = setting[0]
    search_rank.wanted_kinds = _wanted if setting[0] else _ORIGINAL


if __name__ == "__main__":
    main(GRID, apply)
