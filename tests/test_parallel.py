"""run_tasks with worker processes: results in task order, and none kept after it is consumed
(the main process must not hold every result of a long run)."""

import gc
import weakref

import numpy as np

from talentsim.engine.parallel import run_tasks


def test_results_in_order_and_let_go_once_consumed():
    tasks = [(100 + i,) for i in range(7)]
    seen, refs = [], []
    for result in run_tasks(np.ones, tasks, workers=2):
        seen.append(result.size)
        refs.append(weakref.ref(result))
        del result
        gc.collect()
        # the generator may hold the latest result until resumed, never the earlier ones
        assert all(r() is None for r in refs[:-1]), "a consumed result is still referenced"
    assert seen == [100 + i for i in range(7)]
