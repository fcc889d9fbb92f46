"""Experiment (issue 13, session 7): three standard IR methods on the BM25 side of search, none
of which is in the product (bench/RESULTS.md, "search — Porter2 stemming and adjacent word pairs"):

1. Snowball's English stemmer (Porter2, `snowballstemmer`) instead of `lexical._stem` (a few
   of Porter's steps): derivations conflate ("completion" / "complete" -> "complet",
   "coordination" / "coordinate" -> "coordin"). Words of three letters or fewer and words
   with a digit stay as they are (as today; "ios" is not "io"), an acronym's plural loses its
   s ("llms" -> "llm": Porter2 keeps it, no vowel). Also Porter2 without its derivational
   steps ("snowball-inflection": 1a-1c and 5; 2-4 off), to tell which part of it helps or
   hurts. A derived form of `query_morph` counts when the vocabulary holds its token
   (Porter2's token is rarely the word itself, which the light stemmer's check asks for).
   With it `UNIVERSAL` holds its words' tokens: measured apart ("universal" = "tokens" under
   today's stemmer), as today "crate", "binding", "package" are listed as words while a query
   holds their stems ("crat", "bind", "packag": weight 1).
2. Term proximity (Metzler & Croft 2005's sequential dependence, ordered windows of width 1):
   each field's adjacent word pairs (a keyword, a category, a curated taxonomy text each its
   own field; Latin words, after the stop words are dropped) indexed as terms of their own
   (marked, `PAIR`), counted in no document's length, so a pair weight of 0 scores exactly as today; a query's adjacent
   pairs of its English without the universal words ("HTTP client in Rust" -> "http client")
   scored with weight `pair` each.
3. Porter2 as query-side conflation (Xu & Croft 1998): the index keeps today's tokens; a query
   word's vocabulary variants of the same Porter2 stem join it as one synonym set
   (`BM25Index.set_scores`: the word at 1, each variant at weight `variant`).

Protocol: bench/search_selection.py — development = ../shared/eval/search.dev.json + heldout2
+ heldout4; every choice by leave-one-query-out over ALL the development queries (English,
Chinese and names together, each scored as eval-search does; ties: the earlier setting,
today's first, then the lesser changes), and per bucket; heldout, heldout3, heldout5 and
heldout6 are only reported. Choices: the stemmer alone, the pairs alone, the variants alone
(today's stemmer), and all together (the full grid).

A stemmer changes tokens everywhere (the index, the dictionaries' word sets, module constants
computed at import), so each (stemmer, universal) setting runs in a process of its own that
patches `landscape.lexical` before any other module imports it, rebuilds the index of the
warehouse given (a forced sync, pairs indexed — use a COPY: it is written) and scores every
judged query under each (pair, variant) weight. The index is rebuilt as shipped at the end.

    PYTHONPATH=. python bench/experiment_lexical.py --db /tmp/x/panorama.duckdb [--json out]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from snowballstemmer.english_stemmer import EnglishStemmer  # noqa: E402

from landscape import lexical  # noqa: E402


class _Inflectional(EnglishStemmer):
    """Porter2 without its derivational steps (2-4): plurals, -ed / -ing, a final y (1a-1c)
    and a final e (5) only. (The generated stemmer calls its steps by their mangled names,
    which a subclass overrides.)"""

    def _EnglishStemmer__r_Step_2(self) -> bool:  # noqa: N802
        return True

    _EnglishStemmer__r_Step_3 = _EnglishStemmer__r_Step_4 = _EnglishStemmer__r_Step_2


_ENGLISH = EnglishStemmer()
_INFLECTIONAL = _Inflectional()
_LIGHT = lexical._stem
_SHIPPED_UNIVERSAL = lexical.UNIVERSAL


@lru_cache(maxsize=200_000)
def porter2(w: str) -> str:
    return _ENGLISH.stemWord(w)


def _guarded(stem):  # noqa: ANN001, ANN202
    """`lexical._stem` with a Snowball stemmer (see module doc, 1)."""
    @lru_cache(maxsize=200_000)
    def stem_word(w: str) -> str:
        if len(w) <= 3 or not w.isalpha():
            return w
        if w.endswith("s") and not w.endswith("ss") and not any(c in "aeiouy" for c in w[:-1]):
            return w[:-1]
        return stem(w)
    return stem_word


STEMMERS = {"light": _LIGHT, "snowball": _guarded(porter2),
            "snowball-inflection": _guarded(_INFLECTIONAL.stemWord)}


def set_tokens(stemmer: str, universal: str) -> None:
    """Before any other module of the project is imported: how words become tokens."""
    lexical._stem = STEMMERS[stemmer]
    lexical.UNIVERSAL = _SHIPPED_UNIVERSAL if universal == "words" else (
        _SHIPPED_UNIVERSAL | {t for w in _SHIPPED_UNIVERSAL for t in lexical.tokens(w)})


if __name__ == "__main__" and "--worker" in sys.argv:  # before any other module reads tokens
    set_tokens(*sys.argv[sys.argv.index("--worker") + 1:][:2])

import functools  # noqa: E402

from bench import search_selection  # noqa: E402
from bench.search_selection import FILES, bucket, per_file, queries, scores  # noqa: E402
from landscape import query_morph, search, search_docs, search_rank, search_semantic  # noqa: E402
from landscape.embeddings import model_name_or_default  # noqa: E402
from landscape.search_files import read_manifest  # noqa: E402
from landscape.search_index import sync_search_index  # noqa: E402
from warehouse import db  # noqa: E402

DEVELOPMENT = ("dev", "heldout2", "heldout4")  # the other files are reported only
# (stemmer, universal words as: "words" today, "tokens" their tokens too); today's first.
STEMS = [("light", "words"), ("light", "tokens"), ("snowball-inflection", "tokens"),
         ("snowball", "tokens")]
WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0)  # of a query's word pair; 0 = off (today)
VARIANTS = (0.0, 0.25, 0.5, 1.0)  # of a query word's Porter2 variants (light stemmer only)
PASSES = [(w, v) for v in VARIANTS for w in WEIGHTS]  # (pair weight, variant weight)
GRID = [(s, u, w, v) for s, u in STEMS for w, v in PASSES if s == "light" or v == 0]
CHOICES = {"stemmer": [(s, u, 0.0, 0.0) for s, u in STEMS],
           "pairs": [(*STEMS[0], w, 0.0) for w in WEIGHTS],
           "variants": [(*STEMS[0], 0.0, v) for v in VARIANTS],
           "all": GRID}
PAIR = "\x03"  # a pair term's mark (name keys use \x01 and \x02)
_WEIGHTS = {"pair": 0.0, "variant": 0.0}  # of the scoring pass under way


# -- word pairs ---------------------------------------------------------------------------------

def pairs(toks: list[str]) -> list[str]:
    """A field's adjacent tokens as pair terms, Latin words only."""
    return [f"{PAIR}{a} {b}" for a, b in zip(toks, toks[1:], strict=False)
            if not lexical.is_cjk(a[0]) and not lexical.is_cjk(b[0])]


