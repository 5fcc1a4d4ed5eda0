"""The rank-correlation step, LHS jitter within strata and the quantile columns of ``compare``,
by hand (issue #12: places a mutation of the code went undetected)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import talentsim as ts
from talentsim.analysis.compare import lever_row, paired_differences
from talentsim.results import Run
from talentsim.sampling import Draws, _correlate, permutation_slice, stream_key


# ------------------------------------------------------------------ rank correlation (Gaussian copula)
def test_correlation_step_by_hand():
    # z = Phi^-1(u); the second input becomes r z_a + sqrt(1 - r^2) z_b with the normal-scale
    # r = 2 sin(pi rho / 6); the first (in name order) keeps its values
    ua, ub = np.array([0.3, 0.8, 0.05]), np.array([0.6, 0.1, 0.7])
    u = {"b_input": ub.copy(), "a_input": ua.copy()}
    _correlate(u, [("b_input", "a_input", 0.6)])
    r = 2 * np.sin(np.pi * 0.6 / 6)
    za, zb = stats.norm.ppf(ua), stats.norm.ppf(ub)
    np.testing.assert_allclose(u["a_input"], ua, rtol=1e-12)
    np.testing.assert_allclose(u["b_input"], stats.norm.cdf(r * za + np.sqrt(1 - r**2) * zb), rtol=1e-12)


def test_three_inputs_follow_the_cholesky_factor():
    rng = np.random.default_rng(3)
    u0 = {k: rng.random(5) for k in ("x", "y", "z")}
    u = {k: v.copy() for k, v in u0.items()}
    pairs = [("x", "y", 0.4), ("y", "z", -0.3)]
    _correlate(u, pairs)
    m = np.eye(3)
    m[0, 1] = m[1, 0] = 2 * np.sin(np.pi * 0.4 / 6)
    m[1, 2] = m[2, 1] = 2 * np.sin(np.pi * -0.3 / 6)
    z = np.stack([stats.norm.ppf(u0[k]) for k in ("x", "y", "z")])
    expected = stats.norm.cdf(np.linalg.cholesky(m) @ z)
    np.testing.assert_allclose(np.stack([u[k] for k in ("x", "y", "z")]), expected, rtol=1e-10)


@pytest.mark.parametrize("rho", [0.6, -0.35])
def test_declared_spearman_correlation_within_four_standard_errors(rho):
    # Fisher-z of a Spearman coefficient: var ~ (1 + r^2 / 2) / (n - 3) (Bonett & Wright 2000)
    n = 20000
    names = ("a", "b")
    draws = Draws(inputs=tuple((k, None) for k in names), n_draws=n, method="mc", seed=5,
                  correlations=(("a", "b", rho),))
    u = draws.uniforms(0, n)
    r = stats.spearmanr(u["a"], u["b"]).statistic
    se = np.sqrt((1 + rho**2 / 2) / (n - 3))
    assert abs(np.arctanh(r) - np.arctanh(rho)) < 4 * se


# ------------------------------------------------------------------ LHS: one draw per stratum, jittered
def test_lhs_jitter_is_the_inputs_own_uniform_stream_within_its_stratum():
    n = 257
    inputs = (("alpha", None), ("beta", None))
    lhs = Draws(inputs=inputs, n_draws=n, method="lhs", seed=9).uniforms(0, n)
    mc = Draws(inputs=inputs, n_draws=n, method="mc", seed=9).uniforms(0, n)
    for name in ("alpha", "beta"):
        key = np.random.SeedSequence(entropy=9, spawn_key=(stream_key(name), 1)).generate_state(1, np.uint64)[0]
        strata = permutation_slice(n, key, 0, n)
        assert np.array_equal(np.sort(strata), np.arange(n))
        # draw i lies in its stratum, at the position of the input's own uniform draw i
        np.testing.assert_allclose(lhs[name], (strata + mc[name]) / n, rtol=0, atol=1e-15)
        assert np.array_equal(np.floor(lhs[name] * n).astype(int), strata)
    assert not np.allclose(lhs["alpha"], lhs["beta"])


def test_lhs_jitter_is_not_the_stratum_centre(baseline):
    u = ts.sample_inputs(baseline, 64, "lhs", rng=2).uniforms(0, 64)
    frac = [np.modf(v * 64)[0] for v in u.values()]
    # uniform jitter: spread over (0, 1), not all 0.5; mean 1/2 within 4 SE (sd 1/sqrt(12))
    pooled = np.concatenate(frac)
    assert pooled.std() > 0.2
    assert abs(pooled.mean() - 0.5) < 4 / np.sqrt(12 * pooled.size)


# ------------------------------------------------------------------ compare: quantile columns
def runs(years=(2030, 2035)):
    n = 101
    base = np.full((n, len(years)), 1000.0)
    step = np.arange(n, dtype=float)[::-1]  # reversed: the quantiles must sort the draws
    alt = base + step[:, None] * np.array([1.0, 3.0])[: len(years)]
    spend_b = np.zeros((n, len(years)))
    spend_a = spend_b + 10.0
    y = np.array(years)
    return (Run("base", y, {"ai_workforce": base, "budget_spent": spend_b}),
            Run("alt", y, {"ai_workforce": alt, "budget_spent": spend_a}))


def test_paired_difference_quantile_columns_by_hand():
    base, alt = runs()
    table = paired_differences(base, alt)
    row = table[(table.metric == "ai_workforce") & (table.year == 2035)].iloc[0]
    # differences 0, 3, ..., 300 over 101 draws: the q-quantile is 300 q exactly
    assert (row.p05, row.p25, row.p50, row.p75, row.p95) == pytest.approx((15.0, 75.0, 150.0, 225.0, 285.0))
    assert row["mean"] == pytest.approx(150.0)
    assert row.p_greater == pytest.approx(100 / 101)  # the draw with difference 0 is not greater
    first = table[(table.metric == "ai_workforce") & (table.year == 2030)].iloc[0]
    assert (first.p05, first.p95) == pytest.approx((5.0, 95.0))
    assert row.scenario == "alt"


def test_lever_row_quantiles_by_hand():
    base, alt = runs()
    row = lever_row(base, alt)
    assert row["extra_workers_2030"] == pytest.approx(50.0)
    assert row["extra_workers_2035"] == pytest.approx(150.0)
    assert row["extra_workers_2035_p05"] == pytest.approx(15.0)
    assert row["extra_workers_2035_p95"] == pytest.approx(285.0)
    assert np.isnan(row["extra_workers_2040"])
    assert row["extra_budget_krw_bn"] == pytest.approx(20.0)
    assert row["krw_bn_per_extra_worker_2035"] == pytest.approx(20.0 / 150.0)


def test_lever_row_cost_per_worker_by_hand_in_2050_and_undefined_without_extra_workers():
    years = np.array([2035, 2050])
    n = 11
    base = np.full((n, 2), 1000.0)
    # 2035: every draw loses 40 workers (people still studying); 2050: +0, +10, ..., +100
    alt = base + np.column_stack([np.full(n, -40.0), 10.0 * np.arange(n)])
    spend = np.column_stack([np.full(n, 30.0), np.full(n, 5.0)])
    row = lever_row(Run("base", years, {"ai_workforce": base, "budget_spent": np.zeros((n, 2))}),
                    Run("alt", years, {"ai_workforce": alt, "budget_spent": spend}))
    assert row["extra_workers_2035"] == -40.0 and np.isnan(row["krw_bn_per_extra_worker_2035"])
    assert row["extra_workers_2050"] == 50.0
    assert row["krw_bn_per_extra_worker_2050"] == pytest.approx((30.0 + 5.0) / 50.0)
    # more workers without extra money (a fertility path): no cost per worker
    free = lever_row(Run("base", years, {"ai_workforce": base, "budget_spent": np.zeros((n, 2))}),
                     Run("alt", years, {"ai_workforce": alt, "budget_spent": np.zeros((n, 2))}))
    assert np.isnan(free["krw_bn_per_extra_worker_2050"])
