"""Experiment (issue 13, session 7): abbreviations the corpus defines (Schwartz & Hearst 2003,
`landscape.abbreviations`) in place of, or beside, the acronyms guessed from a query phrase's
initials (`landscape.query_morph`).

The pairs are mined when the search index is built, from the texts its lexical side reads
(titles, descriptions and paper abstracts as written, and the taxonomy's curated texts), and
stored with it (index FORMAT 5: the `abbrev` file). At query time, in both directions, over an
English query's words and a Chinese query's Latin words and English translation:
- a mined long form the query holds adds its short form ("retrieval augmented generation
  framework" -> "rag") at `MINED_SHORT`;
- a mined short form the query holds adds its long form's words ("LLM inference" -> large,
  language, model) at `MINED_LONG`, split over the words (`LONG_SPLIT`, a glossary form's
  rule) or each at it; `MINED_DENSE`: the embedding also reads the long form as written;
- the guessed acronyms (`GUESS`): "keep" them; "check": drop a guess the corpus defines as
  something the query does not say; "replace": also drop a guess other than the short form of
  a mined long form the query holds; "off": no guess at all (the mined pairs alone).

A setting = (GUESS, MINED_SHORT, MINED_LONG, LONG_SPLIT, MINED_DENSE, SHORT_MIN); the search
before this change ("keep", 0, 0, True, False, 3: no mined pair used) first, then the lesser
changes. SHORT_MIN (a short form of fewer letters is not used at query time) and MINED_DENSE
"typed" were added after the first run (88 settings, every short form, dense "all" or off), on
two development queries it moved down: 机器学习库 "ml" (a name part too: two-letter guesses are
off for the same reason, `query_morph.SHORT_SHARE`) and 图形界面框架 (the translation's "gui").
The product's setting is the chosen one (`landscape.abbreviations`). Protocol and choice rule: the
shared runner of bench/search_selection.py (`main`): development = its DEVELOPMENT (dev +
heldout2 + heldout4 + heldout7); the candidates are the settings that lower no development
file's en, zh or names number; among them leave-one-query-out over the development nDCG queries
(en and zh together), ties to the earlier setting; adopted only if no reported file (heldout,
heldout3, heldout5, heldout6) drops. It also prints the mined pairs (count, a sample) and 30
pairs drawn at random (seed 13) for a precision check by eye, and what the chosen setting adds
to each query it moves. Results: bench/RESULTS.md, "search — abbreviations mined from the
corpus".

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_acronym_mining.py [--json out]
(the warehouse's search index must be current and of FORMAT 5: `sync_search_index`)
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import search_selection  # noqa: E402
from landscape import abbreviations  # noqa: E402
from landscape.search_index import load_search_index  # noqa: E402

KEYS = ("GUESS", "MINED_SHORT", "MINED_LONG", "LONG_SPLIT", "MINED_DENSE", "SHORT_MIN")
TODAY = ("keep", 0.0, 0.0, True, False, 3)
LONGS = ((0.0, True), (1.0, True))
GRID: list[tuple] = [TODAY]
GRID += [(g, s, lw, split, dense, short_min) for g in ("keep", "check", "replace", "off")
         for short_min in (3, 2) for dense in (False, "typed", "all") for s in (0.0, 0.5, 1.0)
         for lw, split in LONGS
         if (g, s, lw, split, dense, short_min) != TODAY and not (g == "replace" and s == 0.0)]


def apply(setting: tuple) -> None:
    for key, value in zip(KEYS, setting, strict=True):
        setattr(abbreviations, key, value)


def show_pairs(sample: int = 30, seed: int = 13) -> None:
    index = load_search_index()
    if index is None or index.manifest.get("format") != 5:
        raise SystemExit("no search index of FORMAT 5 here: run sync_search_index first")
    pairs = index.abbreviations.pairs
    print(f"mined pairs: {len(pairs)} (short forms; documents defining them: "
          f"{sum(p.docs for p in pairs.values())})")
    top = sorted(pairs.items(), key=lambda kv: -kv[1].docs)[:10]
    print("most defined:", "; ".join(f"{s} = {p.written} ({p.docs})" for s, p in top))
    print(f"{sample} at random (seed {seed}), for a precision check by eye:")
    for s in random.Random(seed).sample(sorted(pairs), min(sample, len(pairs))):
        print(f"  {s:10} {pairs[s].written!r}  tokens {' '.join(pairs[s].long)}")


def main() -> None:
    show_pairs()
    shipped = tuple(getattr(abbreviations, k) for k in KEYS)
    try:
        s = search_selection.main(GRID, apply)
    finally:
        apply(shipped)
    print("moved by the chosen setting:", s["moved"].get(s["choice"]["chosen"], []))


if __name__ == "__main__":
    main()
