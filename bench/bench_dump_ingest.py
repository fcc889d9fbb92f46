"""Dump ingest against DuckDB's raw `read_csv` of the same CSV files, in the same run.

    .venv/bin/python bench/bench_dump_ingest.py [--crates 200000 --versions-per-crate 10 --days 10]
                                                [--repeat 2] [--memory-limit 2GB] [--tar] [--regen]

Generates (once, reused from `bench/out/dump-<crates>x<versions>x<days>/`) a synthetic dump
with the real crates.io schema via `scripts/make_synthetic_dump.py`; the defaults are the real
scale: 200k crates, 2M versions, 20M version_downloads rows. Then, alternating so that load
from other processes hits both sides alike, `--repeat` times each:

  baseline  `CREATE TABLE t AS SELECT * FROM read_csv(file, header = true)` for every CSV the
            ingest reads (crates, crate_downloads, versions, categories, crates_categories,
            keywords, crates_keywords, version_downloads) into a fresh DuckDB file
  ingest    `warehouse.dump_ingest.ingest_dump` of the same folder into a fresh, migrated
            warehouse: dump_* tables, 200k items, 2.2M observations, one transaction

Each measurement runs in its own subprocess so its peak RSS (`ru_maxrss`) is its own. Prints
the median wall times, the ratio ingest / baseline (goal <= 1.5; also the CPU-time ratio, which
shared-machine load distorts less) and both peak RSS figures, then a
re-ingest of the same dump (idempotent: writes nothing new) and, with `--tar`, the ingest
straight from a `db-dump.tar.gz` (stream extraction included). Exit 1 if the ratio is over 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
BASELINE_FILES = ["crates", "crate_downloads", "versions", "categories", "crates_categories",
                  "keywords", "crates_keywords", "version_downloads"]
GOAL = 1.5


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _cpu_s() -> float:
    """CPU seconds of this process, all threads: steadier than wall time on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def phase_baseline(dump: Path, work: Path) -> dict:
    """Raw DuckDB: every CSV straight into a plain table (types inferred, no constraints)."""
    import duckdb

    con = duckdb.connect(str(work / "baseline.duckdb"))
    con.execute("SET enable_progress_bar = false")
    started, cpu = time.monotonic(), _cpu_s()
    for name in BASELINE_FILES:
        path = (dump / "data" / f"{name}.csv").as_posix()
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', header = true)")
    con.execute("CHECKPOINT")  # the ingest commits to disk too
    seconds, cpu = time.monotonic() - started, _cpu_s() - cpu
    con.close()
    return {"seconds": seconds, "cpu_s": cpu, "peak_rss_mb": _peak_rss_mb()}


def phase_ingest(dump: Path, work: Path, memory_limit: str, reingest: bool = False) -> dict:
    """Our ingest into a fresh migrated warehouse (migrations are not timed)."""
    from warehouse import db
    from warehouse.dump_ingest import ingest_dump

    with db.connect(path=work / "warehouse.duckdb") as con:
        if reingest:
            ingest_dump(con, dump, memory_limit=memory_limit)
        started, cpu = time.monotonic(), _cpu_s()
        summary = ingest_dump(con, dump, memory_limit=memory_limit)
        con.execute("CHECKPOINT")
        seconds, cpu = time.monotonic() - started, _cpu_s() - cpu
    return {"seconds": seconds, "cpu_s": cpu, "peak_rss_mb": _peak_rss_mb(), "counts": summary["counts"],
            "steps": summary["steps"]}


def _run_phase(phase: str, dump: Path, memory_limit: str, reingest: bool = False) -> dict:
    """Run one phase in a fresh subprocess on a fresh work folder; return its JSON report."""
    work = OUT / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cmd = [sys.executable, __file__, "--phase", phase, "--dump", str(dump), "--work", str(work),
           "--memory-limit", memory_limit] + (["--reingest"] if reingest else [])
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    shutil.rmtree(work, ignore_errors=True)
    return result


