"""Reciprocal-rank fusion of the meaning and words rankings, and what an item found by only one
of them is worth.

RRF (Cormack et al. 2009, `landscape.search_rank`'s module doc) adds each ranking's
weight / (K + 1 + rank) and adds nothing for a ranking that did not list the item — so an item
the words ranking puts first and the meaning ranking does not list at all (not among the query's
nearest `pool` items by meaning) still scores a full first place: "a reverse-engineering
assistant that uses a locally running LLM" holds "local", "run" and "LLM" and ranks third for
在本地运行大语言模型 although its meaning is far from the query. Absence from a ranking's pool is
evidence too. `ONLY`: a factor on the fused score of an item (a project, at its best members)
that only the meaning ranking (first) or only the words ranking (second) found; (1, 1) is plain
RRF. The weak flag (listed last) keeps reading the plain sum.

Status: measured by bench/experiment_one_ranking.py (bench/RESULTS.md, "an item only one
ranking finds").

Public API:
    fused(weights, ranks, k) -> (score with `ONLY` applied, plain RRF sum)
"""

from __future__ import annotations

from collections.abc import Sequence

ONLY = (1.0, 1.0)  # factor when only the meaning / only the words ranking found the item


def fused(weights: Sequence[float], ranks: Sequence[int | None], k: int
          ) -> tuple[float, float]:
    """(the fused score with the one-ranking factor, the plain RRF sum) of an item at `ranks`
    (0-based place per ranking, None when that ranking did not list it)."""
    plain = sum(w / (k + 1 + r) for w, r in zip(weights, ranks, strict=True) if r is not None)
    found = [n for n, r in enumerate(ranks) if r is not None]
    if len(found) == 1 and found[0] < len(ONLY):
        return plain * ONLY[found[0]], plain
    return plain, plain


__all__ = ["ONLY", "fused"]
