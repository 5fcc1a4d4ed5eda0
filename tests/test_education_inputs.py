"""Bad education inputs: one line each, FILE: field.path: what is wrong (got VALUE); nothing written."""

from pathlib import Path

from talentsim.scenario.load import validate_files

from .conftest import write_scenario


def problems(path: Path) -> list[str]:
    return [str(p) for p in validate_files([path])]


def test_a_quota_path_below_zero(tmp_path):
    path = write_scenario(tmp_path, "neg_quota", {"education": {"quota": {"four_year": {
        "path": "explicit", "values": {1980: 300000, 2030: -5}}}}})
    found = problems(path)
    assert len(found) == 1
    assert found[0].startswith(f"{path}: education.quota.four_year: must be >= 0 but can take -5 to 300000 (got ")
    assert "\n" not in found[0]


def test_a_fill_parameter_outside_0_1(tmp_path):
    path = write_scenario(tmp_path, "bad_fill", {"education": {"fill": {"max": 1.2}}})
    assert problems(path) == [f"{path}: education.fill.max: must be within [0, 1] (got 1.2)"]
    path = write_scenario(tmp_path, "bad_ratio", {"education": {"fill": {"full_ratio": 0, "gamma": -1}}})
    assert problems(path) == [f"{path}: education.fill.full_ratio: must be > 0 (got 0)",
                              f"{path}: education.fill.gamma: must be > 0 (got -1)"]


def test_a_quota_path_missing_the_first_simulated_years(tmp_path):
    # horizon 2024 -> simulated from 2004 (20 spin-up years); the path starts in 2018
    path = write_scenario(tmp_path, "late_quota", {"education": {"quota": {"junior_college": {
        "path": "explicit", "values": {2018: 210129, 2024: 166884}}}}})
    assert problems(path) == [
        f"{path}: education.quota.junior_college: the path starts in 2018, after the first simulated year 2004"
        " (horizon start - 20 spin-up years); give a value for 2004 or earlier"
        " (got {path: explicit, values: {2018: 210129, 2024: 166884}})"]


def test_all_education_problems_at_once_and_nothing_written(tmp_path):
    path = write_scenario(tmp_path, "many", {"education": {"fill": {"max": -0.1}, "max_ai_share": 2,
                                                           "quota": {"four_year": -1}}})
    before = sorted(p.name for p in tmp_path.iterdir())
    found = problems(path)
    assert [f.split(": ")[1] for f in found] == ["education.quota.four_year", "education.fill.max",
                                                 "education.max_ai_share"]
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_an_old_s18_key_is_an_unknown_key(tmp_path):
    path = write_scenario(tmp_path, "old", {"demography": {"s18": 1.0}})
    found = problems(path)
    assert len(found) == 1 and found[0].startswith(f"{path}: demography.s18: unknown key 's18'")
