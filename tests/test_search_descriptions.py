"""The editors' descriptions of watched projects (config/descriptions.toml) in the lexical
index (`landscape.search_docs`), over a small real warehouse with the real model and index: a
Chinese query whose words only the editors' Chinese line holds finds the project's members,
and an edit of the file reaches the index at the next sync (the manifest's `texts_stamp`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from landscape import descriptions, search_docs
from landscape.embeddings import model_name_or_default
from landscape.search import search
from landscape.search_files import read_manifest
from landscape.search_index import load_search_index, sync_search_index
from tests.support.search_warehouse import indexed_warehouse, read_only
from warehouse import db

ITEMS = [
    ("crate:vpmatch", "vpmatch", "Fast fingerprints of short audio clips, compared in bulk."),
    ("repo:acme/vpmatch", "acme/vpmatch", "Source of vpmatch."),
    ("crate:indicatif", "indicatif", "A progress bar and cli reporting library."),
    ("crate:hound", "hound", "A WAV encoding and decoding library."),
    ("crate:rodio", "rodio", "Audio playback library."),
]
MEMBERS = ("crate:vpmatch", "repo:acme/vpmatch")
LINES = '[project."vpmatch"]\nzh = "{zh}"\nen = "{en}"\n'


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):  # noqa: ANN201 - the database path
    folder = tmp_path_factory.mktemp("descriptions")
    items = [{"item_id": i, "name": n, "description": d,
              "kind": i.split(":")[0]} for i, n, d in ITEMS]
    with indexed_warehouse(folder, items) as path:
        mp = pytest.MonkeyPatch()
        mp.setenv("PANORAMA_DATA_DIR", str(folder))
        with db.connect(path=path) as con:
            con.execute("INSERT INTO projects (project_id, name_en, name_zh, watched, origin,"
                        " resolved_at) VALUES ('project:vpmatch', 'vpmatch', 'vpmatch', TRUE,"
                        " 'watchlist', now())")
            for item_id in MEMBERS:
                con.execute("INSERT INTO project_members (item_id, project_id, role, evidence,"
                            " confidence, needs_review, resolved_at) VALUES"
                            " (?, 'project:vpmatch', 'member', 'test', 1.0, FALSE, now())",
                            [item_id])
        mp.undo()
        yield path


def _write(path: Path, zh: str, en: str) -> None:
    path.write_text(LINES.format(zh=zh, en=en), "utf-8")


def _sync(warehouse: Path) -> str:
    with db.connect(path=warehouse) as con:
        return sync_search_index(con).action


def _top(warehouse: Path, monkeypatch: pytest.MonkeyPatch, query: str) -> list[str]:
    with read_only(warehouse, monkeypatch) as con:
        return [h["item_id"] for h in search(con, query, limit=3)[0]["hits"]]


def test_chinese_words_only_the_editors_line_holds(warehouse, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    """The line says what no item's own text says (irrigation scheduling): with the
    description's words indexed the project's members are found, without them not."""
    monkeypatch.setenv("PANORAMA_DATA_DIR", str(warehouse.parent))
    monkeypatch.setattr(descriptions, "DESCRIPTIONS_PATH", tmp_path / "descriptions.toml")
    _write(tmp_path / "descriptions.toml", "面向农场的灌溉调度工具。",
           "Irrigation scheduling for farms.")
    assert _sync(warehouse) == "refreshed"  # a new stamp: the lexical files are rewritten
    assert len(load_search_index().lexical.postings("灌溉")) == 0  # weights 0: the default
    assert not set(_top(warehouse, monkeypatch, "灌溉调度")[:1]) & set(MEMBERS)

    monkeypatch.setattr(search_docs, "DESC_ZH_W", 1.0)
    monkeypatch.setattr(search_docs, "DESC_EN_W", 1.0)
    with db.connect(path=warehouse) as con:
        sync_search_index(con, force=True)
    lexical = load_search_index().lexical
    holders = {load_search_index().item_ids[int(n)] for n in lexical.postings("灌溉")}
    assert holders == set(MEMBERS)  # every member, nothing else
    assert _top(warehouse, monkeypatch, "灌溉调度")[0] in MEMBERS
    assert _top(warehouse, monkeypatch, "irrigation scheduling")[0] in MEMBERS


def test_an_edit_of_the_descriptions_reaches_the_index(warehouse, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setenv("PANORAMA_DATA_DIR", str(warehouse.parent))
    path = tmp_path / "descriptions.toml"
    monkeypatch.setattr(descriptions, "DESCRIPTIONS_PATH", path)
    monkeypatch.setattr(search_docs, "DESC_ZH_W", 1.0)
    _write(path, "面向嵌入式设备的声纹比对工具。", "Voiceprint matching.")
    _sync(warehouse)
    assert _sync(warehouse) == "unchanged"
    stamp = read_manifest(warehouse.parent / "index", model_name_or_default(None))["texts_stamp"]
    assert stamp == search_docs.texts_stamp()

    _write(path, "面向农场的灌溉调度工具。", "Voiceprint matching.")
    assert search_docs.texts_stamp() != stamp  # the index built before is now stale
    assert _sync(warehouse) == "refreshed"
    assert _top(warehouse, monkeypatch, "灌溉调度")[0] in MEMBERS
    assert len(load_search_index().lexical.postings("声纹")) == 0  # the old line is gone
    assert _sync(warehouse) == "unchanged"


def test_the_stamp_follows_every_file_the_documents_read(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    """The glossary's Chinese terms and the taxonomy's exemplars are words of the documents
    too: an edit of either makes the index stale, like an edit of the descriptions."""
    from landscape import glossary, taxonomy

    for module, name in ((glossary, "GLOSSARY_PATH"), (taxonomy, "TAXONOMY_PATH"),
                         (descriptions, "DESCRIPTIONS_PATH")):
        copy = tmp_path / f"{name}.toml"
        copy.write_bytes(getattr(module, name).read_bytes())
        before = search_docs.texts_stamp()
        monkeypatch.setattr(module, name, copy)
        assert search_docs.texts_stamp() == before  # same content, same stamp
        copy.write_bytes(copy.read_bytes() + b"\n# edited\n")
        assert search_docs.texts_stamp() != before, name
