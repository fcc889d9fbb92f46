"""`panorama terms --check FILE`: the check a proposed term-base entry passes before it joins
config/search_termbase.toml (`landscape.term_check`) — over a small real indexed warehouse."""

from __future__ import annotations

import json
from pathlib import Path

from flows.cli import main
from tests.support.search_warehouse import search_fixtures

ITEMS = [
    {"item_id": "crate:cloudreg", "name": "cloudreg",
     "description": "Point cloud registration for lidar scans."},
    {"item_id": "crate:sorts", "name": "sorts",
     "description": "Sorting algorithms and search algorithms."},
    {"item_id": "crate:tokio", "name": "tokio", "description": "An async runtime."},
]

warehouse, con = search_fixtures("term_check", ITEMS)


def _check(path: Path, *args: str) -> int:
    return main(["terms", "--check", str(path), *args])


def test_each_proposed_entry_gets_its_verdict(warehouse: Path, tmp_path: Path,  # noqa: ARG001
                                              capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PANORAMA_DATA_DIR", str(warehouse.parent))
    proposed = tmp_path / "proposed.toml"
    proposed.write_text('[terms]\n'
                        '"激光扫描" = ["lidar", "laser radar"]\n'   # new: the items say lidar
                        '"类" = "class"\n'                          # one character
                        '"点云" = "point cloud"\n'                  # the term base has it
                        '"量子计算" = "quantum computing"\n'        # no item says it
                        '"算法" = "algorithms"\n', encoding="utf-8")  # CC-CEDICT reads it
    assert _check(proposed, "--json") == 0
    got = {v["zh"]: v for v in json.loads(capsys.readouterr().out)}
    assert list(got) == ["激光扫描", "类", "点云", "量子计算", "算法"]  # the file's order
    assert got["激光扫描"]["keep"] and got["激光扫描"]["renderings"] == ["lidar"]
    # What the pipeline reads today (only renderings the index holds: "scan", not "laser").
    assert got["激光扫描"]["reason"].endswith("scan")
    assert not any(got[k]["keep"] for k in ("类", "点云", "量子计算", "算法"))
    assert "already an entry" in got["点云"]["reason"]
    assert "no indexed item" in got["量子计算"]["reason"]
    assert "already reads" in got["算法"]["reason"]
    # Plain output: the kept entries as term-base lines, the others as comments.
    assert _check(proposed) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith('"激光扫描" = "lidar"')
    assert all(line.startswith("# dropped ") for line in out[1:])
    # A file of bare entries (no [terms] table) reads the same.
    bare = tmp_path / "bare.toml"
    bare.write_text('"激光扫描" = "lidar"\n', encoding="utf-8")
    assert _check(bare) == 0
    assert capsys.readouterr().out.startswith('"激光扫描" = "lidar"')


def test_a_bad_file_or_no_index_is_one_line_and_exit_2(tmp_path: Path, data_dir: Path,  # noqa: ARG001
                                                       capsys) -> None:  # noqa: ANN001
    assert _check(tmp_path / "missing.toml") == 2
    proposed = tmp_path / "proposed.toml"
    proposed.write_text('[terms]\n"激光扫描" = "lidar"\n', encoding="utf-8")
    assert _check(proposed) == 2   # an empty data folder: no search index
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("terms: ") for line in err)
