"""Experiment (issue 13, session 10): how much a Chinese query's own character bigrams count in
the words ranking.

A Chinese query's lexical query holds its English renderings AND its own character bigrams
(`lexical.tokens`), each at a word's weight; the bigrams match the Chinese texts the index
holds (glossary terms the items use, the taxonomy's zh names, the editors' zh lines of watched
projects). Seen on development queries: 混合专家模型's bigram 模型 matches the zh lines of
watched model-serving projects (candle, mistral.rs), which then rank first by words although
no English word of theirs matches; and a bigram that straddles two segmented words (在本地运行
-> 地运, 行大) is no word at all. The translation already carries the query's meaning in
English; the bigrams are a second, cruder reading.

A setting is (ZH_BIGRAM_WEIGHT, ZH_STRADDLE): the bigrams' weight relative to a word's
{1 (today), 0.5, 0.25, 0} x whether a bigram straddling two words counts {True (today), False}
(weight 0: one setting). GRID: today's (1, True) first.

The choice rule (written before the run): the shared one, `bench.search_selection.summarise`
(development files gate — no en / zh / names number lower —, leave-one-query-out over the
development nDCG queries chooses, reported files only checked for drops, a drop <= NOISE on
one reported file stated as noise).

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_zh_bigrams.py [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import main  # noqa: E402
from landscape import query_text  # noqa: E402

GRID = [(1.0, True), (1.0, False),
        (0.5, True), (0.5, False),
        (0.25, True), (0.25, False),
        (0.0, True)]


def apply(setting: tuple) -> None:
    query_text.ZH_BIGRAM_WEIGHT, query_text.ZH_STRADDLE = setting


if __name__ == "__main__":
    main(GRID, apply)
