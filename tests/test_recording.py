"""The engine's metric recording: chunks written straight into the run's arrays (Buffers) give
the same bits, the same layout and separate arrays whatever the chunking, workers or metric
selection."""

import mmap
import platform
import sys

import numpy as np
import pytest

import talentsim as ts
from talentsim.engine import memory
from talentsim.engine.cohort import Buffers, simulate_chunk

from .conftest import write_scenario


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    return ts.load_scenario(write_scenario(tmp_path_factory.mktemp("s"), "short", {"horizon": {"start": 2024, "end": 2031}}))


@pytest.fixture(scope="module")
def draws(short):
    return ts.sample_inputs(short, 230, "mc", rng=8)


@pytest.fixture(scope="module")
def whole(short, draws):
    """All draws in one chunk, each metric in its own new array (no Buffers)."""
    return simulate_chunk(short, draws)[0]


@pytest.mark.parametrize("chunk_size, workers", [(230, 1), (37, 1), (100, 2)])
def test_run_arrays_are_the_chunks_bits_in_engine_layout(short, draws, whole, chunk_size, workers):
    run = ts.simulate(short, draws, chunk_size=chunk_size, workers=workers)
    assert set(run.metrics) == set(whole)
    for name, v in run.metrics.items():
        np.testing.assert_array_equal(v, whole[name], err_msg=name)
        assert v.shape == (230, len(short.years)) and v.flags.f_contiguous, name


def test_run_arrays_do_not_share_memory(short, draws):
    run = ts.simulate(short, draws, chunk_size=50)
    names = sorted(run.metrics)
    a, b = run.metrics[names[0]], run.metrics[names[1]]
    assert not np.shares_memory(a, b)
    before = b.copy()
    a[...] = -1.0
    np.testing.assert_array_equal(b, before)


@pytest.mark.parametrize("workers", [1, 2])
def test_selected_metrics_only_with_the_same_bits(short, draws, whole, workers):
    keep = ["ai_workforce", "grads_phd", "diaspora"]
    run = ts.simulate(short, draws, chunk_size=60, metrics=keep, workers=workers)
    assert sorted(run.metrics) == sorted(keep)
    for name in keep:  # the others went to the scratch array and did not overwrite these
        np.testing.assert_array_equal(run[name], whole[name], err_msg=name)


def test_reused_buffers_hold_the_latest_chunk(short, draws, whole):
    buf = Buffers(50)
    for start in (0, 50, 100):  # the same arrays, chunk after chunk
        got = simulate_chunk(short, draws, start, start + 50, into=buf.at(0, 50))[0]
        for name in ("ai_workforce", "students_bachelor"):
            np.testing.assert_array_equal(got[name], whole[name][start : start + 50], err_msg=name)
            assert np.shares_memory(got[name], buf.arrays[name])


needs_huge_pages = pytest.mark.skipif(not hasattr(mmap, "MADV_HUGEPAGE"), reason="no MADV_HUGEPAGE here")


@needs_huge_pages
def test_a_mapping_is_handed_out_again_only_once_nothing_uses_it(monkeypatch):
    monkeypatch.setattr(memory, "_pool", [])
    size = 3 * memory.HUGE_PAGE
    first = memory.huge_block(size)
    address = first.ctypes.data
    view = first[16:].reshape(-1, 8).T  # a view of a view: still holds the mapping
    del first
    second = memory.huge_block(size)  # in use: a new mapping
    assert not np.shares_memory(second, view)
    view[...] = 1.0
    second[...] = 2.0
    assert (view == 1.0).all()
    del view
    third = memory.huge_block(size - 8)  # nothing uses the first any more: it comes back
    assert third.ctypes.data == address
    assert len(memory._pool) == 2 and not np.shares_memory(second, third)


@needs_huge_pages
def test_the_pool_keeps_at_most_its_bytes_and_drops_mappings_too_small(monkeypatch):
    monkeypatch.setattr(memory, "_pool", [])
    monkeypatch.setattr(memory, "POOL_BYTES", 5 * memory.HUGE_PAGE)
    a = memory.huge_block(2 * memory.HUGE_PAGE)  # mapped with one huge page to align: 3 pages
    b = memory.huge_block(2 * memory.HUGE_PAGE)  # 6 pages in all: not kept
    assert [len(m.mapped) for m in memory._pool] == [3 * memory.HUGE_PAGE]
    del a, b
    c = memory.huge_block(3 * memory.HUGE_PAGE)  # the free one is too small: replaced, not added to
    assert [len(m.mapped) for m in memory._pool] == [4 * memory.HUGE_PAGE]
    assert memory._pool[0].user() is not None and c.base is memory._pool[0].user()


