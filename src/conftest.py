"""Names the docstring examples of src/talentsim use (``pytest --doctest-modules src/talentsim``,
run by .ci/run from the repository root): the baseline scenario, 2000 of its draws (as in the README) and
their run, so that every example runs on the shipped scenario in a few seconds."""

import numpy as np
import pytest

import talentsim as ts


@pytest.fixture(scope="session")
def _baseline():
    scenario = ts.load_scenario("scenarios/baseline.yaml")
    draws = ts.sample_inputs(scenario, n_draws=2000, rng=20240601)  # the README's spine
    return scenario, draws, ts.simulate(scenario, draws)


@pytest.fixture(autouse=True)
def _doctest_names(request, doctest_namespace):
    if not isinstance(request.node, pytest.DoctestItem):
        return
    scenario, draws, run = request.getfixturevalue("_baseline")
    doctest_namespace.update(np=np, ts=ts, load_scenario=ts.load_scenario, sample_inputs=ts.sample_inputs,
                             simulate=ts.simulate, summarize=ts.summarize, scenario=scenario, draws=draws,
                             run=run)
