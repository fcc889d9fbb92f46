"""Task runners: threads on one machine by default, a Dask cluster when one machine is not enough.

The collection and embedding tasks return plain data, so they can run on Dask workers in
other processes or machines; the flow's own process stays the only warehouse writer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from prefect.task_runners import ThreadPoolTaskRunner

TASK_RUNNERS = ("thread", "dask")


def make_task_runner(kind: str = "thread", address: str | None = None, workers: int = 2) -> Any:
    """Build the task runner a flow runs its tasks on.

    Args:
        kind: 'thread' (default, one process) or 'dask' (prefect-dask DaskTaskRunner).
        address: scheduler address of an existing Dask cluster (e.g. 'tcp://10.0.0.5:8786');
            without it a LocalCluster is started for the flow run.
        workers: LocalCluster worker processes.
    """
    if kind == "thread":
        return ThreadPoolTaskRunner(max_workers=4)
    if kind != "dask":
        raise ValueError(f"unknown task runner {kind!r}; choose one of {', '.join(TASK_RUNNERS)}")
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                        "dashboard_address": None},
    )


@contextlib.contextmanager
def shared_dask_cluster(kind: str, address: str | None, workers: int = 2) -> Iterator[str | None]:
    """One LocalCluster for every step of a flow run (starting one costs seconds).

    Yields the scheduler address the steps should use: the given one, a fresh LocalCluster's,
    or None when the runner is not Dask.
    """
    if kind != "dask" or address:
        yield address
        return
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        yield cluster.scheduler_address
