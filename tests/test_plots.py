"""Plots: each figure from a real small run has a title naming the scenario, axis labels with
units, a legend and visible bands; results directories render to PNG and SVG atomically."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from matplotlib.collections import PolyCollection
from matplotlib.container import ErrorbarContainer

import talentsim as ts
from talentsim import plots
from talentsim.cli import main

from .conftest import BASELINE, ROOT

SENS_COLUMNS = ["input", "group", "metric", "year", "low", "high", "swing", "S1", "S1_conf", "ST", "ST_conf"]


def make_sensitivity_dir(path: Path, scenario: str = "baseline", metric: str = "ai_workforce",
                         year: int = 2035) -> Path:
    """A small synthetic sensitivity results directory following the CLI's contract."""
    path.mkdir(parents=True, exist_ok=True)
    inputs = [("education.entry_rate", "education"), ("workforce.initial.total", "labour_market"),
              ("migration.emigration.base_rate", "migration"), ("market.demand.values.2030", "demand"),
              ("workforce.attrition", "labour_market")]
    rows = []
    for i, (name, group) in enumerate(inputs):
        swing = 6000.0 / (i + 1)
        low, high = 82000 - swing / 2, 82000 + swing / 2
        if i % 2:  # inputs that lower the output
            low, high = high, low
        for y in range(2024, 2041):
            st = 0.5 / (i + 1) + 0.01 * (y - 2024)
            row = {"input": name, "group": group, "metric": metric, "year": y,
                   "S1": 0.8 * st, "S1_conf": 0.02, "ST": st, "ST_conf": 0.03}
            if y == year:
                row.update(low=low, high=high, swing=high - low)
            rows.append(row)
    pd.DataFrame(rows, columns=SENS_COLUMNS).to_csv(path / "sensitivity.csv", index=False)
    groups = ("education", "labour_market", "migration", "demand", "interactions")
    shares = [{"group": g, "metric": metric, "year": y, "share": w}
              for y in range(2024, 2041) for g, w in zip(groups, (0.4, 0.3, 0.15, 0.1, 0.05))]
    pd.DataFrame(shares).to_csv(path / "variance_shares.csv", index=False)
    (path / "manifest.json").write_text(json.dumps({
        "kind": "sensitivity", "scenario": scenario, "metric": metric, "year": year,
        "draws": 64, "seed": 11, "talentsim_version": ts.__version__}))
    return path


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def summary(baseline):
    run = ts.simulate(baseline, ts.sample_inputs(baseline, n_draws=50, method="lhs", rng=5))
    return ts.summarize(run)


@pytest.fixture(scope="module")
def compared(baseline):
    alts = [ts.load_scenario(ROOT / "scenarios" / f"{n}.yaml") for n in ("reskilling_push", "retention_pay")]
    return ts.compare_policies(baseline, alts, n_draws=40, method="lhs", rng=5)


@pytest.fixture(scope="module")
def sensitivity_dir(tmp_path_factory):
    return make_sensitivity_dir(tmp_path_factory.mktemp("sens"))


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None, "no legend"
    return [t.get_text() for t in legend.get_texts()]


def has_bands(ax) -> bool:
    return any(isinstance(c, PolyCollection) and len(c.get_paths()) for c in ax.collections)


def tick_texts(ax, axis: str = "y") -> list[str]:
    ax.figure.canvas.draw()
    labels = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in labels]


def test_fan_chart_has_title_units_bands_and_legend(summary):
    ax = plots.fan_chart(summary, "ai_workforce")
    assert "baseline" in ax.get_title(loc="left") and "AI workers in Korea" in ax.get_title(loc="left")
    assert ax.get_xlabel() == "year" and "(people)" in ax.get_ylabel()
    texts = legend_texts(ax)
    assert any("median" in t for t in texts)
    assert any("50 % band" in t for t in texts) and any("90 % band" in t for t in texts)
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2  # 50 % and 90 % bands
    assert any("," in t for t in tick_texts(ax))  # thousands separators on a people axis


