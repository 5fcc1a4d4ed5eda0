"""Run chunk tasks in order on one process, local worker processes or a Dask cluster.

Results always come back in task order and each task is a pure function of its arguments, so
one worker, K workers and a cluster give identical outputs.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from multiprocessing import get_context
from typing import Any

#: tasks submitted ahead per worker process (enough to keep every worker busy)
AHEAD = 2


def _worker_init(parent: int) -> None:
    """Worker processes ignore Ctrl-C (the main process cancels and shuts the pool down) and
    exit by themselves if the main process dies (its pid stops being their parent), so no
    orphan keeps running after a crash or a kill."""
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.getppid() != parent:  # the main process died while this worker was starting
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="talentsim-parent-watch", daemon=True).start()


def chunk_bounds(n: int, chunk_size: int) -> list[tuple[int, int]]:
    """[(start, stop), ...] covering 0..n in chunks of ``chunk_size``."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1 (got {chunk_size})")
    return [(a, min(a + chunk_size, n)) for a in range(0, n, chunk_size)]


def run_tasks(
    func: Callable[..., Any],
    tasks: Sequence[tuple],
    *,
    workers: int = 1,
    scheduler: str | None = None,
) -> Iterator[Any]:
    """Yield ``func(*task)`` for every task, in task order.

    ``workers > 1`` uses that many local processes (spawned, so no state leaks between runs);
    ``scheduler`` is the address of an existing Dask distributed scheduler (``tcp://host:8786``)
    or a ``distributed.Client``; it needs the optional ``dask`` extra.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1 (got {workers})")
    if scheduler is not None:
        yield from _dask(func, tasks, scheduler)
        return
    if workers == 1 or len(tasks) <= 1:
        for task in tasks:
            yield func(*task)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                             initializer=_worker_init, initargs=(os.getpid(),)) as pool:
        # at most AHEAD tasks per worker submitted and not yet consumed, and a result is let go
        # once yielded: the main process holds a few results, not every result of the run
        todo = iter(tasks)
        pending = deque(pool.submit(func, *task) for task in islice(todo, AHEAD * workers))
        try:
            while pending:
                result = pending.popleft().result()
                for task in islice(todo, 1):
                    pending.append(pool.submit(func, *task))
                yield result
                del result
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def _dask(func, tasks, scheduler) -> Iterator[Any]:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "--scheduler needs Dask distributed: pip install 'talentsim[dask]'"
        ) from exc
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = [client.submit(func, *task, pure=False) for task in tasks]
        for future in futures:
            yield future.result()
    finally:
        if client is not scheduler:
            client.close()
