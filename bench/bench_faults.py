"""Faults a source can send, and what they cost (issue 10): cases tried, runs completed,
records lost beyond the bad record itself.

    .venv/bin/python bench/bench_faults.py [--month 2025-12] [--snapshot demo/snapshot]

Each case copies the replayed demo month, damages it the way a source (or a hand-edited
recording) could, and runs the real `collect` flow into a fresh warehouse under a temporary
Prefect server. The baseline is the same month undamaged, collected in the same run. For each
case: did the run complete (`completed` or `completed_with_failures`, never `running` or a
crash), how many data rows landed (items, observations, releases, papers, posts, links), how
many records the damage itself costs (0 for a coerced field, 1 for a rejected record), and the
loss beyond that (goal: 0). (A rate-limited host is a different matter — not asking is the
point — and is covered by tests/test_faults.py.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out" / "faults"
OUT.mkdir(parents=True, exist_ok=True)
os.environ["PANORAMA_DATA_DIR"] = tempfile.mkdtemp(prefix="home-", dir=OUT)
os.environ.pop("GITHUB_TOKEN", None)

TABLES = ("items", "observations", "releases", "papers", "posts", "item_links")


@dataclass
class Case:
    name: str
    damage: Callable[[Path], None]
    bad_records: int          # records the damage itself is allowed to cost
    env: dict[str, str] | None = None


def _edit(folder: Path, url: str, change: Callable[[dict[str, Any]], None],
          method: str = "GET") -> None:
    from connectors.recording import exchange_path

    path = exchange_path(folder, method, url, None)
    record = json.loads(path.read_text("utf-8"))
    change(record)
    path.write_text(json.dumps(record), "utf-8")


def _body(change: Callable[[Any], None]) -> Callable[[dict[str, Any]], None]:
    def apply(record: dict[str, Any]) -> None:
        body = json.loads(record["response"]["body"])
        change(body)
        record["response"]["body"] = json.dumps(body)
    return apply


CRATE = "https://crates.io/api/v1/crates/candle-core"
DOWNLOADS = CRATE + "/downloads"


CASES = [
    Case("clean (baseline)", lambda f: None, 0),
    Case("crate homepage is an object", lambda f: _edit(
        f, CRATE, _body(lambda b: b["crate"].__setitem__("homepage", {}))), 1),
    Case("crate description is a number", lambda f: _edit(
        f, CRATE, _body(lambda b: b["crate"].__setitem__("description", 12345))), 0),
    Case("crate keywords is a string", lambda f: _edit(
        f, CRATE, _body(lambda b: b["crate"].__setitem__("keywords", "ml"))), 0),
    Case("crate keywords is an object", lambda f: _edit(
        f, CRATE, _body(lambda b: b["crate"].__setitem__("keywords", {"a": 1}))), 1),
    Case("recorded status is the text \"200\"", lambda f: _edit(
        f, CRATE, lambda r: r["response"].__setitem__("status", "200")), 0),
    Case("downloads value is text", lambda f: _edit(
        f, DOWNLOADS, _body(lambda b: b["version_downloads"][0].__setitem__("downloads",
                                                                           "12"))), 0),
    Case("one day's downloads is a word", lambda f: _edit(
        f, DOWNLOADS, _body(lambda b: b["version_downloads"][0].__setitem__("downloads",
                                                                           "lots"))), 1),
    Case("control characters and a 100k description", lambda f: _edit(
        f, CRATE, _body(lambda b: b["crate"].__setitem__(
            "description", "a\x00b\x07c" + "x" * 100_000))), 0),
    Case("created_at is not a date", lambda f: _edit(
        f, CRATE, _body(lambda b: b["crate"].__setitem__("created_at", "2025-13-45"))), 0),
    Case("GITHUB_TOKEN set during replay", lambda f: None, 0,
         env={"GITHUB_TOKEN": "ghp_not_a_real_token_0123456789"}),
]


def _rows() -> int:
    from warehouse import db

    with db.connect(read_only=True) as con:
        return sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES)


def _run(case: Case, month: str, snapshot: Path, work: Path) -> dict[str, Any]:
    from flows.collect import collect, run_status

    folder = work / "replay" / month
    shutil.copytree(snapshot / month, folder)
    case.damage(folder)
    os.environ["PANORAMA_DATA_DIR"] = str(work / "data")
    saved = {k: os.environ.get(k) for k in (case.env or {})}
    os.environ.update(case.env or {})
    try:
        outcomes = collect(month=month, replay_dir=str(folder))
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    return {"status": run_status(outcomes), "rows": _rows(),
            "skipped": sum(o.skipped for o in outcomes)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", default="2025-12")
    parser.add_argument("--snapshot", type=Path, default=ROOT / "demo" / "snapshot")
    args = parser.parse_args()
    from prefect.testing.utilities import prefect_test_harness

    results = []
    with prefect_test_harness(server_startup_timeout=120):
        for n, case in enumerate(CASES):
            work = Path(tempfile.mkdtemp(prefix=f"case{n}-", dir=OUT))
            results.append((case, _run(case, args.month, args.snapshot, work)))
    baseline = results[0][1]["rows"]
    print("| case | run | rows loaded | cost of the damage | lost beyond it |")
    print("|---|---|---|---|---|")
    lost_total = 0
    for case, r in results:
        lost = baseline - r["rows"] - case.bad_records
        lost_total += max(lost, 0)
        print(f"| {case.name} | {r['status']} | {r['rows']} | {case.bad_records} "
              f"(skipped {r['skipped']}) | {lost} |")
    completed = sum(r["status"] in ("completed", "completed_with_failures") for _, r in results)
    print(f"\ncases tried: {len(results)}; runs completed: {completed}/{len(results)}; "
          f"records lost beyond the bad record: {lost_total}")
    return 0 if completed == len(results) and lost_total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
