"""The HTML report: one self-contained file, figures embedded, no network references, the
assumptions and the manifest shown; and it renders in a headless browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from talentsim.cli import main
from talentsim.report import flatten_scenario, write_report

from .conftest import BASELINE, ROOT
from .test_plots import make_sensitivity_dir

SEED = 987_654
#: an http(s) URL in a src/href attribute or a CSS url(): anything a browser would fetch
REMOTE = re.compile(r"""(?:\b(?:src|href|srcset|poster|data|action)\s*=\s*["']?\s*(?:https?:)?//)"""
                    r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import)""", re.IGNORECASE)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    run = CliRunner().invoke(main, ["run", str(BASELINE), "--draws", "40", "--seed", str(SEED), "--no-draws",
                                    "--out", str(root / "run")], catch_exceptions=False)
    assert run.exit_code == 0, run.output
    files = [str(BASELINE), str(ROOT / "scenarios" / "reskilling_push.yaml")]
    comp = CliRunner().invoke(main, ["compare", *files, "--draws", "30", "--seed", "5",
                                     "--out", str(root / "compare")], catch_exceptions=False)
    assert comp.exit_code == 0, comp.output
    sens = make_sensitivity_dir(root / "sens")
    out = root / "out" / "report.html"
    assert write_report([root / "run", root / "compare", sens], out) == out
    return out


def test_report_is_one_self_contained_file(report):
    assert sorted(p.name for p in report.parent.iterdir()) == ["report.html"]  # no side files, no temp file
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert REMOTE.findall(page) == []
    for bad in ('<img src="https://x/a.png">', "<link href='http://x/s.css'>", "a { background: url(//x/b.png) }"):
        assert REMOTE.search(bad), bad  # the pattern does catch remote references
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert "default-src 'none'" in page  # the page forbids itself any fetch
    images = re.findall(r'<img [^>]*src="(data:image/png;base64,[A-Za-z0-9+/=]+)"', page)
    assert len(images) >= 10 and all(len(i) > 10_000 for i in images)


def test_report_shows_manifest_tables_and_assumptions(report):
    page = report.read_text(encoding="utf-8")
    # manifest: seed, draws, sampling, version
    assert f"<td>seed</td><td>{SEED}</td>" in page and "<td>draws</td><td>40</td>" in page
    assert "<td>sampling</td>" in page and "<td>talentsim_version</td>" in page
    # headline medians with bands, levers.csv, the sensitivity's top inputs
    assert "Headline" in page and "ai_workforce" in page and " to " in page
    assert "krw bn per extra worker 2035" in page and "reskilling_push" in page
    assert "Top inputs, one at a time" in page and "education.entry_rate" in page
    # the scenario file with its source comments, the resolved inputs, the cited sources
    assert "Source tags [F:...] point to rows of src/talentsim/data/SOURCES.md" in page
    assert "education.entry_rate</td><td>triangular(low=0.7, mode=0.728, high=0.75)" in page
    assert "[F:cohort18]" in page and "Statistics Korea" in page
    assert "has changed since the run" not in page
    assert "What reskilling_push changes relative to baseline" in page


def test_report_opens_with_key_messages_then_supply_and_demand(report):
    page = report.read_text(encoding="utf-8")
    key = page.index('id="key-messages"')
    assert key < page.index("<nav>") < page.index("supply_demand")
    items = re.findall(r"<li>(.*?)</li>", page[key:page.index("</section>", key)])
    assert 3 <= len(items) <= 5
    assert all(len(re.findall(r"\d[\d,]*", m)) >= 2 for m in items), items  # numbers, not boilerplate
    from talentsim.plots.files import read_results

    run = read_results(report.parent.parent / "run")
    s = run.frames["summary"].set_index(["metric", "year"])
    assert f"{s.loc[('ai_workforce', 2035), 'p50']:,.0f}" in items[0]  # the run's 2035 median, as computed
    # plain captions (not file names) and links to the CSV files
    assert "<figcaption>Figure 1. AI labour demand against the AI workforce" in page
    assert re.search(r'<a href="[^"]*summary\.csv">', page) and 'levers.csv</a>' in page
    assert "AI workers in Korea<br><small>ai_workforce</small>" in page  # plain label, identifier small


def test_flatten_scenario_shows_distributions_and_paths():
    flat = flatten_scenario({"a": {"b": 1.5, "c": {"dist": "uniform", "low": 0, "high": 2}},
                             "d": {"path": "explicit", "values": {"2024": 1, "2030": {"dist": "pert", "low": 1,
                                                                                    "mode": 2, "high": 3}}}})
    assert flat == {"a.b": "1.5", "a.c": "uniform(low=0, high=2)",
                    "d": "explicit: 2024: 1; 2030: pert(low=1, mode=2, high=3)"}
    assert list(flatten_scenario({"a": 1, "b": {"dist": "uniform", "low": 0, "high": 1}},
                                 uncertain_only=True)) == ["b"]


def _browser() -> str | None:
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


def test_report_renders_in_headless_chromium(report, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip("no headless Chromium installed; .ci/run installs it (apt-get install chromium)")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1200,3000",
         report.resolve().as_uri()],
        capture_output=True, timeout=120, check=False)
    assert shot.is_file() and shot.stat().st_size > 0, "Chromium wrote no screenshot"
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[..., :3]
    assert pixels.shape[:2] == (3000, 1200)
    assert pixels.var() > 0.01  # not a blank page
    not_white = (pixels < 0.95).any(axis=-1).mean()
    assert not_white > 0.05, f"only {not_white:.1%} of the page is not white"
