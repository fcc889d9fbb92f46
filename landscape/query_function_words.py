"""Function words of an English query: weighed less in the words ranking than content words.

Why: the index's stop list (`lexical.STOP`) is short on purpose — it runs on documents too, and
a word dropped there can never be searched. A reader's query written as a sentence ("one client
library for many LLM providers", "what is new in ...", "person re-identification across camera
distances") keeps quantifiers, pronouns and prepositions that say nothing about the subject; in
a 600-item corpus such a word is rare (df("many") = 4) and so gets a high idf, and an item
holding it by chance outranks one holding the subject's words. Search engines drop them from
the query side (Lucene's and Snowball's stop lists; the Glasgow list scikit-learn ships).

`FUNCTION`: closed-class English words — determiners and quantifiers, pronouns, wh-words,
prepositions, conjunctions, auxiliaries and modals, degree adverbs — written from those
grammatical classes (not from the judged queries), as `tokens` stems, minus what `lexical.STOP`
already drops. Left out on purpose: words that are terms in this landscape ("no" of no_std,
"new" / "latest" of release questions, "up", "out", "over", "near") and words whose stem is
one ("mine" -> "min", "none" -> "non" of non-blocking, "same" -> "sam", "quite" -> "quit").
`FUNCTION_W` scales such a word's weight in the lexical query
(0: removed, so it is no concept of the coordination either); the embedding's text keeps it.

Status: measured by bench/experiment_function_words.py (bench/RESULTS.md, "function words").

Public API:
    FUNCTION: frozenset[str]      # tokens
    weighed(terms) -> terms       # with FUNCTION_W applied
"""

from __future__ import annotations

from landscape.lexical import STOP, tokens

FUNCTION_W = 1.0  # factor on a function word's weight in the lexical query (1: as any word)

_WORDS = """
all any both each either every few many more most much neither one other others several
some such another own enough
i me my myself he him his she her hers it itself they them their theirs themselves us
what which who whom whose whatever whichever whoever these those there here
how when where why whether while
about above across after against along among amongst around before behind below beneath beside
besides between beyond during except inside onto outside per since than through throughout
toward towards under underneath until upon within
also although because but if nor not only so then though thus therefore unless yet
am been being could did do does doing had may might must shall should was were will would
very too rather just even still already almost often always never
"""
FUNCTION = frozenset(t for w in _WORDS.split() for t in tokens(w)) - STOP


def weighed(terms: dict[str, float]) -> dict[str, float]:
    """`terms` with each function word's weight times `FUNCTION_W` (dropped at 0)."""
    if FUNCTION_W >= 1:
        return terms
    return {t: w * FUNCTION_W if t in FUNCTION else w for t, w in terms.items()
            if t not in FUNCTION or FUNCTION_W > 0}


__all__ = ["FUNCTION", "FUNCTION_W", "weighed"]
