"""The lexical side of search: a BM25 index over the items' words, in both report languages.

Why our own (numpy, ~200 lines) rather than a library: DuckDB's `fts` extension is not
bundled with the installed DuckDB 2.0 (`LOAD fts` fails; `INSTALL fts` downloads from DuckDB's
extension server, which this project never does; the `duckdb-ext-fts` package on PyPI is built
for DuckDB 1.4); tantivy and bm25s install, but both bring their own tokenisation and
document store, while search needs (a) the same tokens for Chinese and English text, (b) the
FAISS labels as document numbers so the filters' numpy masks apply to both rankings, and (c)
the index written and versioned with the FAISS files (one manifest, one commit point). BM25 over
a column-compressed term matrix is a few numpy operations per query term.

Tokens (`tokens`): NFKC, lower case; Latin/digit runs split on anything else ("llama-cpp-2" ->
llama, cpp, 2), lightly stemmed ("serving" ~ "serve", see `_stem`); English function words dropped;
CJK runs as overlapping character bigrams (a run of one character as itself) — the sound
default for Chinese without a segmenter: a two-character word is one bigram, and a longer one
matches by its bigrams. Near-universal words of this landscape ("rust", "library", "rs", …)
are kept but weigh `UNIVERSAL_WEIGHT` in a query.

Fields (`ItemDoc`): name (x3), title and keywords (x2), crates.io categories, description and
the Chinese names of glossary terms found in the English text (x1). Name keys (`name_key`:
"tokio", "llama-cpp-2", for repos also "owner/name" and "name") are stored as terms of their
own (a project's name, given as `PROJECT_MARK` + key, apart), so an exact name and a name
prefix ("candle" -> "candle-core") are a lookup in the sorted vocabulary.

Public API:
    tokens(text) -> list[str];  name_key(text) -> str;  is_cjk(ch) -> bool
    ItemDoc(name, title, description, keywords, categories, extra_zh)
    build_bm25(docs: list[Counter], names: list[list[str]]) -> BM25Index
    BM25Index.scores(terms: dict[str, float], sets=()) -> np.ndarray    # (n_docs,) float32
    BM25Index.set_scores(members, weight, out)   # one synonym set scored as one term
    BM25Index.idf_of(df) -> float                # BM25's idf of what df documents hold
    BM25Index.name_matches(key) -> (exact labels, project-name labels, prefix labels)
    BM25Index.save(vocab_path, postings_path) / BM25Index.load(vocab_path, postings_path)
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc

from landscape.arrow_numpy import to_numpy
from warehouse import db

K1, B = 1.2, 0.75
# A synonym set of a query (`BM25Index.set_scores`): member token -> its translation weight,
# and the set's weight in the query.
SynonymSet = tuple[dict[str, float], float]
NAME_W, STRONG_W, TEXT_W = 3, 2, 1
UNIVERSAL_WEIGHT = 0.2
# Words nearly every item of a Rust landscape carries: they cannot tell items apart. Held as
# TOKENS (`tokens`' stems), since every use compares query and document tokens with them
# (a test checks). "crate", "binding", "package" and "implemented" (tokens crat, bind, packag,
# implement) stood here as words and so never matched; made to match they lower heldout4 zh
# 0.597 -> 0.565 (包管理器: "package" would count little; bench/RESULTS.md, "Porter2 stemming
# and adjacent word pairs"), so they are not on the list.
UNIVERSAL = frozenset({"rust", "rustlang", "library", "lib", "rs", "written",
                       "implementation", "wrapper", "库", "包"})
STOP = frozenset("""a an and are as at be by for from has have in into is it its of on or
that the this to with without via using use your you we our can which based built""".split())
NAME_MARK = "\x01"   # name keys live in the vocabulary beside the words, marked
PROJECT_MARK = "\x02"  # a name key of the item's project (not its own name)
_WORD = re.compile(r"[a-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_SEP = re.compile(r"[\s_.\-]+")


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF


def _stem(w: str) -> str:
    """A light English stemmer (a few of Porter's steps): the inflections that most often split
    a query's word from a description's — plurals, -ing/-ed, -ly and a final e ("serve",
    "serving", "serves" -> "serv"; "locally" -> "local"; "databases" -> "databas"). The same
    function runs on documents and queries, so only consistency matters, not real roots."""
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[:-len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # running -> run, embedded -> embed
            break
    if w.endswith("ly") and len(w) > 5:
        w = w[:-2]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


def tokens(text: str | None) -> list[str]:
    """Index/query tokens of a text in either language (see module doc)."""
    if not text:
        return []
    out: list[str] = []
    for run in _WORD.findall(unicodedata.normalize("NFKC", text).lower()):
        if is_cjk(run[0]):
            out.extend(run[i:i + 2] for i in range(max(1, len(run) - 1)))
        elif run not in STOP:
            stem = _stem(run)
            if stem not in STOP:
                out.append(stem)
    return out


def name_key(text: str) -> str:
    """A name as compared: NFKC, lower case, separators ('-', '_', '.', spaces) as '-'."""
    return _SEP.sub("-", unicodedata.normalize("NFKC", text).strip().lower()).strip("-")


@dataclass
class ItemDoc:
    name: str | None
    title: str | None = None
    description: str | None = None
    keywords: list[str] | None = None
    categories: list[str] | None = None
    extra_zh: list[str] = field(default_factory=list)

    def weighted_terms(self) -> Counter:
        tf: Counter = Counter()
        for text, w in ((self.name, NAME_W), (self.title, STRONG_W),
                        (" ".join(self.keywords or []), STRONG_W),
                        (" ".join(c.replace("::", " ") for c in self.categories or []), TEXT_W),
                        (self.description, TEXT_W), (" ".join(self.extra_zh), TEXT_W)):
            for t in tokens(text):
                tf[t] += w
        return tf


class BM25Index:
    """Column-compressed BM25 weights: column j holds (doc, weight) of vocabulary term j, where
    weight = tf (k1 + 1) / (tf + k1 (1 - b + b dl / avgdl)); a query multiplies by idf."""

    def __init__(self, vocab: list[str], indptr: np.ndarray, docs: np.ndarray,
                 weights: np.ndarray, n_docs: int) -> None:
        self.vocab, self.indptr, self.docs, self.weights = vocab, indptr, docs, weights
        self.n_docs = n_docs

    def __len__(self) -> int:
        return self.n_docs

    def _col(self, term: str) -> int:
        j = bisect.bisect_left(self.vocab, term)
        return j if j < len(self.vocab) and self.vocab[j] == term else -1

    def df(self, term: str) -> int:
        """How many documents hold `term` (0: not in the vocabulary)."""
        j = self._col(term)
        return int(self.indptr[j + 1] - self.indptr[j]) if j >= 0 else 0

    def idf(self, j: int) -> float:
        return self.idf_of(int(self.indptr[j + 1] - self.indptr[j]))

    def idf_of(self, df: float) -> float:
        """BM25's idf of a term (or a set of terms, a concept) that `df` documents hold."""
        return float(np.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5)))

    def scores(self, terms: dict[str, float],
               sets: Sequence[SynonymSet] = ()) -> np.ndarray:
        """BM25 of every document for query terms with their weights, plus each synonym set's
        (`set_scores`) (float32, n_docs)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        for term, qw in terms.items():
            j = self._col(term)
            if j < 0 or qw <= 0:
                continue
            lo, hi = int(self.indptr[j]), int(self.indptr[j + 1])
            out[self.docs[lo:hi]] += np.float32(qw * self.idf(j)) * self.weights[lo:hi]
        for members, qw in sets:
            self.set_scores(members, qw, out)
        return out

    def set_scores(self, members: dict[str, float], qw: float, out: np.ndarray) -> None:
        """Add to `out` the BM25 of a synonym set — the candidate translations of one query
        word — scored as ONE term (Pirkola 1998; weighted as in Darwish & Oard 2003): its tf
        in a document is the sum of its members' tf times their weights, its df the documents
        holding any member (each counted with its best member's weight). Why: a rare wrong
        sense would otherwise bring its own high idf, and a document would need every sense
        to score as one that says the word once.

        The index keeps saturated weights, not raw tf; a member's tf is recovered assuming a
        document of average length (norm = K1). That is exact for a document holding one
        member at weight 1 (the same BM25 weight comes back); only a document holding several
        members is approximated."""
        cols = [(j, p) for t, p in members.items() if p > 0 and (j := self._col(t)) >= 0]
        if not cols or qw <= 0:
            return
        docs = np.concatenate([self._labels(j) for j, _ in cols])
        w = np.concatenate([self.weights[int(self.indptr[j]):int(self.indptr[j + 1])]
                            for j, _ in cols]).astype(np.float64)
        p = np.concatenate([np.full(int(self.indptr[j + 1] - self.indptr[j]), p)
                            for j, p in cols])
        tf = p * w * K1 / np.maximum(K1 + 1 - w, 1e-6)
        uniq, inv = np.unique(docs, return_inverse=True)
        tf_set = np.bincount(inv, weights=tf, minlength=len(uniq))
        best = np.zeros(len(uniq))
        np.maximum.at(best, inv, np.where(w > 0, p, 0.0))  # name-key postings: weight 0
        idf = self.idf_of(float(best.sum()))
        out[uniq] += (qw * idf * tf_set * (K1 + 1) / (tf_set + K1)).astype(np.float32)

    def matched(self, term: str, labels: np.ndarray) -> np.ndarray:
        """Which of `labels` contain `term` (bool array)."""
        j = self._col(term)
        if j < 0 or len(labels) == 0:
            return np.zeros(len(labels), dtype=bool)
        docs = self.docs[int(self.indptr[j]):int(self.indptr[j + 1])]  # ascending
        at = np.minimum(np.searchsorted(docs, labels), max(len(docs) - 1, 0))
        return (docs[at] == labels) if len(docs) else np.zeros(len(labels), dtype=bool)

    def postings(self, term: str) -> np.ndarray:
        """The documents holding `term` (ascending ids; empty when the vocabulary lacks it)."""
        j = self._col(term)
        return self._labels(j) if j >= 0 else np.zeros(0, dtype=self.docs.dtype)

    def _labels(self, j: int) -> np.ndarray:
        return self.docs[int(self.indptr[j]):int(self.indptr[j + 1])]

    def name_matches(self, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(labels whose own name is `key`, labels whose project is named `key`, labels whose
        own name starts with `key` + '-'), each without the labels of the ones before."""
        empty = np.zeros(0, dtype=np.int32)
        if not key:
            return empty, empty, empty
        j = self._col(NAME_MARK + key)
        exact = self._labels(j) if j >= 0 else empty
        j = self._col(NAME_MARK + PROJECT_MARK + key)
        project = np.setdiff1d(self._labels(j), exact) if j >= 0 else empty
        lo = bisect.bisect_left(self.vocab, NAME_MARK + key + "-")
        hi = bisect.bisect_left(self.vocab, NAME_MARK + key + "-\U0010ffff")
        # "tokio" is a prefix of "tokio-util", not of the repository "tokio-rs/axum".
        cols = [c for c in range(lo, hi) if "/" not in self.vocab[c][len(key) + 1:]]
        prefix = np.concatenate([self._labels(c) for c in cols]) if cols else empty
        return exact, project, np.setdiff1d(prefix, np.union1d(exact, project))

    # -- files -----------------------------------------------------------------------------

    def save(self, vocab_path: Path, postings_path: Path) -> None:
        """Two Arrow files (atomic each; the manifest that names them is the commit point)."""
        meta = {b"n_docs": str(self.n_docs).encode(), b"nnz": str(len(self.docs)).encode()}
        vocab = pa.table({"term": pa.array(self.vocab, pa.string()),
                          "start": pa.array(self.indptr[:-1].astype(np.int64))})
        postings = pa.table({"doc": pa.array(self.docs), "weight": pa.array(self.weights)})
        db.atomic_write_bytes(vocab_path, _arrow_bytes(vocab.replace_schema_metadata(meta)))
        db.atomic_write_bytes(postings_path, _arrow_bytes(postings))

    @classmethod
    def load(cls, vocab_path: Path, postings_path: Path) -> BM25Index:
        with pa.memory_map(str(vocab_path)) as src:
            reader = pa.ipc.open_file(src)
            meta = reader.schema.metadata
            tbl = reader.read_all()
        with pa.memory_map(str(postings_path)) as src:
            post = pa.ipc.open_file(src).read_all()
        indptr = np.append(to_numpy(tbl.column("start")), int(meta[b"nnz"])).astype(np.int64)
        return cls(tbl.column("term").to_pylist(), indptr,
                   to_numpy(post.column("doc")), to_numpy(post.column("weight")),
                   int(meta[b"n_docs"]))


def _arrow_bytes(tbl: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, tbl.schema) as writer:
        writer.write_table(tbl)
    return sink.getvalue().to_pybytes()


def build_bm25(docs: list[Counter], names: list[list[str]],
               lengths: Sequence[float] | None = None) -> BM25Index:
    """The index of documents given as weighted term counts (`ItemDoc.weighted_terms`;
    document number = position); `names[i]` are document i's name keys; `lengths[i]` document
    i's length for BM25's normalisation (default: the sum of its counts) — a field shared by
    many documents (a project's description) may be left out of it, so it does not dilute
    each document's own words."""
    vocab: dict[str, int] = {}
    rows, cols, tfs = [], [], []
    lengths = np.array([sum(tf.values()) for tf in docs] if lengths is None else lengths,
                       dtype=np.float32)
    for d, tf in enumerate(docs):
        for t, n in tf.items():
            rows.append(d)
            cols.append(vocab.setdefault(t, len(vocab)))
            tfs.append(n)
        for key in {NAME_MARK + k for k in names[d] if k}:
            rows.append(d)
            cols.append(vocab.setdefault(key, len(vocab)))
            tfs.append(0)  # a name key only marks the doc; it adds nothing to BM25 sums
    rows_a = np.array(rows, dtype=np.int32)
    cols_a = np.array(cols, dtype=np.int64)
    tf_a = np.array(tfs, dtype=np.float32)
    avgdl = float(lengths.mean()) if len(docs) else 1.0
    norm = K1 * (1 - B + B * lengths[rows_a] / max(avgdl, 1e-6))
    w = np.where(tf_a > 0, tf_a * (K1 + 1) / (tf_a + norm), 0.0).astype(np.float32)
    # Columns in sorted-term order (bisect lookups), documents ascending within a column.
    terms = sorted(vocab)
    new_col = np.empty(len(vocab), dtype=np.int64)
    for j, t in enumerate(terms):
        new_col[vocab[t]] = j
    cols_a = new_col[cols_a] if len(cols_a) else cols_a
    order = np.lexsort((rows_a, cols_a))
    counts = np.bincount(cols_a, minlength=len(terms)) if len(cols_a) else np.zeros(0, np.int64)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return BM25Index(terms, indptr, rows_a[order], w[order], len(docs))


__all__ = ["NAME_MARK", "PROJECT_MARK", "UNIVERSAL", "UNIVERSAL_WEIGHT", "BM25Index", "ItemDoc",
           "SynonymSet", "build_bm25",
           "is_cjk", "name_key", "tokens"]
