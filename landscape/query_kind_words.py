"""A query's kind words as an instruction, not as content: "papers on hardware accelerators for
LLM inference", "research on processing-in-memory", 大模型推理硬件加速器论文.

Why: a word that names the kind of item wanted (`query_text.PAPER_WORDS`, `POST_WORDS`: paper,
research, survey, 论文, blog ...) already acts through the kinds (`QueryText.wants`: items of
other kinds weigh `search_rank.KIND_PRIOR`). In the words ranking it also counts as a content
word, of high idf (few abstracts say "paper"), so the papers whose text happens to say
"papers" or "research" rank above those about the query's subject, and under English
coordination it is one more concept an item must hold. `KIND_WORD_W` scales such a word's
weight in the lexical query (a synonym set holding one, for a Chinese query's 论文 → paper /
article / study, as a whole) and, below 1, leaves its concept out of the coordination. The
embedding's text keeps it (the meaning of "papers on ..." is nearer papers).

Status: measured by bench/experiment_kind_words.py (bench/RESULTS.md, "kind words").

Public API:
    damped(terms, sets, concepts, kind) -> (terms, sets, concepts)
"""

from __future__ import annotations

from landscape.lexical import SynonymSet
from landscape.query_concepts import Concept

KIND_WORD_W = 1.0  # factor on a kind word's weight in the lexical query (1: as any word)


def damped(terms: dict[str, float], sets: list[SynonymSet], concepts: list[Concept],
           kind: frozenset[str]) -> tuple[dict[str, float], list[SynonymSet], list[Concept]]:
    """The lexical query and concepts with the kind words `kind` (tokens of the kinds the
    query's words ask for) weighed `KIND_WORD_W` (see module doc)."""
    if KIND_WORD_W >= 1 or not kind:
        return terms, sets, concepts
    w = KIND_WORD_W
    terms = {t: x * w if t in kind else x for t, x in terms.items() if x * w > 0 or t not in kind}
    sets = [(m, x * w if kind & m.keys() else x) for m, x in sets
            if x * w > 0 or not kind & m.keys()]
    concepts = [c for c in concepts if not any(len(f) == 1 and f[0] in kind for f in c.forms)]
    return terms, sets, concepts


__all__ = ["KIND_WORD_W", "damped"]