def test_fan_chart_overlays_scenarios_in_distinct_colours(summary):
    both = pd.concat([summary, summary.assign(scenario="alt", p50=summary["p50"] * 1.1)])
    ax = plots.fan_chart(both, "budget_spent")
    assert "baseline" in ax.get_title(loc="left") and "alt" in ax.get_title(loc="left")
    assert "KRW bn a year, constant 2024 prices" in ax.get_ylabel()
    assert ax.get_ylim()[0] == 0  # a level compared across years: the axis starts at zero
    texts = legend_texts(ax)
    assert "baseline: median" in texts and "alt: median" in texts
    colours = {tuple(np.round(line.get_color(), 3)) for line in ax.get_lines()}
    assert len(colours) == 2
    # budget_spent is certain: the legend says the bands have zero width
    assert any("zero width" in t for t in texts)


def test_fan_chart_unknown_metric_suggests_a_name(summary):
    with pytest.raises(ValueError, match="did you mean 'ai_workforce'"):
        plots.fan_chart(summary, "ai_workfroce")


def test_demography_marks_the_anchors(summary):
    ax = plots.demography(summary)
    assert "baseline" in ax.get_title(loc="left") and "18-year-olds" in ax.get_title(loc="left")
    assert "people" in ax.get_ylabel() and ax.get_xlabel() == "year"
    notes = " ".join(t.get_text() for t in ax.texts)
    assert "706,000" in notes and "443,000" in notes
    texts = legend_texts(ax)
    assert any("Statistics Korea" in t for t in texts) and any("published" in t for t in texts)
    assert has_bands(ax)
    # the history reaches back to the first data year and the projection to the horizon end
    lo, hi = ax.get_xlim()
    assert lo <= 1985 and hi >= 2050


def test_pipeline_and_flows(summary):
    ax = plots.pipeline(summary)
    assert "baseline" in ax.get_title(loc="left") and "people per year" in ax.get_ylabel()
    assert ax.get_yscale() == "log" and has_bands(ax)
    assert len([t for t in legend_texts(ax) if t.endswith("median")]) == 5
    ax = plots.flows(summary)
    assert "baseline" in ax.get_title(loc="left") and "people per year" in ax.get_ylabel()
    heights = [p.get_height() for p in ax.patches]
    assert min(heights) < 0 < max(heights)  # outflows below zero, inflows above
    texts = legend_texts(ax)
    assert {"in: graduates", "in: returnees", "out: emigration", "out: attrition to non-AI work"} <= set(texts)


def test_shortage_and_supply_demand(summary):
    ax = plots.shortage(summary)
    assert "baseline" in ax.get_title(loc="left") and "probability" in ax.get_ylabel()
    y = ax.get_lines()[0].get_ydata()
    assert np.all((y >= 0) & (y <= 1))
    assert any("%" in t for t in tick_texts(ax))
    assert legend_texts(ax)
    ax = plots.supply_demand(summary)
    assert "baseline" in ax.get_title(loc="left") and "people" in ax.get_ylabel()
    texts = legend_texts(ax)
    assert any("demand" in t for t in texts) and any("AI workforce" in t for t in texts)
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 4


def test_comparison_draws_paired_differences_as_dots_and_whiskers(compared):
    c = compared.comparison
    ax = plots.comparison(c, "ai_workforce", base="baseline")
    assert "baseline" in ax.get_title(loc="left") and "paired differences" in ax.get_title(loc="left")
    assert tick_texts(ax) == ["retention_pay\nminus baseline", "reskilling_push\nminus baseline"]
    assert ax.get_xlabel() == "difference in AI workers in Korea (people)"
    assert "ai_workforce" not in ax.get_xlabel() + ax.get_title(loc="left")  # no raw identifiers
    assert [t for t in legend_texts(ax) if "median" in t] == [f"{y}: median" for y in (2030, 2035, 2040, 2050)]
    assert not has_bands(ax)  # no overlaid absolute bands
    # each whisker runs from the 5 % to the 95 % quantile of the paired difference, at its year's colour
    row = c[(c.scenario == "reskilling_push") & (c.metric == "ai_workforce") & (c.year == 2035)].iloc[0]
    whiskers = [tuple(line.get_xdata()) for line in ax.get_lines() if len(line.get_xdata()) == 2]
    assert (row["p05"], row["p95"]) in whiskers and (row["p25"], row["p75"]) in whiskers
    dots = [line for line in ax.get_lines() if line.get_marker() == "o" and len(line.get_xdata()) == 1]
    assert len(dots) == 2 * 4 and len({line.get_color() for line in dots}) == 4