_TERMS = lexical.ItemDoc.weighted_terms
_BUILD = search_docs.build_bm25


def _terms_and_pairs(self: lexical.ItemDoc) -> Counter:
    tf = _TERMS(self)
    fields = [(self.name, lexical.NAME_W), (self.title, lexical.STRONG_W),
              (self.description, lexical.TEXT_W)]
    fields += [(k, lexical.STRONG_W) for k in self.keywords or []]
    fields += [(c.replace("::", " "), lexical.TEXT_W) for c in self.categories or []]
    for text, w in fields:
        for p in pairs(lexical.tokens(text)):
            tf[p] += w
    return tf


def _exemplar_terms_and_pairs() -> dict[str, list[str]]:
    """`search_docs._exemplar_terms` with each curated text's pairs."""
    out: dict[str, list[str]] = {}
    for k, texts in search_docs._exemplars().items():
        for text in texts:
            toks = lexical.tokens(text.split(":", 1)[-1])
            out.setdefault(k, []).extend(toks + pairs(toks))
    return out


def _build(docs: list[Counter], names: list[list[str]], lengths=None):  # noqa: ANN001, ANN202
    """`build_bm25` with the documents' lengths of their words (pairs left out)."""
    if lengths is None:
        lengths = [sum(n for t, n in tf.items() if not t.startswith(PAIR)) for tf in docs]
    return _BUILD(docs, names, lengths)


