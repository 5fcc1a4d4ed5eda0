"""Sampling designs: reproducible, chunk-invariant, one stream per input."""

import itertools

import numpy as np
import pytest
from scipy import stats

import talentsim as ts
from talentsim.sampling import BLOCK


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_chunks_give_the_same_values_as_one_pass(baseline, method):
    draws = ts.sample_inputs(baseline, n_draws=BLOCK + 900, method=method, rng=5)
    whole = draws.chunk(0, draws.n_draws)
    cuts = [0, 7, 1000, BLOCK, BLOCK + 1, draws.n_draws]
    parts = [draws.chunk(a, b) for a, b in itertools.pairwise(cuts)]
    for name in draws.names:
        np.testing.assert_array_equal(np.concatenate([p[name] for p in parts]), whole[name])


def test_same_seed_same_values_other_seed_other_values(baseline):
    a = ts.sample_inputs(baseline, 100, "mc", rng=1).chunk(0, 100)
    b = ts.sample_inputs(baseline, 100, "mc", rng=1).chunk(0, 100)
    c = ts.sample_inputs(baseline, 100, "mc", rng=2).chunk(0, 100)
    name = "education.entry_rate"
    np.testing.assert_array_equal(a[name], b[name])
    assert not np.array_equal(a[name], c[name])


@pytest.mark.parametrize("method", ["mc", "lhs"])
def test_an_input_keeps_its_draws_when_another_input_is_added(prior_baseline, method):
    d1 = ts.sample_inputs(prior_baseline, 200, method, rng=3)
    fewer = type(d1)(inputs=tuple(x for x in d1.inputs if x[0] != "education.ai_share.rate"),
                     n_draws=200, method=method, seed=3)
    a, b = d1.chunk(0, 200), fewer.chunk(0, 200)
    for name in fewer.names:
        np.testing.assert_array_equal(a[name], b[name])


def test_lhs_puts_exactly_one_draw_in_each_stratum(baseline):
    n = 1000
    u = ts.sample_inputs(baseline, n, "lhs", rng=9).uniforms(0, n)
    for values in u.values():
        assert np.array_equal(np.sort(np.floor(values * n).astype(int)), np.arange(n))


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_samples_follow_their_distribution(prior_baseline, method):
    n = 4096
    draws = ts.sample_inputs(prior_baseline, n, method, rng=4)
    values = draws.chunk(0, n)
    for name, dist in draws.inputs[:10]:
        assert stats.kstest(values[name], dist.frozen().cdf).pvalue > 1e-3, name


def test_bad_arguments_are_rejected(baseline):
    with pytest.raises(ValueError, match="sampling method"):
        ts.sample_inputs(baseline, 10, "halton")
    with pytest.raises(ValueError, match="n_draws"):
        ts.sample_inputs(baseline, 0)


def test_a_pinned_posterior_holds_row_indices_not_a_value_per_draw(baseline):
    """A million draws of the calibrated baseline must not hold 100 inputs x a million values
    (800 MB): each pinned input keeps its posterior values and the shared row index per draw,
    and a chunk gathers the same values as the whole column would give."""
    from talentsim.sampling import Gathered

    draws = ts.sample_inputs(baseline, 100_000, "lhs", rng=3)
    pinned = {name: v for name, v in draws.fixed.items() if isinstance(v, Gathered)}
    assert len(pinned) >= 50
    rows = {id(v.rows) for v in pinned.values()}
    assert len(rows) == 1  # one row index shared by every column of the posterior
    assert all(v.values.size < 10_000 for v in pinned.values())
    name, column = next(iter(pinned.items()))
    np.testing.assert_array_equal(draws.chunk(41_000, 41_500)[name], np.asarray(column)[41_000:41_500])
