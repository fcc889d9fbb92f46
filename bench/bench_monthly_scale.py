"""The monthly run at registry scale: the demo's latest month replayed on a warehouse that also
holds the whole (synthetic) crates.io registry from a dump, against the same monthly run on a
warehouse without it, measured in the same process.

    python bench/bench_monthly_scale.py [--crates 200000] [--versions-per-crate 10] [--days 10]

The registry is synthetic (scripts/make_synthetic_dump.py, real schema); the month is the demo
snapshot's latest, replayed offline. What scale costs: the dump ingest, classifying the
registry crates created in the last two months (the rest feed statistics only), the report and
the dashboard rollups over many more items and observations.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"


def _synthetic_dump(crates: int, versions: int, days: int, as_of: datetime) -> Path:
    spec = importlib.util.spec_from_file_location("make_dump", ROOT / "scripts" / "make_synthetic_dump.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_dump"] = module  # dataclasses look their module up while loading
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    parent = OUT / f"monthly-dump-{crates}x{versions}x{days}"
    existing = [p for p in parent.glob("*/metadata.json")] if parent.exists() else []
    if existing:
        return existing[0].parent
    return Path(module.make_dump(parent, crates, versions, days, as_of=as_of))


def _monthly(data_dir: Path, month: str, replay: Path, dump: Path | None) -> dict[str, float]:
    """One monthly run in its own data dir; returns seconds per step."""
    os.environ["PANORAMA_DATA_DIR"] = str(data_dir)
    os.environ["PANORAMA_REPORTS_DIR"] = str(data_dir / "reports")
    from flows.monthly import monthly
    from warehouse import db

    times: dict[str, float] = {}
    if dump is not None:
        from warehouse.dump_ingest import ingest_dump

        t = time.perf_counter()
        with db.connect() as con:
            ingest_dump(con, dump)
        times["dump ingest"] = time.perf_counter() - t
    t = time.perf_counter()
    summary = monthly(month=month, replay_dir=str(replay))
    times["monthly run"] = time.perf_counter() - t
    times["classified"] = float((summary.classify or {}).get("classified", 0))
    times["embedded"] = float((summary.classify or {}).get("embedded", 0))
    with db.connect(read_only=True) as con:
        times["items"] = float(con.execute("SELECT count(*) FROM items").fetchone()[0])
        times["observations"] = float(con.execute("SELECT count(*) FROM observations").fetchone()[0])
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crates", type=int, default=200_000)
    parser.add_argument("--versions-per-crate", type=int, default=10)
    parser.add_argument("--days", type=int, default=10,
                        help="days of version_downloads (10 x 2M versions = the 20M rows of issue 6)")
    args = parser.parse_args()

    snapshot = ROOT / "demo" / "snapshot"
    month = sorted(p.name for p in snapshot.iterdir() if p.is_dir() and p.name[:2] == "20")[-1]
    y, m = (int(x) for x in month.split("-"))
    as_of = datetime(y + (m == 12), m % 12 + 1, 1, 2, 0, 4, tzinfo=UTC)
    dump = _synthetic_dump(args.crates, args.versions_per_crate, args.days, as_of)

    from prefect import flow

    import flows  # noqa: F401  (Prefect home, telemetry off)

    @flow(name="bench-warmup")
    def warmup() -> None:
        """Start Prefect's temporary server before timing anything."""

    warmup()

    with tempfile.TemporaryDirectory(prefix="bench-monthly-") as tmp:
        base = _monthly(Path(tmp) / "baseline", month, snapshot / month, None)
        scaled = _monthly(Path(tmp) / "scaled", month, snapshot / month, dump)

    print(f"monthly run of {month} (replayed), registry of {args.crates:,} synthetic crates")
    print(f"{'':24}{'baseline':>14}{'at scale':>14}")
    for key in ("items", "observations", "embedded", "classified"):
        print(f"{key:24}{base[key]:>14,.0f}{scaled[key]:>14,.0f}")
    print(f"{'dump ingest (s)':24}{'—':>14}{scaled['dump ingest']:>14.1f}")
    print(f"{'monthly run (s)':24}{base['monthly run']:>14.1f}{scaled['monthly run']:>14.1f}")
    ratio = scaled["monthly run"] / base["monthly run"]
    print(f"monthly run at scale / baseline: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
