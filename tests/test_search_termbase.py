"""The term base: the corpus's English technical terms (`landscape.term_candidates`) and
`panorama terms --missing`, which lists those no Chinese entry renders yet — over a small real
DuckDB warehouse; and the term base file's entries are words no other source has."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from flows.cli import main
from landscape import query_dictionary
from landscape.query_dictionary import Dictionary
from landscape.term_candidates import corpus_candidates
from warehouse import db

ITEMS = [
    ("crate:cloudreg", "cloudreg", "Point cloud registration for lidar scans.", ["lidar"]),
    ("crate:pcl", "pcl", "Fast point cloud registration and filtering.", None),
    ("crate:qdrant", "qdrant", "A vector database with filtering, faster than Tokio based "
                               "servers.", ["vector-database"]),
    ("crate:lancedb", "lancedb", "Embedded vector database for a Tokio service.", None),
    ("crate:tokio", "tokio", "An async runtime.", None),
    ("crate:v1", "v-one", "Release 1.0 of the thing, release 1.0 indeed.", None),
    ("crate:v2", "v-two", "Release 1.0 of another thing.", None),
]


@pytest.fixture
def warehouse(data_dir: Path) -> Path:  # noqa: ARG001 (sets PANORAMA_DATA_DIR)
    with db.connect() as con:
        for item_id, name, desc, keywords in ITEMS:
            con.execute("INSERT INTO items (item_id, kind, name, description, keywords, "
                        "created_at, source) VALUES (?, 'crate', ?, ?, ?, '2024-01-01', 'test')",
                        [item_id, name, desc, keywords])
    return db.db_path()


def _terms(capsys: pytest.CaptureFixture, *args: str) -> dict[str, dict]:
    assert main(["terms", "--json", *args]) == 0
    return {r["term"]: r for r in json.loads(capsys.readouterr().out)}


def test_a_corpus_term_no_entry_renders_is_listed(warehouse: Path, capsys, tmp_path,  # noqa: ANN001
                                                  monkeypatch) -> None:
    # Without the shipped term base (it may render any of these one day).
    monkeypatch.setattr(query_dictionary, "TERMBASE_PATH", tmp_path / "none.toml")
    missing = _terms(capsys, "--missing")
    # "point cloud registration" is in two items and no dictionary renders "lidar" (a keyword).
    assert "lidar" in missing and "keyword" in missing["lidar"]["sources"]  # df 1: a keyword
    assert missing["point cloud registration"]["df"] == 2
    # A phrase only ever seen inside a longer one of the same frequency is not listed apart.
    assert "cloud registration" not in missing
    # The taxonomy renders "vector database" (向量数据库): not missing, but listed as rendered.
    assert "vector database" not in missing
    every = _terms(capsys)
    assert "向量数据库" in every["vector database"]["rendered_by"]
    # The most frequent first.
    dfs = [r["df"] for r in every.values()]
    assert dfs == sorted(dfs, reverse=True)


def test_names_versions_and_stop_words_are_no_terms(warehouse: Path) -> None:
    with db.connect(read_only=True, path=warehouse) as con:
        terms = {c.term for c in corpus_candidates(con)}
    assert "tokio" not in terms          # an item's name, and capitalised in the texts
    assert not any("1.0" in t or t == "1" for t in terms)  # a version string
    assert "release" in terms            # ... but the words around it are terms
    assert not any(t.split()[0] in ("a", "the", "for") for t in terms)
    assert "rust" not in terms           # a word every item carries


def test_a_rendered_term_leaves_the_missing_list(warehouse: Path, capsys, tmp_path,  # noqa: ANN001
                                                 monkeypatch) -> None:
    assert "lidar" in _terms(capsys, "--missing")
    termbase = tmp_path / "termbase.toml"
    termbase.write_text('[terms]\n"激光雷达" = "lidar"\n', encoding="utf-8")
    monkeypatch.setattr(query_dictionary, "TERMBASE_PATH", termbase)
    assert "lidar" not in _terms(capsys, "--missing")
    assert Dictionary.load().entries["激光雷达"] == ("lidar",)


def test_a_defined_abbreviations_long_form_is_a_term_at_any_frequency(warehouse: Path) -> None:
    """Rule 2: a long form an item defines ("Mixture of Experts (MoE)") is a candidate though
    one document uses it — a paper's abstract counts; the same words merely used once are not."""
    with db.connect() as con:
        con.execute("INSERT INTO items (item_id, kind, name, title, description, created_at, "
                    "source) VALUES ('paper:1', 'paper', '1', 'Sparse models at scale', "
                    "'We route tokens with a Mixture of Experts (MoE) layer and a gated "
                    "sparse router.', '2024-01-01', 'test')")
    with db.connect(read_only=True, path=warehouse) as con:
        found = {c.term: c for c in corpus_candidates(con)}
    assert "mixture of experts" in found
    assert found["mixture of experts"].df == 1
    assert "abbreviation" in found["mixture of experts"].sources
    assert "sparse router" not in found  # a phrase of one abstract, defining nothing
    # Rule 2: a single word of one description is a term ("scans": cloudreg's alone), a
    # two-word phrase of one description is not ("lidar scans").
    assert found["scans"].df == 1 and "lidar scans" not in found


def test_bad_input_is_one_line_and_exit_2(data_dir: Path, capsys) -> None:  # noqa: ANN001
    assert main(["terms", "--missing"]) == 2   # no warehouse yet
    assert main(["terms", "--limit", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("terms: ") for line in err)


def test_the_term_base_adds_only_new_words() -> None:
    """One home per fact: a term base key is in no other source of the dictionary (it is read
    last and would be ignored), and is a word, not a one-character morpheme."""
    with query_dictionary.TERMBASE_PATH.open("rb") as fh:
        keys = [query_dictionary._key(zh) for zh in tomllib.load(fh)["terms"]]
    with query_dictionary.TERMS_PATH.open("rb") as fh:
        curated = {query_dictionary._key(zh) for zh in tomllib.load(fh)["terms"]}
    assert keys and not set(keys) & curated
    assert all(len(k) >= 2 for k in keys)
    assert len(keys) == len(set(keys))
    # Against the glossary and the taxonomy too: each key's rendering is the term base's own.
    with query_dictionary.TERMBASE_PATH.open("rb") as fh:
        table = tomllib.load(fh)["terms"]
    entries = Dictionary.load().entries
    for zh, en in table.items():
        want = tuple([en] if isinstance(en, str) else en)
        assert entries[query_dictionary._key(zh)] == want, zh