def test_distinct_colours_for_distinct_series(summary):
    ax = plots.pipeline(summary)
    colours = [line.get_color() for line in ax.get_lines()]
    assert len(set(colours)) == len(colours) == 5
    from matplotlib.colors import to_rgb

    def distance(a, b):
        return sum((x - y) ** 2 for x, y in zip(to_rgb(a), to_rgb(b))) ** 0.5

    names = [t for t in legend_texts(ax) if t.endswith("median")]
    by = dict(zip(names, colours))
    assert distance(by["bachelor's graduates: median"], by["PhD graduates: median"]) > 0.5
    from talentsim.plots.style import OUTFLOWS

    out = {m: c for m, _, c in OUTFLOWS}
    assert distance(out["emigration"], out["attrition"]) > 0.5


def test_lever_costs_error_bars_come_from_the_p05_p95_columns():
    levers = pd.DataFrame({
        "scenario": ["cheap", "flat", "dear"],
        "extra_budget_krw_bn": [500.0, 0.0, 500.0],
        "extra_workers_2030": [50.0, 0.0, 10.0],
        "extra_workers_2035": [100.0, 0.0, 20.0],
        "extra_workers_2040": [120.0, 0.0, 25.0],
        "extra_workers_2035_p05": [50.0, 0.0, 10.0],
        "extra_workers_2035_p95": [200.0, 0.0, 40.0],
        "krw_bn_per_extra_worker_2035": [2.0, np.nan, 5.0],
    })
    ax = plots.lever_costs(levers, base="baseline")
    assert "flat" in ax.get_title(loc="left") and "skipped" in ax.get_title(loc="left")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["dear", "cheap"]  # cheapest on top
    assert "cost per extra AI worker in 2035 (KRW bn, constant 2024 prices)" in ax.get_xlabel()
    (bars,) = [c for c in ax.containers if not isinstance(c, ErrorbarContainer)]
    assert [b.get_width() for b in bars] == [5.0, 2.0]
    (errors,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    spans = sorted((round(s[0][0], 6), round(s[1][0], 6)) for s in errors.lines[2][0].get_segments())
    # spend to 2035 = cost x median workers (200 and 100); bounds = spend / p95 and spend / p05
    assert spans == [(1.0, 4.0), (2.5, 10.0)]
    assert len(legend_texts(ax)) == 2


def test_sensitivity_plots(sensitivity_dir):
    frame = pd.read_csv(sensitivity_dir / "sensitivity.csv")
    ax = plots.tornado(frame, scenario="baseline")
    assert "baseline" in ax.get_title(loc="left") and "2035" in ax.get_title(loc="left")
    assert "(people)" in ax.get_xlabel()
    # largest swing on top, in plain words
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "Share of 18-year-olds entering tertiary education"
    assert not any("." in t.get_text() and "_" in t.get_text() for t in ax.get_yticklabels())
    assert any("low value" in t for t in legend_texts(ax))
    ax = plots.sobol_bars(frame, 2030, scenario="baseline")
    assert "baseline" in ax.get_title(loc="left") and "2030" in ax.get_title(loc="left")
    assert "Sobol index" in ax.get_xlabel() and len(legend_texts(ax)) == 2
    ax = plots.sobol_over_time(frame, scenario="baseline", max_inputs=3)
    assert "baseline" in ax.get_title(loc="left") and "variance" in ax.get_ylabel()
    assert has_bands(ax) and len(legend_texts(ax)) == 4
    shares = pd.read_csv(sensitivity_dir / "variance_shares.csv")
    ax = plots.variance_shares(shares, scenario="baseline")
    assert "baseline" in ax.get_title(loc="left") and "%" in ax.get_ylabel()
    assert len(ax.collections) == 5 and "interactions" in legend_texts(ax)


@pytest.fixture(scope="module")
def cli_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    run = CliRunner().invoke(main, ["run", str(BASELINE), "--draws", "40", "--seed", "7", "--no-draws",
                                    "--out", str(root / "run")], catch_exceptions=False)
    assert run.exit_code == 0, run.output
    files = [str(BASELINE)] + [str(ROOT / "scenarios" / f"{n}.yaml") for n in ("reskilling_push", "retention_pay")]
    comp = CliRunner().invoke(main, ["compare", *files, "--draws", "30", "--seed", "7",
                                     "--out", str(root / "compare")], catch_exceptions=False)
    assert comp.exit_code == 0, comp.output
    return root / "run", root / "compare"


def check_written(paths: list[Path], directory: Path, expected: set[str]) -> None:
    assert {p.name for p in paths} == expected
    assert sorted(p.name for p in (directory / "figures").iterdir()) == sorted(expected)  # no temp files
    for p in paths:
        data = p.read_bytes()
        if p.suffix == ".png":
            assert data.startswith(b"\x89PNG") and len(data) > 10_000
        else:
            assert b"<svg" in data[:2000] and len(data) > 10_000


def test_plot_results_dir_run_and_comparison(cli_dirs):
    run_dir, compare_dir = cli_dirs
    names = ["ai_workforce_fan", "demography", "pipeline", "flows", "shortage_probability", "supply_demand"]
    paths = plots.plot_results_dir(run_dir)
    written = {p.name for p in paths}
    assert {f"{n}.{ext}" for n in names for ext in ("png", "svg")} <= written
    check_written(paths, run_dir, written)
    paths = plots.plot_results_dir(compare_dir, formats=("png",))
    expected = {"supply_demand.png", "compare_ai_workforce.png", "lever_costs.png", "scenarios_ai_workforce_fan.png",
                "scenarios_shortage_probability.png"}
    assert expected <= {p.name for p in paths}
    check_written(paths, compare_dir, {p.name for p in paths})


def test_plot_results_dir_sensitivity(sensitivity_dir):
    paths = plots.plot_results_dir(sensitivity_dir)
    expected = {f"{n}.{ext}" for n in ("tornado", "sobol_2035", "sobol_over_time", "variance_shares")
                for ext in ("png", "svg")}
    check_written(paths, sensitivity_dir, expected)


def test_plot_results_dir_leaves_no_half_written_file(sensitivity_dir, monkeypatch):
    calls = {"n": 0}
    real = plots.render

    def failing(spec, fmt="png"):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        return real(spec, fmt)

    monkeypatch.setattr(plots.files, "render", failing)  # plot_results_dir renders via plots.files
    target = sensitivity_dir.parent / "sens_fail"
    make_sensitivity_dir(target)
    with pytest.raises(RuntimeError, match="disk on fire"):
        plots.plot_results_dir(target, formats=("png",))
    left = sorted(p.name for p in (target / "figures").iterdir())
    assert left == ["sobol_2035.png", "tornado.png"]  # the two finished ones, no temporary file


def test_plot_results_dir_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no manifest\.json"):
        plots.plot_results_dir(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "mystery"}))
    with pytest.raises(ValueError, match="kind: must be one of run, comparison, sensitivity"):
        plots.plot_results_dir(tmp_path)
    with pytest.raises(ValueError, match="formats: must be png, svg or pdf"):
        plots.plot_results_dir(tmp_path, formats=("gif",))


def test_importing_talentsim_does_not_import_matplotlib():
    code = ("import sys, talentsim, talentsim.plots, talentsim.report; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'seaborn')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_figure_file_has_a_caption_and_a_footer(cli_dirs):
    run_dir, compare_dir = cli_dirs
    for d, draws in ((run_dir, 40), (compare_dir, 30)):
        specs = plots.figures_for(d)
        for spec in specs:
            assert spec.caption, spec.name
            assert f"{draws} draws" in spec.footer, spec.footer
        footer = specs[0].footer
        assert "Source: talentsim" in footer and "seed 7" in footer and "constant 2024 prices" in footer
        assert " draws (lhs)" in footer and footer.count(";") >= 3
    assert plots.figures_for(run_dir)[0].name == "supply_demand"  # supply against demand first
    svg = plots.render(plots.figures_for(run_dir)[0], "svg").decode()
    assert "seed 7" in svg  # the footer is drawn into the file
