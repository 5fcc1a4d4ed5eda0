"""Distributions, paths and their evaluation, with hand-computed values."""

import numpy as np
import pytest
from pydantic import TypeAdapter

from talentsim.scenario.inputs import Quantity, evaluate, iter_dists, quantity_range, support

Q = TypeAdapter(Quantity)
YEARS = np.arange(2020, 2026)


def ev(raw, samples=None, n=2):
    return evaluate(Q.validate_python(raw), "x", YEARS, samples or {}, n)


def test_constant_broadcasts_to_draws_and_years():
    out = ev(0.5)
    assert out.shape == (2, 6) and np.all(out == 0.5)


def test_growth_path_compounds_from_base_year():
    out = ev({"path": "growth", "value": 100.0, "rate": 0.1, "base_year": 2022})
    np.testing.assert_allclose(out[0], [100 / 1.21, 100 / 1.1, 100, 110, 121, 133.1])


def test_steps_hold_until_next_listed_year_and_first_value_before():
    out = ev({"path": "steps", "values": {2021: 1.0, 2024: 3.0}})
    np.testing.assert_array_equal(out[0], [1, 1, 1, 1, 3, 3])


def test_explicit_interpolates_linearly_and_holds_flat_outside():
    out = ev({"path": "explicit", "values": {2021: 10.0, 2023: 20.0}})
    np.testing.assert_allclose(out[0], [10, 10, 15, 20, 20, 20])


def test_uncertain_path_parameters_take_each_draws_sample():
    raw = {"path": "growth", "value": {"dist": "uniform", "low": 1, "high": 2},
           "rate": {"dist": "uniform", "low": 0, "high": 1}, "base_year": 2020}
    samples = {"x.value": np.array([1.0, 2.0]), "x.rate": np.array([0.0, 0.5])}
    out = ev(raw, samples)
    np.testing.assert_allclose(out[:, 2], [1.0, 2.0 * 1.5**2])


def test_iter_dists_names_are_field_paths():
    q = Q.validate_python({"path": "explicit", "values": {2030: {"dist": "uniform", "low": 0, "high": 1}, 2040: 2.0}})
    assert [name for name, _ in iter_dists(q, "demo.s18")] == ["demo.s18.values.2030"]


@pytest.mark.parametrize(
    "raw, median, lo, hi",
    [
        ({"dist": "normal", "mean": 3, "sd": 1}, 3, -np.inf, np.inf),
        ({"dist": "lognormal", "median": 2, "sigma": 0.5}, 2, 0, np.inf),
        ({"dist": "truncnormal", "mean": 0, "sd": 1, "low": -1, "high": 1}, 0, -1, 1),
        ({"dist": "uniform", "low": 2, "high": 4}, 3, 2, 4),
        ({"dist": "triangular", "low": 0, "mode": 1, "high": 2}, 1, 0, 2),
        ({"dist": "beta", "a": 2, "b": 2, "low": 10, "high": 20}, 15, 10, 20),
        ({"dist": "pert", "low": 0, "mode": 5, "high": 10}, 5, 0, 10),
    ],
)
def test_every_distribution_kind_has_its_median_and_support(raw, median, lo, hi):
    d = Q.validate_python(raw)
    assert d.frozen().ppf(0.5) == pytest.approx(median)
    assert support(d) == (lo, hi)


def test_pert_matches_its_mean_formula():
    d = Q.validate_python({"dist": "pert", "low": 0, "mode": 2, "high": 10})
    assert d.frozen().mean() == pytest.approx((0 + 4 * 2 + 10) / 6)


def test_quantity_range_of_a_growth_path_covers_the_years():
    q = Q.validate_python({"path": "growth", "value": 1.0, "rate": 0.1, "base_year": 2020})
    lo, hi = quantity_range(q, range(2020, 2023))
    assert lo == pytest.approx(1.0) and hi == pytest.approx(1.21)
