"""The one-pass streaming summary: identical whatever the chunking, within its recorded bound of
the in-memory summary, and exact-range fallback when the pilot's range is too narrow."""

import numpy as np
import pandas as pd
import pytest

import talentsim as ts
from talentsim.engine import streaming
from talentsim.engine.streaming import BINS, BLOCK, _block_sums, summarize_streaming

from .conftest import write_scenario


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    return ts.load_scenario(write_scenario(tmp_path_factory.mktemp("s"), "short", {"horizon": {"start": 2024, "end": 2030}}))


def test_block_sums_are_per_block_and_chunk_independent():
    rng = np.random.default_rng(3)
    v = np.asfortranarray(rng.lognormal(10, 3, size=(3 * BLOCK + 7, 4)))  # draws contiguous, as the engine's
    whole = _block_sums(v)
    split = np.concatenate([_block_sums(v[: 2 * BLOCK]), _block_sums(v[2 * BLOCK :])])
    np.testing.assert_array_equal(whole, split)
    # each block is the sum of its own BLOCK draws (the last one of the 7 left), to the bit of
    # numpy's sum of that block alone, wherever the block sits in memory
    np.testing.assert_array_equal(whole[1], np.ascontiguousarray(v[BLOCK : 2 * BLOCK].T).sum(axis=1))
    np.testing.assert_array_equal(whole[-1], np.ascontiguousarray(v[3 * BLOCK :].T).sum(axis=1))
    shifted = np.empty(v.size + 1)[1:].reshape(v.shape[::-1]).T  # 8 bytes off the original alignment
    shifted[...] = v
    np.testing.assert_array_equal(_block_sums(shifted), whole)
    assert whole.shape == (4, 4)


def test_streaming_is_identical_whatever_the_chunk_size_or_workers(short):
    draws = ts.sample_inputs(short, 2300, "lhs", rng=7)
    a = summarize_streaming(short, draws, chunk_size=500)
    b = summarize_streaming(short, draws, chunk_size=1500)
    c = summarize_streaming(short, draws, chunk_size=1000, workers=2)
    assert a.passes == b.passes == c.passes == 1
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.summary, c.summary)
    pd.testing.assert_series_equal(a.max_quantile_error, c.max_quantile_error)


def test_narrow_pilot_range_falls_back_to_an_exact_range(short, monkeypatch):
    draws = ts.sample_inputs(short, 1500, "lhs", rng=8)
    exact = ts.summarize(ts.simulate(short, draws)).set_index(["metric", "year"])
    monkeypatch.setattr(streaming, "MARGIN", -0.49)  # the range keeps only the pilot's middle 2 %
    monkeypatch.setattr(streaming, "PILOT", 200)
    streamed = summarize_streaming(short, draws, chunk_size=500)
    assert streamed.passes == 2
    approx = streamed.summary.set_index(["metric", "year"])
    bound = streamed.max_quantile_error.reindex(approx.index.get_level_values(0)).to_numpy()
    assert np.all(bound >= 0)
    for col in ("p05", "p25", "p50", "p75", "p95", "se_p50"):
        err = np.abs(approx[col] - exact[col]).to_numpy()
        assert np.all(err <= bound + 1e-9), col
    np.testing.assert_allclose(approx["mean"], exact["mean"], rtol=1e-12, atol=1e-9)
    assert BINS == 4096


def test_cli_methods_match_sampling_and_import_is_lean():
    import subprocess
    import sys

    from talentsim import sampling
    from talentsim.cli import run as cli_run

    assert cli_run.METHODS == sampling.METHODS
    code = "import sys, talentsim; print(sorted({'pandas', 'scipy', 'pydantic', 'matplotlib', 'pyarrow'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_the_recorded_bound_is_the_pilot_range_widened_by_the_margin(short, monkeypatch):
    # range per metric and year: the first PILOT draws' [min, max] widened by MARGIN x span each
    # side, so the bound is (1 + 2 MARGIN) x span / BINS; the manifest keeps each metric's largest
    monkeypatch.setattr(streaming, "PILOT", 300)
    draws = ts.sample_inputs(short, 1200, "lhs", rng=9)
    run = ts.simulate(short, draws)
    streamed = summarize_streaming(short, draws, chunk_size=500)
    assert streamed.passes == 1
    for name, v in run.metrics.items():
        pilot = v[:300]
        span = pilot.max(axis=0) - pilot.min(axis=0)
        varies = v.max(axis=0) > v.min(axis=0)
        want = np.where(varies, (1 + 2 * streaming.MARGIN) * span / BINS, 0.0).max()
        assert streamed.max_quantile_error[name] == pytest.approx(want, rel=1e-9, abs=1e-12), name
    assert streamed.max_quantile_error.nunique() > 10  # per metric, not one figure for all


def test_the_pass_hands_each_chunks_inputs_over_once_in_draw_order(short):
    """summarize_streaming(on_inputs=...) gives each chunk's input values (draws.chunk) once, in
    draw order, during the one pass (not the pilot's); its table is a fresh 0..n-1 index.
    Only a pass in this process can call back."""
    draws = ts.sample_inputs(short, 1300, "lhs", rng=5)
    seen = []
    out = summarize_streaming(short, draws, chunk_size=500,
                              on_inputs=lambda a, b, values: seen.append((a, b, values)))
    assert [(a, b) for a, b, _ in seen] == [(0, 500), (500, 1000), (1000, 1300)]
    for a, b, values in seen:
        expected = draws.chunk(a, b)
        assert sorted(values) == sorted(expected)
        for name in draws.names:
            np.testing.assert_array_equal(values[name], expected[name], err_msg=name)
    assert out.summary.index.equals(pd.RangeIndex(len(out.summary)))
    with pytest.raises(ValueError, match=r"on_inputs needs the pass in this process \(workers=1, no scheduler\)"):
        summarize_streaming(short, draws, workers=2, on_inputs=lambda *args: None)
