"""Pinned figures of the shipped baseline (500 LHS draws, seed 11): medians, tight tolerances.
A change here is a change of the model's answer: update the pins only with a reason in the
commit message."""

import numpy as np
import pytest


def med(run, metric, year):
    return float(np.median(run[metric][:, list(run.years).index(year)]))


def test_anchors_of_the_2024_workforce_and_diaspora(baseline_run):
    assert med(baseline_run, "ai_workforce", 2024) == pytest.approx(57_000, rel=0.05)
    assert med(baseline_run, "diaspora", 2024) == pytest.approx(11_000, rel=0.15)
    assert np.all(baseline_run["emigration"] > 0)
    # net flow outward in 2024
    assert med(baseline_run, "emigration", 2024) > med(baseline_run, "inflow_returnees", 2024)


@pytest.mark.parametrize(
    "metric, year, value, rel",
    [
        # model v2 (issues 13 and 14, merged): cohort18 from births t-18 and t-19, entry from births
        # t-19 under admission quotas, seat-bound AI graduate schools; hiring bounded by jobs, fixed
        # pay references, a regional diaspora that ages and retires, foreign-born leavers; levers
        # that draw on finite pools. Against education v2 alone: master's/PhD graduates 2030 -1 %
        # (fellowship switchers now come from graduates), workforce 2035 -3.4 % and 2050 -9.7 %
        # (pay references, foreign-born leavers, finite reskilling and visa pools), diaspora 2035
        # -7 % (ageing and retirement abroad), shortage 2035 +11 %; outside applicants to the AI
        # graduate schools from a finite pool: master's graduates 2030 -1.2 %. Those outside
        # applicants now come from the engineers' (reskilling) pool after the reskilled, ~0.5k
        # admitted a year instead of ~1.2k: master's graduates 2030 -8.7 %, workforce 2035 -2.0 %
        # and 2050 -3.5 %, shortage 2035 +5.2 %. The baseline then took its inputs from the
        # posterior given 2010-2024 history (inputs_from, scenarios/calibrated/): against the
        # priors, AI-track entrants 2024 +3.5 %, master's graduates 2030 +16 %, PhD graduates 2030
        # +14 % (more bachelor's graduates go on to study), workforce 2035 +4.9 % and 2050 +6.4 %,
        # shortage 2035 -15 %. PhD applicants who give up re-enter with the degree they hold
        # (bachelor's or master's, not all as master's); the posterior re-made with that model
        # (ESS 1,472, was 1,746): master's graduates 2030 -1.9 %, workforce 2035 -1.9 % and 2050
        # -3.5 %, emigration 2030 -4.5 %, shortage 2035 +8.5 %. Session 5: R&D money's cap sourced
        # (mode 770, was 900) and the calibration's SMC mixing (6 accepted moves per particle and
        # stage, was 1.5; the old posterior moved with the seed by up to 4 posterior sd): the new
        # posterior has a lower shortage sensitivity (0.33, was 0.52) and 1.4x wider spreads (median);
        # four-year entrants 2024 -3.7 %, AI-track entrants -3.1 %, master's graduates 2030 -2.4 %,
        # PhD graduates 2030 +2.4 %, workforce 2035 +1.3 % and 2050 +0.9 %, diaspora_us 2035 +7 %,
        # shortage 2035 -5.4 %. Engine speed-ups (perf5) move outputs by < 3e-10 relative
        ("cohort18", 2024, 432_766, 0.001),
        ("cohort18", 2042, 227_628, 0.005),
        ("ai_track_entrants", 2024, 28_317, 0.01),
        ("four_year_entrants", 2024, 322_022, 0.01),
        ("grads_bachelor", 2024, 25_074, 0.01),
        ("grads_bachelor", 2030, 25_476, 0.01),
        ("grads_master", 2024, 5_078, 0.01),
        ("grads_master", 2030, 5_654, 0.01),
        ("grads_phd", 2024, 1_548, 0.01),
        ("grads_phd", 2030, 1_754, 0.01),
        ("ai_workforce", 2024, 58_126, 0.01),
        ("ai_workforce", 2035, 88_929, 0.01),
        ("ai_workforce", 2050, 101_648, 0.01),
        ("diaspora", 2035, 15_323, 0.01),
        ("diaspora_us", 2035, 9_770, 0.02),
        ("emigration", 2030, 1_288, 0.02),
        ("shortage", 2035, 23_639, 0.02),
    ],
)
def test_baseline_key_figures(baseline_run, metric, year, value, rel):
    assert med(baseline_run, metric, year) == pytest.approx(value, rel=rel)
