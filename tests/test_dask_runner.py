"""The monthly flow on a two-worker Dask LocalCluster (prefect-dask) builds the same warehouse
as the default thread runner (issue 6, item 2).

Fetch tasks run in the Dask worker processes and hand their results back pickled; loading
stays in the flow's process. Each run gets its own data folder (its own warehouse), and the
tables are compared row for row, leaving out only the wall-clock stamps of the run itself.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import latest_demo_month

# table -> (columns to compare, order). Everything a collection writes, minus wall-clock stamps
# of the run (`runs.started_at/finished_at`, `source_status.started_at/finished_at`,
# `http_validators.fetched_at`, which `warehouse.state.save_validators` stamps with "now").
TABLES: dict[str, tuple[str, str]] = {
    "items": ("*", "item_id"),
    "observations": ("*", "item_id, metric, observed_at"),
    "releases": ("*", "release_id"),
    "papers": ("*", "paper_id"),
    "posts": ("*", "post_id"),
    "item_links": ("*", "from_id, to_id, relation"),
    "raw_responses": ("*", "run_id, method, url"),
    "http_validators": ("* EXCLUDE (fetched_at)", "url"),  # stamped when saved
    "source_status": ("* EXCLUDE (started_at, finished_at)", "run_id, source"),
    "runs": ("* EXCLUDE (started_at, finished_at)", "run_id"),
}


def _snapshot(tables: dict[str, tuple[str, str]]) -> dict[str, list[tuple[Any, ...]]]:
    from warehouse import db

    with db.connect(read_only=True) as con:
        return {t: con.execute(f"SELECT {cols} FROM {t} ORDER BY {order}").fetchall()
                for t, (cols, order) in tables.items()}


def _run_monthly(root: Path, name: str, runner: str, month: Path,
                 **kwargs: Any) -> tuple[Any, dict[str, list[tuple[Any, ...]]]]:
    """One monthly run into its own data folder; returns (summary, table contents)."""
    from flows.monthly import monthly

    folder = root / name
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PANORAMA_DATA_DIR", str(folder))
        mp.setenv("PANORAMA_REPORTS_DIR", str(root / f"{name}-reports"))
        mp.delenv("PANORAMA_DB", raising=False)
        summary = monthly(month=month.name, replay_dir=str(month), task_runner=runner, **kwargs)
        # Each attempt has its own (time-stamped) run id: compare the runs under one name.
        same_run = {t: [tuple("RUN" if v == summary.run_id else v for v in row) for row in rows]
                    for t, rows in _snapshot(TABLES | CLASSIFICATIONS).items()}
    return summary, same_run


CLASSIFICATIONS = {"classifications": (
    "item_id, category, round(confidence, 4), method, model, needs_review", "item_id")}


@pytest.fixture(scope="module")
def both_runners(prefect_harness, tmp_path_factory: pytest.TempPathFactory
                 ) -> dict[str, tuple[Any, dict[str, list[tuple[Any, ...]]]]]:
    """The latest demo month collected and classified once on each runner, each into its own
    data folder: {runner: (summary, table contents)}. Both comparisons below read these runs —
    each pair of runs costs a LocalCluster whose two workers load torch and the encoder, and a
    thread run; the collection tables compared are the same whether the run classifies or not
    (classification writes only its own tables)."""
    root = tmp_path_factory.mktemp("runners")
    month = latest_demo_month()
    return {runner: _run_monthly(root, runner, runner, month, classify=True, report=False)
            for runner in ("dask", "thread")}


def test_dask_runner_is_a_two_worker_local_cluster_by_default() -> None:
    from prefect_dask import DaskTaskRunner

    from flows.task_runners import make_task_runner

    runner = make_task_runner("dask")
    assert isinstance(runner, DaskTaskRunner)
    assert runner.cluster_class == "distributed.LocalCluster"
    assert runner.cluster_kwargs["n_workers"] == 2 and runner.cluster_kwargs["processes"]
    remote = make_task_runner("dask", "tcp://10.0.0.5:8786")
    assert remote.address == "tcp://10.0.0.5:8786"
    with pytest.raises(ValueError, match="unknown task runner"):
        make_task_runner("ray")


def _assert_same(dask: dict[str, list[tuple]], thread: dict[str, list[tuple]]) -> None:
    for table in TABLES:
        a, b = dask[table], thread[table]
        if a != b:
            only_a = sorted(set(a) - set(b), key=repr)[:3]
            only_b = sorted(set(b) - set(a), key=repr)[:3]
            pytest.fail(f"{table}: {len(a)} rows (dask) vs {len(b)} (thread); "
                        f"only dask: {only_a}; only thread: {only_b}")


@pytest.mark.slow
def test_monthly_on_two_dask_workers_builds_the_same_warehouse(both_runners) -> None:
    (dask_summary, dask), (thread_summary, thread) = both_runners["dask"], both_runners["thread"]

    assert dask_summary.status == thread_summary.status == "completed", (
        dask_summary.sources, thread_summary.sources)
    assert [(o.source, o.status, o.items_seen, o.items_new, o.observations, o.requests)
            for o in dask_summary.sources] == [
        (o.source, o.status, o.items_seen, o.items_new, o.observations, o.requests)
        for o in thread_summary.sources]
    # The comparison means something only if the month really loaded.
    assert len(thread["items"]) > 100 and len(thread["observations"]) > 1000
    assert thread["papers"] and thread["posts"] and thread["releases"] and thread["item_links"]
    _assert_same(dask, thread)
    assert Path(dask_summary.warehouse) != Path(thread_summary.warehouse)


def test_fetch_task_runs_in_a_dask_worker_process_with_the_environment(
    prefect_harness, data_dir: Path
) -> None:
    """The fetch task really runs in another process, sees PANORAMA_DATA_DIR, and what it
    returns (a SourceFetch) comes back through pickling intact."""
    month = latest_demo_month()
    from prefect import flow, task

    from flows.collect import SourceFetch, fetch_source
    from flows.sources import FetchPlan
    from flows.task_runners import make_task_runner

    @task
    def where() -> tuple[int, str | None, str]:
        from warehouse import db

        return os.getpid(), os.environ.get("PANORAMA_DATA_DIR"), str(db.data_dir())

    @flow(task_runner=make_task_runner("dask", workers=2))
    def probe(replay: str, month_name: str) -> tuple[Any, SourceFetch]:
        return (where.submit().result(),
                fetch_source.submit("feeds", FetchPlan(month_name, replay_dir=replay),
                                    {}).result())

    (pid, env_dir, seen_dir), fetched = probe(str(month), month.name)
    assert pid != os.getpid()
    assert env_dir == str(data_dir) and seen_dir == str(data_dir)
    assert isinstance(fetched, SourceFetch) and fetched.fatal is None
    assert fetched.records and fetched.exchanges and fetched.requests > 0


def test_source_fetches_survive_pickling(data_dir: Path) -> None:
    """What every source's fetch returns crosses a process boundary unchanged."""
    month = latest_demo_month()
    from flows.collect import SourceFetch
    from flows.sources import SOURCES, FetchPlan, run_fetcher

    for source in SOURCES:
        result = SourceFetch(source=source)
        run_fetcher(source, FetchPlan(month.name, replay_dir=str(month)), result, {}, None, None)
        assert result.records, source
        clone = pickle.loads(pickle.dumps(result))
        assert clone == result, source
        import cloudpickle  # what Dask uses for results

        assert cloudpickle.loads(cloudpickle.dumps(result)) == result


@pytest.mark.slow
def test_classifications_match_between_runners(both_runners) -> None:
    for runner, (summary, _) in both_runners.items():
        assert summary.classify is not None, (runner, summary.notes)
        # fresh warehouse: the embed tasks really ran
        assert summary.classify["embedded"] > 0, runner
    dask, thread = both_runners["dask"][1], both_runners["thread"][1]
    assert thread["classifications"], "classification wrote nothing"
    assert dask["classifications"] == thread["classifications"]
    _assert_same(dask, thread)