def test_runs_in_one_process_share_no_live_memory_and_repeat_their_bits(short, draws, whole):
    first = ts.simulate(short, draws, chunk_size=100)
    second = ts.simulate(short, draws, chunk_size=100)  # the first still alive: its own memory
    for name in ("ai_workforce", "grads_phd"):
        assert not np.shares_memory(first[name], second[name])
    first[name][...] = -1.0
    del first
    third = ts.simulate(short, draws, chunk_size=100)  # may write into the first's pages
    for name, v in third.metrics.items():
        np.testing.assert_array_equal(v, whole[name], err_msg=name)
        np.testing.assert_array_equal(second[name], whole[name], err_msg=name)


@needs_huge_pages
def test_release_unused_unmaps_only_what_nothing_uses(monkeypatch):
    monkeypatch.setattr(memory, "_pool", [])
    kept = memory.huge_block(2 * memory.HUGE_PAGE)
    dropped = memory.huge_block(4 * memory.HUGE_PAGE)
    del dropped
    assert memory.release_unused() == 5 * memory.HUGE_PAGE  # its size plus the alignment page
    assert len(memory._pool) == 1 and memory._pool[0].user() is kept.base
    kept[...] = 3.0  # still mapped
    assert memory.release_unused() == 0


@needs_huge_pages
def test_a_streaming_task_leaves_no_metric_arrays_behind(short, monkeypatch):
    from talentsim.engine import streaming

    monkeypatch.setattr(memory, "_pool", [])
    many = ts.sample_inputs(short, 1200, "mc", rng=8)  # chunks of 600: blocks of huge pages
    lo, hi = np.zeros((1, len(short.years))), np.full((1, len(short.years)), 1e6)
    streaming._one_pass(short, many, [(0, 600), (600, 1200)], ["ai_workforce"], lo, hi)
    assert memory._pool == []  # the task's arrays were unmapped when it ended
    ts.simulate(short, many, chunk_size=600)  # while an in-memory run's are kept for the next
    assert memory._pool and all(m.free() for m in memory._pool)


@needs_huge_pages
def test_two_threads_never_get_the_same_free_mapping(monkeypatch):
    import threading
    import time

    monkeypatch.setattr(memory, "_pool", [])
    first = memory.huge_block(memory.HUGE_PAGE)
    del first  # one free mapping in the pool
    found_free = memory._Mapping.free

    def slow_free(self):  # widen the window between finding a mapping free and handing it out
        free = found_free(self)
        time.sleep(0.02)
        return free

    monkeypatch.setattr(memory._Mapping, "free", slow_free)
    start, got = threading.Barrier(2), []

    def take() -> None:
        start.wait()
        got.append(memory.huge_block(memory.HUGE_PAGE))

    threads = [threading.Thread(target=take) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 2 and not np.shares_memory(got[0], got[1])


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_keeps_at_least_64_mib_of_freed_heap_for_the_next_chunk():
    assert memory._mallopt() is not None
    kept = memory.keep_freed_heap(10, 10)  # a tiny chunk still keeps the floor
    assert 64 << 20 <= kept <= memory.MAX_KEPT


def test_arena_arrays_start_on_64_bytes_and_never_overlap():
    arena = memory.Arena(per_block=4, block_bytes=1 << 20)
    arrays = [arena.empty(3, 7) for _ in range(6)]  # 21 elements: the next starts 24 elements on
    # within a block, 64 bytes apart (a small block is plain np.empty: only its offsets are aligned)
    assert all((a.ctypes.data - arrays[0].ctypes.data) % 64 == 0 for a in arrays[1:4])
    for j, a in enumerate(arrays):
        a[...] = j
    assert all((a == j).all() for j, a in enumerate(arrays))


def test_arena_blocks_hold_as_many_big_arrays_as_fit_in_block_bytes():
    # 240,000-byte arrays and 1 MiB blocks: four to a block (not per_block = 64), the fifth
    # starts a new block
    arena = memory.Arena(per_block=64, block_bytes=1 << 20)
    arrays = [arena.empty(3, 10_000) for _ in range(5)]
    blocks = {id(a.base if a.base is not None else a) for a in arrays}
    assert arena._block is not None and arena._block.nbytes == 4 * 240_000
    assert arrays[4].base is arena._block and arrays[0].base is not arena._block
    for j, a in enumerate(arrays):
        a[...] = j
    assert all((a == j).all() for j, a in enumerate(arrays)) and len(blocks) == 2


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_the_first_chunk_sets_the_heap_threshold(monkeypatch):
    monkeypatch.setattr(memory, "_kept", 0)  # as in a new process
    assert memory.keep_freed_heap(10, 10) == 64 << 20  # the floor, set through mallopt
