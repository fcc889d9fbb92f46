"""Experiment (issue 13, session 10): a query's kind words (paper, research, 论文, blog ...) as an
instruction rather than content in the words ranking (`landscape.query_kind_words`).

Seen before writing it (development file heldout2, named by the session-10 brief): "papers on
hardware accelerators for LLM inference" 0.64 — its words ranking lists first the papers whose
abstracts say "papers" (places 1–3: "words: papers, hardware, ..."), above relevant papers that
match only the subject (wafer-llm 5th, the tensor accelerator 13th); the kind word already acts
through the kinds (`QueryText.wants`). Session 9 measured leaving kind words out of the
coordination only ("coordination over the query's concepts", run 2: a tie), not their BM25
weight.

A setting is (KIND_WORD_W,): the factor on a kind word's weight in the lexical query (its
concept left out of the coordination below 1); 1 = today. GRID: today's first, then 0.5,
0.25, 0.

The choice rule (written before the run): the shared one, `bench.search_selection.summarise`
(no development file's en, zh or names number lower; leave-one-query-out over the development
nDCG queries chooses; reported files only checked for drops; adopt only without a reported
drop, or one <= NOISE on one file, stated).

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_kind_words.py [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import main  # noqa: E402
from landscape import query_kind_words  # noqa: E402

GRID = [(1.0,), (0.5,), (0.25,), (0.0,)]


def apply(setting: tuple) -> None:
    (query_kind_words.KIND_WORD_W,) = setting


if __name__ == "__main__":
    main(GRID, apply)
