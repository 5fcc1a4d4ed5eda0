"""The engine's metric recording: chunks written straight into the run's arrays (Buffers) give
the same bits, the same layout and separate arrays whatever the chunking, workers or metric
selection."""

import numpy as np
import pytest

import talentsim as ts
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
