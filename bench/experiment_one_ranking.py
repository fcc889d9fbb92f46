"""Experiment (issue 13, session 10): what an item found by only one ranking is worth in the
fusion (`landscape.search_fusion.ONLY`).

Seen before writing it (development queries only, named by the session-10 brief and read with
their ranks): 在本地运行大语言模型 (dev) and 本地运行量化模型 (heldout7) are read correctly ("local
run large language model", "local run quantization model"), but items the meaning ranking does
not list at all (not among the query's 50 nearest) and the words ranking lists first through
generic words ("local", "run", "LLM": oneiromancer, worktrunk, monty) take places 3–8; plain
RRF counts a ranking's absence as nothing, so a words-only first place weighs a full 1 / (K+1).
The opposite case exists too: llama.cpp (relevant to "run quantized GGUF models locally") holds
no query word and is found by meaning alone.

A setting is ONLY = (factor when only the meaning ranking found the item, factor when only the
words ranking did); (1, 1) = plain RRF, today's. GRID: today's first, then words-only factors
from the mildest, meaning-only factors, both.

The choice rule (written before the run): the shared one, `bench.search_selection.summarise`
(no development file's en, zh or names number lower; leave-one-query-out over the development
nDCG queries chooses; reported files only checked for drops; adopt only without a reported
drop, or one <= NOISE on one file, stated).

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_one_ranking.py [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import main  # noqa: E402
from landscape import search_fusion  # noqa: E402

GRID = [(1.0, 1.0),
        (1.0, 0.8), (1.0, 0.6), (1.0, 0.4),
        (0.8, 1.0), (0.6, 1.0),
        (0.8, 0.8), (0.6, 0.6)]


def apply(setting: tuple) -> None:
    search_fusion.ONLY = setting


if __name__ == "__main__":
    main(GRID, apply)