def _ensure_dump(crates: int, versions: int, days: int, regen: bool, tar: bool) -> tuple[Path, Path | None]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_synthetic_dump",
                                                  ROOT / "scripts" / "make_synthetic_dump.py")
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen  # dataclasses look their module up
    spec.loader.exec_module(gen)
    parent = OUT / f"dump-{crates}x{versions}x{days}"
    marker = parent / "COMPLETE"
    if regen or not marker.exists():
        shutil.rmtree(parent, ignore_errors=True)
        started = time.monotonic()
        gen.make_dump(parent, crates, versions, days)
        print(f"generated dump in {time.monotonic() - started:.1f} s", flush=True)
        marker.write_text("ok\n")
    folder = next(p for p in parent.iterdir() if p.is_dir())
    archive = parent / "db-dump.tar.gz"
    if tar and not archive.exists():
        import tarfile

        started = time.monotonic()
        with tarfile.open(archive.with_suffix(".part"), "w:gz", compresslevel=1) as tf:
            tf.add(folder, arcname=folder.name)
        archive.with_suffix(".part").replace(archive)
        print(f"packed {archive.name} in {time.monotonic() - started:.1f} s", flush=True)
    return folder, archive if tar else None


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    load = os.getloadavg()
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024 ** 2:.1f} GiB RAM, "
            f"Python {platform.python_version()}, load avg {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--crates", type=int, default=200_000)
    ap.add_argument("--versions-per-crate", type=int, default=10)
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each side (median reported)")
    ap.add_argument("--memory-limit", default="2GB", help="DuckDB memory_limit for the ingest")
    ap.add_argument("--tar", action="store_true", help="also time the ingest from db-dump.tar.gz")
    ap.add_argument("--regen", action="store_true", help="regenerate the synthetic dump")
    # internal: one measurement in a subprocess
    ap.add_argument("--phase", choices=["baseline", "ingest"], help=argparse.SUPPRESS)
    ap.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--reingest", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.phase == "baseline":
        print(json.dumps(phase_baseline(args.dump, args.work)))
        return 0
    if args.phase == "ingest":
        print(json.dumps(phase_ingest(args.dump, args.work, args.memory_limit, args.reingest)))
        return 0

    print(f"machine: {machine()}", flush=True)
    folder, archive = _ensure_dump(args.crates, args.versions_per_crate, args.days, args.regen, args.tar)
    sizes = {p.name: p.stat().st_size for p in sorted((folder / "data").glob("*.csv"))}
    print(f"dump: {folder} ({sum(sizes.values()) / 1e9:.2f} GB of CSV; "
          f"{args.crates:,} crates, {args.crates * args.versions_per_crate:,} versions, "
          f"{args.crates * args.versions_per_crate * args.days:,} version_downloads rows)", flush=True)
    base, ours = [], []
    for n in range(args.repeat):
        base.append(_run_phase("baseline", folder, args.memory_limit))
        print(f"  run {n + 1}: baseline {base[-1]['seconds']:.1f} s wall, {base[-1]['cpu_s']:.1f} s CPU "
              f"(peak RSS {base[-1]['peak_rss_mb']:.0f} MB)", flush=True)
        ours.append(_run_phase("ingest", folder, args.memory_limit))
        print(f"  run {n + 1}: ingest   {ours[-1]['seconds']:.1f} s wall, {ours[-1]['cpu_s']:.1f} s CPU "
              f"(peak RSS {ours[-1]['peak_rss_mb']:.0f} MB)", flush=True)
    b = statistics.median(r["seconds"] for r in base)
    o = statistics.median(r["seconds"] for r in ours)
    ratio = o / b
    cpu_ratio = statistics.median(r["cpu_s"] for r in ours) / statistics.median(r["cpu_s"] for r in base)
    print("\nsteps of the last ingest (s):")
    for step, secs in ours[-1]["steps"].items():
        print(f"  {step:<40} {secs:7.2f}")
    print("rows written:", json.dumps(ours[-1]["counts"]))
    again = _run_phase("ingest", folder, args.memory_limit, reingest=True)
    print(f"\nre-ingest of the same dump: {again['seconds']:.1f} s, writes "
          f"{again['counts']['items_new']} new items, {again['counts']['items_updated']} item updates, "
          f"{again['counts']['observations_downloads_daily']} daily observations")
    if archive:
        tarred = _run_phase("ingest", archive, args.memory_limit)
        print(f"ingest from {archive.name} ({archive.stat().st_size / 1e9:.2f} GB): "
              f"{tarred['seconds']:.1f} s incl. stream extraction, peak RSS {tarred['peak_rss_mb']:.0f} MB")
    print(f"\nload avg now: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"baseline read_csv (median of {args.repeat}): {b:.1f} s, "
          f"peak RSS {max(r['peak_rss_mb'] for r in base):.0f} MB")
    print(f"ingest (median of {args.repeat}):           {o:.1f} s, "
          f"peak RSS {max(r['peak_rss_mb'] for r in ours):.0f} MB (memory_limit {args.memory_limit})")
    print(f"ratio ingest / baseline: {ratio:.2f}x wall (goal <= {GOAL}x) -> "
          f"{'OK' if ratio <= GOAL else 'OVER'}; {cpu_ratio:.2f}x CPU time")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
