"""Derived forms of a Chinese word's English renderings: the index's words of the same
family ("parse" -> "parser", "quantization" -> "quantized") join the word's synonym set.

Why: a Chinese word names a concept, not a part of speech. 解析 renders "parse", the items
say "argument parser"; 量化 renders "quantization", the items say "quantized models". The
index's light stemmer (`lexical.tokens`: plurals, -ing, -ed, a final e) keeps "parser" and
"pars(e)", "quantization" and "quantiz(ed)" apart on purpose — Porter2 stemming of every
query and document was measured and not adopted (bench/RESULTS.md, "Porter2 stemming"): it
merges words an English query means apart. A rendering is a guess at the items' word anyway,
so only the renderings of a Chinese query get their family, as further members of the word's
synonym set (`query_synsets`: one term, tf summed, df the union), each at `WEIGHT` times the
member it derives from — a document saying "parser" then counts almost as one saying "parse".

The family of a rendering token (the index's tokens are already lightly stemmed): its roots —
the token itself and the token without one suffix of the classes in use, the root at least
`MIN_ROOT` letters — each with every suffix of those classes, kept when the index holds it.
The classes (`CLASSES`, which are on: `SUFFIXES`):
- "agent": -er, -or (parse <-> parser, edit <-> editor, generate <-> generator);
- "nominal": -ion, -ation, -iz, -izer, -ization (compress <-> compression, quantization <->
  quantiz(ed), serializ(e) <-> serialization);
- "y": -y (fuzz(ing) <-> fuzzy).

Status: EXPERIMENT (`SUFFIXES` empty: off) — chosen or not by bench/experiment_derived.py.

Public API:
    family(token, vocab) -> list[str]          # the index's tokens of its family, not itself
    widen(members, vocab) -> dict[str, float]  # a synonym set's members with their families
"""

from __future__ import annotations

from collections.abc import Callable

CLASSES = {"agent": ("er", "or"),
           "nominal": ("ion", "ation", "iz", "izer", "ization"),
           "y": ("y",)}
SUFFIXES: tuple[str, ...] = ()  # the suffixes in use (off: none), set from `CLASSES`
WEIGHT = 0.5    # a derived member's weight, relative to the member it derives from
MIN_ROOT = 4    # letters a root keeps ("us" of "user" is no root)


def use(classes: tuple[str, ...], weight: float = WEIGHT) -> None:
    """Turn the derived forms on for `classes` (none: off) at `weight`."""
    global SUFFIXES, WEIGHT
    SUFFIXES = tuple(s for c in classes for s in CLASSES[c])
    WEIGHT = weight


def family(token: str, vocab: Callable[[str], int]) -> list[str]:
    """The index's tokens of `token`'s family (see module doc), without `token` itself."""
    if not SUFFIXES or not token.isascii() or not token.isalpha() or len(token) < MIN_ROOT:
        return []
    roots = {token} | {token[:-len(s)] for s in SUFFIXES
                       if token.endswith(s) and len(token) - len(s) >= MIN_ROOT}
    found = {r + s for r in roots for s in ("", *SUFFIXES)} - {token}
    return sorted(t for t in found if vocab(t) > 0)


def widen(members: dict[str, float], vocab: Callable[[str], int] | None
          ) -> dict[str, float]:
    """A synonym set's members plus their families, each at `WEIGHT` times its source's
    weight; a member keeps its own weight when it is also another's derived form."""
    if vocab is None or not SUFFIXES:
        return members
    out = dict(members)
    for t, w in members.items():
        for d in family(t, vocab):
            out[d] = max(out.get(d, 0.0), w * WEIGHT)
    return out


__all__ = ["CLASSES", "MIN_ROOT", "SUFFIXES", "WEIGHT", "family", "use", "widen"]
