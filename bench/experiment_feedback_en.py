"""Experiment (issue 13, session 10): pseudo-relevance feedback for English queries, re-measured
on today's ranking.

Feedback (`landscape.query_feedback`, RM3-style: the shared words of the first strong hits join
the lexical query) runs today only for a Chinese query with a general-dictionary word. For
English queries it was measured once, in session 3, on that day's ranking (before synonym
sets, abbreviations, inferred kinds, concept coordination) and cost dev en 0.908 -> 0.889.
Today's development English misses include queries whose relevant items use another word than
the query ("GUI framework": items say "UI framework"; "run quantized GGUF models locally":
llama.cpp says neither) — the case feedback is for — so it is re-measured, not assumed.

A setting is (FEEDBACK_EN,): the weight of the best added word for an English query (0 = off,
today's); the other feedback constants stay as chosen (4 first strong hits, 10 words, a word in
at least 2 of them). GRID: today's first, then the lesser weights first.

The choice rule (written before the run): the shared one, `bench.search_selection.summarise`
(development files gate — no development file's en, zh or names number lower —,
leave-one-query-out over the development nDCG queries chooses, reported files only checked
for drops; adopt only without a reported drop, or one <= NOISE on one file, stated).

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_feedback_en.py [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import main  # noqa: E402
from landscape import query_feedback  # noqa: E402

GRID = [(0.0,), (0.1,), (0.25,), (0.5,), (1.0,)]


def apply(setting: tuple) -> None:
    (query_feedback.FEEDBACK_EN,) = setting


if __name__ == "__main__":
    main(GRID, apply)
