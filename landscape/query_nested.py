"""Shorter acronyms nested in the long form of an acronym the query holds.

Why: an acronym's long form often ends in a shorter term that has an acronym of its own — its
head, the thing it is a kind of: GUI = graphical user interface, whose head "user interface" is
UI; TUI = text user interface. Items name the broader acronym as often as the narrow one ("UI
framework", "a UI design toolkit" for Rust GUI toolkits), and the words ranking cannot bridge
"gui" and "ui" (two tokens), nor the meaning one reliably (two short strings). The corpus
says which long form an acronym stands for (`landscape.abbreviations`, mined definitions); the
nested acronym is read off that long form, never guessed from a list.

`nested(pairs, own, vocab, is_name, postings, near)`: for each mined pair of the query (a short
form it types or a long form it holds), each proper suffix of the written long form of at least
two words ("user interface") spells initials ("ui") that count when the index holds that token,
it is no item's name, the query does not already hold it, and — the evidence rule the guessed
acronyms follow (`query_morph.EVIDENCE`) — an item holding it is among the `NEAR` items nearest
the suffix phrase by meaning. It joins the lexical query at `WEIGHT` x its parent's weight and
the parent's concept as another form (`joined`).

Status: ADOPTED at `WEIGHT` 1 with the evidence (bench/experiment_nested.py; bench/RESULTS.md,
"acronyms nested in a long form"): leave-one-query-out over the development queries 0.8917 ->
0.8964, no file lower; on the demo warehouse it moves only "GUI framework" / 图形界面框架.

Public API:
    nested(pairs, own, vocab, is_name, postings, near) -> {nested short form: parent short form}
    joined(concepts, found) -> concepts
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import numpy as np

from landscape import query_concepts
from landscape.abbreviations import Pair
from landscape.lexical import tokens
from landscape.query_concepts import Concept

WEIGHT = 1.0        # of a nested acronym in the lexical query, x its parent's weight; 0: off
EVIDENCE = True     # an item holding it must be among the NEAR nearest the suffix phrase
NEAR = 50           # as `query_morph.NEAR`: the candidates the meaning ranking pools


def _suffixes(written: str) -> Iterable[list[str]]:
    """The proper suffixes of at least two words of a written long form."""
    words = [w for w in re.split(r"[\s\-/]+", written) if w]
    for i in range(1, len(words) - 1):
        yield words[i:]


def nested(pairs: dict[str, Pair], own: set[str], vocab: Callable[[str], int],
           is_name: Callable[[str], bool], postings: Callable[[str], np.ndarray] | None,
           near: Callable[[str, int], np.ndarray] | None) -> dict[str, str]:
    """Nested short form token -> the short form whose long form it abbreviates (see module
    doc); {} when `WEIGHT` is 0."""
    out: dict[str, str] = {}
    if WEIGHT <= 0:
        return out
    for parent, pair in pairs.items():
        for tail in _suffixes(pair.written):
            short = "".join(w[0] for w in tail).lower()
            if (short == parent or short in own or short in out or tokens(short) != [short]
                    or vocab(short) == 0 or is_name(short)):
                continue
            if EVIDENCE and (postings is None or near is None or not np.intersect1d(
                    postings(short), near(" ".join(tail), NEAR)).size):
                continue
            out[short] = parent
    return out


def joined(concepts: list[Concept], found: dict[str, str]) -> list[Concept]:
    """The concepts with each nested short form one more form of its parent's concept."""
    for short, parent in found.items():
        concepts = query_concepts.merged(concepts, (), [(parent,), (short,)])
    return concepts


__all__ = ["EVIDENCE", "NEAR", "WEIGHT", "joined", "nested"]
