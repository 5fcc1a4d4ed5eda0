"""Shared fixtures: the repository's scenarios, a scenario writer and one cached baseline run."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest
import yaml

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def write_scenario(directory: Path, name: str, body: dict, extends: str | Path | None = BASELINE) -> Path:
    """Write ``body`` as ``directory/name.yaml``; it extends the baseline unless told otherwise."""
    data = {"name": name, **body}
    if extends is not None:
        data["extends"] = str(extends)
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def baseline():
    import talentsim as ts

    return ts.load_scenario(BASELINE)


@pytest.fixture(scope="session")
def prior_baseline(baseline):
    """The baseline with its priors only (no ``inputs_from:`` posterior): for tests of the
    sampling machinery itself."""
    return baseline.model_copy(update={"inputs_from": None})


@pytest.fixture(scope="session")
def baseline_run(baseline):
    """500 LHS draws of the baseline (shared by the identity and regression tests)."""
    import talentsim as ts

    return ts.simulate(baseline, ts.sample_inputs(baseline, n_draws=500, method="lhs", rng=11))


#: fuzz cases tried per property in this session (tests/test_fuzz.py), printed at the end
FUZZ_CASES: dict[str, int] = {}


def pytest_terminal_summary(terminalreporter):
    if FUZZ_CASES:
        detail = ", ".join(f"{name} {n}" for name, n in FUZZ_CASES.items())
        terminalreporter.write_line(f"fuzz: {sum(FUZZ_CASES.values())} cases tried ({detail})")