# -- the query side -----------------------------------------------------------------------------

def _as_indexed_porter2(form: str, vocab) -> bool:  # noqa: ANN001
    """`query_morph._as_indexed` under Porter2: one token the vocabulary holds."""
    toks = lexical.tokens(form)
    return len(toks) == 1 and vocab(toks[0]) > 0


def _classes(lex: lexical.BM25Index) -> dict[str, list[str]]:
    """Porter2 stem -> the vocabulary's words of that stem (stems of several words only)."""
    if not hasattr(lex, "_porter2_classes"):
        out: dict[str, list[str]] = {}
        for t in lex.vocab:
            if len(t) > 3 and t.isalpha() and not lexical.is_cjk(t[0]):
                out.setdefault(porter2(t), []).append(t)
        lex._porter2_classes = {k: v for k, v in out.items() if len(v) > 1}
    return lex._porter2_classes


def with_variants(lex: lexical.BM25Index, terms: dict[str, float], weight: float
                  ) -> tuple[dict[str, float], list[lexical.SynonymSet]]:
    """(the terms without those that have variants, one synonym set per such term)."""
    if weight <= 0:
        return terms, []
    classes = _classes(lex)
    plain: dict[str, float] = {}
    sets: list[lexical.SynonymSet] = []
    for t, w in terms.items():
        same = (classes.get(porter2(t), []) if len(t) > 3 and t.isalpha()
                and not lexical.is_cjk(t[0]) and t not in lexical.UNIVERSAL else [])
        if any(v != t for v in same):
            sets.append(({t: 1.0, **{v: weight for v in same if v != t}}, w))
        else:
            plain[t] = w
    return plain, sets


_RANKING = search_rank.lexical_ranking


def _ranking(con, state: tuple, qt, *args, **kwargs):  # noqa: ANN001, ANN202
    """`search_rank.lexical_ranking` with the pass's pair and variant weights."""
    lex = state[0].lexical if state[0] is not None else None
    if lex is not None and (_WEIGHTS["pair"] > 0 or _WEIGHTS["variant"] > 0):
        terms, sets = with_variants(lex, qt.terms, _WEIGHTS["variant"])
        toks = [t for t in lexical.tokens(qt.english) if t not in lexical.UNIVERSAL]
        if _WEIGHTS["pair"] > 0:
            terms = {**terms, **dict.fromkeys(pairs(toks), _WEIGHTS["pair"])}
        qt = replace(qt, terms=terms, sets=[*qt.sets, *sets])
    return _RANKING(con, state, qt, *args, **kwargs)


def _patch(stemmer: str) -> None:
    lexical.ItemDoc.weighted_terms = _terms_and_pairs
    search_docs._exemplar_terms = _exemplar_terms_and_pairs
    search_docs.build_bm25 = _build
    search_rank.lexical_ranking = search.lexical_ranking = _ranking
    if stemmer != "light":
        query_morph._as_indexed = _as_indexed_porter2


# -- the runs -----------------------------------------------------------------------------------

def _index_size() -> dict:
    """Bytes of the current lexical files (vocabulary, postings) and their term count."""
    folder = db.index_dir()
    files = read_manifest(folder, model_name_or_default(None))["files"]
    out = {k: (folder / files[k]).stat().st_size for k in ("lexical", "postings")}
    lex = lexical.BM25Index.load(folder / files["lexical"], folder / files["postings"])
    return {**out, "terms": len(lex.vocab), "pair_terms": sum(t[0] == PAIR for t in lex.vocab)}


