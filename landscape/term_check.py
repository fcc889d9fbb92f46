"""The check a proposed term-base entry passes before it joins config/search_termbase.toml —
the one every pass of the term base ran (bench/RESULTS.md, "a term base from the corpus's own
vocabulary", "term candidates rule 2"), as code, so the next editor runs the same one.

An editor writes Chinese for the corpus's missing candidates (`panorama terms --missing`) in a
TOML file of the term base's shape (`[terms]`, "中文" = "english" or a list), and the check says,
entry by entry, whether it may go in, over the search index of the warehouse:
- a key of one character: no (a morpheme of many words; search_terms.toml [morphemes]);
- a key the project's dictionary already has (search terms, glossary, taxonomy, term base):
  no — it would be a second home, and the dictionary reads the first;
- renderings no indexed item uses (a token of them in no document) are left out of the entry;
  none left: no (a word nothing can match);
- the search pipeline WITHOUT the entry already reads the key as the first kept rendering
  (`query_zh.translate_query` over the index — CC-CEDICT gives 算法 "algorithm"): no, the entry
  would change nothing;
- otherwise yes, with the pipeline's reading today beside it (what the entry replaces).

Public API:
    check_entries(proposed, dic, vocab) -> [Verdict]   # in the file's order
    load_proposed(path) -> {zh: str | [str, ...]}
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from landscape.lexical import tokens
from landscape.query_dictionary import Dictionary
from landscape.query_zh import translate_query


@dataclass(frozen=True)
class Verdict:
    zh: str
    renderings: tuple[str, ...]  # the proposed renderings some indexed item uses
    keep: bool
    reason: str                  # why not, or what the pipeline reads today


def load_proposed(path: Path) -> dict[str, str | list[str]]:
    """The [terms] table of a proposed-entries TOML file (or its top-level entries when it
    has no such table)."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    table = data.get("terms", data)
    return {k: v for k, v in table.items() if isinstance(v, (str, list))}


def _verdict(zh: str, en: str | list[str], dic: Dictionary, vocab: Callable[[str], int]
             ) -> Verdict:
    wanted = [en] if isinstance(en, str) else list(en)
    if len(zh) < 2:
        return Verdict(zh, tuple(wanted), False, "one character: a morpheme, not a word")
    if zh in dic.entries:
        return Verdict(zh, tuple(wanted), False,
                       f"already an entry: {' / '.join(dic.entries[zh])}")
    used = tuple(e for e in wanted if tokens(e) and all(vocab(t) > 0 for t in tokens(e)))
    if not used:
        return Verdict(zh, (), False, "no indexed item uses the English")
    today = translate_query(zh, dic, vocab).english
    if set(tokens(used[0])) <= set(tokens(today)):
        return Verdict(zh, used, False, f"the pipeline already reads it: {today}")
    return Verdict(zh, used, True, f"the pipeline reads today: {today or '(nothing)'}")


def check_entries(proposed: dict[str, str | list[str]], dic: Dictionary,
                  vocab: Callable[[str], int]) -> list[Verdict]:
    """Each proposed entry's verdict (see module doc), in the file's order."""
    return [_verdict(zh, en, dic, vocab) for zh, en in proposed.items()]


__all__ = ["Verdict", "check_entries", "load_proposed"]
