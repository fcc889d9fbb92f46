"""A typed English word the index does not hold, read as the index's words it begins.

Why: the light stemmer (`lexical._stem`) strips inflections only — derivations stay apart on
purpose (Porter2 everywhere lowered the development files: bench/RESULTS.md, "Porter2
stemming"). So a query word can be dead: "quantized" -> "quantiz", which no item holds, while
the items say "quantization"; the words ranking then ignores the word entirely. Only for such
a word (document frequency 0), the index's tokens that extend it by at most `MAX_EXT` letters
("quantiz" -> "quantization", "quantizer") join the lexical query as one synonym set of
weight `BACKOFF_W` (Pirkola's one-term scoring: `lexical.BM25Index.set_scores`) and as the
word's concept's forms. A word the index holds is never touched, so no existing match moves.

Status: measured by bench/experiment_backoff.py (bench/RESULTS.md, "a dead query word").

Public API:
    extensions(word, vocab) -> [token, ...]        # vocab: the index's sorted vocabulary
    backoff(words, vocab) -> {dead word: {token: 1.0, ...}}
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

BACKOFF_W = 0.0   # weight of a dead word's extensions as a synonym set (0: off)
MAX_EXT = 5       # letters an extension may add ("-ation" + nothing more)
MIN_LEN = 5       # a dead word shorter than this is left alone (too many extensions)
MAX_FORMS = 8     # a word with more extensions is too unspecific to read so


def extensions(word: str, vocab: Sequence[str]) -> list[str]:
    """The tokens of the sorted `vocab` that begin with `word` and add 1..MAX_EXT letters."""
    out = []
    j = bisect.bisect_right(vocab, word)
    while j < len(vocab) and vocab[j].startswith(word):
        if len(vocab[j]) - len(word) <= MAX_EXT and vocab[j].isalpha():
            out.append(vocab[j])
        j += 1
        if len(out) > MAX_FORMS:
            return []
    return out


def backoff(words: Iterable[str], vocab: Sequence[str]) -> dict[str, dict[str, float]]:
    """Each dead word of `words` (alphabetic, >= MIN_LEN letters, not in `vocab`) -> its
    extensions as synonym-set members; {} when `BACKOFF_W` is 0."""
    if BACKOFF_W <= 0:
        return {}
    out = {}
    for w in words:
        if len(w) < MIN_LEN or not w.isalpha():
            continue
        j = bisect.bisect_left(vocab, w)
        if j < len(vocab) and vocab[j] == w:
            continue
        found = extensions(w, vocab)
        if found:
            out[w] = dict.fromkeys(found, 1.0)
    return out


__all__ = ["BACKOFF_W", "MAX_EXT", "MAX_FORMS", "MIN_LEN", "backoff", "extensions"]