def worker(path: Path, out: Path, stemmer: str) -> None:
    """Rebuild the index under this process's settings (pairs indexed); score every judged
    query under each (pair, variant) weight; written to `out` as JSON."""
    _patch(stemmer)
    search_semantic._encode_cached = functools.lru_cache(maxsize=None)(
        search_semantic._encode_cached.__wrapped__)
    judged = queries()
    t0 = time.process_time()
    with db.connect(path=path) as con:
        sync_search_index(con, force=True)
    res: dict = {"build_cpu_s": round(time.process_time() - t0, 2),
                 "lexical_bytes": _index_size(), "scores": {},
                 "english": {}}
    with db.connect(read_only=True, path=path) as con:
        for w, v in PASSES:
            if v and stemmer != "light":
                continue
            _WEIGHTS.update(pair=w, variant=v)
            res["scores"][f"{w}/{v}"], res["english"][f"{w}/{v}"] = scores(con, judged)
            print(stemmer, w, v, file=sys.stderr)
    out.write_text(json.dumps(res), "utf-8")


def _run_workers(path: Path) -> tuple[dict[tuple, list[float]], dict[tuple, list[str]], dict]:
    by, english, cost = {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for stemmer, universal in STEMS:
            out = Path(tmp) / f"{stemmer}-{universal}.json"
            subprocess.run([sys.executable, __file__, "--db", str(path), "--out", str(out),
                            "--worker", stemmer, universal], check=True)
            res = json.loads(out.read_text("utf-8"))
            cost[f"{stemmer}/{universal}"] = {k: res[k] for k in ("build_cpu_s",
                                                                  "lexical_bytes")}
            for w, v in PASSES:
                if (stemmer, universal, w, v) in GRID:
                    by[(stemmer, universal, w, v)] = res["scores"][f"{w}/{v}"]
                    english[(stemmer, universal, w, v)] = res["english"][f"{w}/{v}"]
    return by, english, cost


def run(path: Path) -> dict:
    judged = queries()
    by, english, cost = _run_workers(path)
    with db.connect(path=path) as con:  # the shipped index back
        t0 = time.process_time()
        sync_search_index(con, force=True)
        cost["shipped"] = {"build_cpu_s": round(time.process_time() - t0, 2),
                           "lexical_bytes": _index_size()}
    summary: dict = {"cost": cost}
    for name, grid in CHOICES.items():
        summary[name] = {b: search_selection.choose(judged, by, grid, DEVELOPMENT,
                                                    lambda q, b=b: b == "all" or bucket(q) == b)
                         for b in ("all", "en", "zh", "name")}
    table = {str(v): {b: per_file(judged, by[v], b) for b in ("en", "zh", "name")} for v in GRID}
    base = GRID[0]
    changed = {str(v): [(f, q["q"], round(a, 4), round(b, 4), english[base][n], english[v][n])
                        for n, ((f, q, _), a, b) in enumerate(zip(judged, by[base], by[v],
                                                                  strict=True)) if a != b]
               for v in GRID[1:]}
    return {"summary": summary, "per_file": table, "changed": changed,
            "queries": [(f, q["q"]) for f, q, _ in judged],
            "scores": {str(v): s for v, s in by.items()}}


def drops(table: dict, setting: str) -> list[str]:
    """The files and buckets where `setting` scores under today's."""
    today = table[str(GRID[0])]
    return [f"{f} {b} {today[b][f]} -> {table[setting][b][f]}" for b in ("en", "zh", "name")
            for f in FILES if table[setting][b][f] < today[b][f]]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(ROOT / "data/panorama.duckdb"))
    ap.add_argument("--json")
    ap.add_argument("--out")
    ap.add_argument("--worker", nargs=2)
    args = ap.parse_args()
    if args.worker:
        worker(Path(args.db), Path(args.out), args.worker[0])
        return
    out = run(Path(args.db))
    print("cost", out["summary"]["cost"])
    for name in CHOICES:
        for b, c in out["summary"][name].items():
            print(name, b, {k: c[k] for k in ("loo", "today", "chosen_on_all", "chosen")})
    for v, files in out["per_file"].items():
        print(v, files, "drops:", drops(out["per_file"], v))
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=0), "utf-8")


if __name__ == "__main__":
    main()
