"""The policy explorer: its numbers (Session, no browser) and the page in headless Chromium.

The browser test starts `talentsim explore` on 127.0.0.1, moves a slider and types in a field,
waits for the redraw, downloads the settings as YAML and checks the medians shown against
`talentsim run` of that file; bad input leaves a message next to the field and the last good
result. It skips, saying why, only where Dash, Playwright or a Chromium binary is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from talentsim.cli import main
from talentsim.explore import Session

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
N = 120  # draws: enough to tell settings apart, quick to simulate


@pytest.fixture(scope="module")
def session() -> Session:
    return Session(BASELINE, n_draws=N)


def run_medians(yaml_path: Path, tmp: Path) -> pd.DataFrame:
    out = tmp / "run"
    result = CliRunner().invoke(main, ["run", str(yaml_path), "--out", str(out), "--no-draws"])
    assert result.exit_code == 0, result.output
    return pd.read_csv(out / "summary.csv").set_index(["metric", "year"])


# ------------------------------------------------------------------ the numbers, without a browser

def test_controls_cover_every_budget_line_and_lever_in_plain_words(session):
    keys = {c.key for c in session.controls}
    for name in session.base.budget_lines:
        assert {f"budget.{name}.scale", f"budget.{name}.first_year", f"budget.{name}.last_year"} <= keys
    for lever in ("graduate_seats", "reskilling", "retention_pay", "rd_compute"):
        assert f"extra.{lever}.krw_bn" in keys
        assert f"input.levers.{lever}.cost_per_unit_krw_bn" in keys
    assert "input.levers.reskilling.effect" in keys
    assert any(c.group == "Main uncertain inputs" for c in session.controls)
    for c in session.controls:  # no raw identifiers in labels
        assert "_" not in c.label and "levers." not in c.label, c.label


def test_unchanged_settings_reproduce_the_base_run(session):
    out = session.recompute(session.defaults())
    assert out.ok, out.errors
    assert out.summary is not None and out.difference is not None
    assert (out.difference[["p05", "p50", "p95"]].abs().to_numpy() == 0).all()
    assert out.median("ai_workforce", 2035) == out.median("ai_workforce", 2035, base=True)


def test_downloaded_yaml_reproduces_the_medians_shown(session, tmp_path):
    settings = {**session.defaults(), "extra.reskilling.krw_bn": 300.0, "input.levers.reskilling.effect": 0.03,
                "budget.moel_ai_training.scale": 150.0}
    out = session.recompute(settings)
    assert out.ok, out.errors
    path = tmp_path / "explored.yaml"
    path.write_text(out.yaml_text)
    summary = run_medians(path, tmp_path)
    for metric in ("ai_workforce", "shortage", "budget_spent"):
        for year in (2030, 2035, 2050):
            assert summary.loc[(metric, year), "p50"] == pytest.approx(out.median(metric, year), rel=1e-7, abs=1e-6)
    # a real change, paired on the same draws: more reskilling money alone never lowers the
    # workforce (the lower effect above does, in draws whose calibrated effect was higher)
    more = session.recompute({**session.defaults(), "extra.reskilling.krw_bn": 300.0})
    d = more.difference.set_index("year")
    assert d.loc[2035, "p05"] > 0
    assert out.levers["extra_budget_krw_bn"] == pytest.approx((300.0 + 0.5 * 254.0) * (2050 - 2026 + 1))


def test_bad_input_names_the_field_and_computes_nothing(session):
    good = session.recompute(session.defaults())
    bad = session.recompute({**session.defaults(), "extra.reskilling.krw_bn": -5, "budget.bk21_ai_teams.scale": ""})
    assert bad.errors == {"extra.reskilling.krw_bn": "must be >= 0 (got -5)",
                          "budget.bk21_ai_teams.scale": "enter a number"}
    assert bad.summary is None and session.last is good
    years = session.recompute({**session.defaults(), "budget.bk21_ai_teams.first_year": 2030,
                               "budget.bk21_ai_teams.last_year": 2027})
    assert list(years.errors) == ["budget.bk21_ai_teams.last_year"]
    assert "must be >= first_year" in years.errors["budget.bk21_ai_teams.last_year"]
    text = session.recompute({**session.defaults(), "extra.reskilling.krw_bn": "lots"})
    assert text.errors == {"extra.reskilling.krw_bn": "must be a number (got 'lots')"}


def test_explore_rejects_a_bad_scenario_file_in_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nextends: " + str(BASELINE) + "\nlevers: {reskilling: {lag_years: -1}}\n")
    result = CliRunner().invoke(main, ["explore", str(bad), "--port", "1"])
    assert result.exit_code == 2
    assert "levers.reskilling.lag_years" in result.output


# ------------------------------------------------------------------ the page, in headless Chromium

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def chromium() -> str | None:
    for name in (os.environ.get("TALENTSIM_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                 shutil.which("chromium-browser")):
        if name and Path(name).is_file():
            return name
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("dash", reason="the explorer needs the [explore] extra (pip install 'talentsim[explore]')")
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log_path = tmp_path_factory.mktemp("explore") / "server.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "talentsim.cli", "explore", str(BASELINE), "--port", str(port),
                             "--draws", str(N)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                out = log_path.read_text(errors="replace")
                pytest.fail(f"talentsim explore did not serve {url} within 90 s: {out[-2000:]}")
            time.sleep(0.3)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def shown(page, cell: str) -> float:
    return float(page.inner_text(f"#{cell}").replace(",", "").replace("\u2212", "-"))


def wait_update(page, after: int, timeout_ms: int = 60_000) -> int:
    page.wait_for_function(
        f"() => {{ const e = document.querySelector('#status-text');"
        f" return e && Number(e.dataset.update) > {after}; }}", timeout=timeout_ms)
    return int(page.get_attribute("#status-text", "data-update"))


def test_explorer_in_headless_chromium(server, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser test needs Playwright (the [test] extra)")
    binary = chromium()
    if binary is None:
        pytest.skip("no Chromium binary (apt-get install chromium, or set TALENTSIM_CHROMIUM): browser test skipped")
    url, proc = server
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS, timeout=60_000)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
            page.set_default_timeout(60_000)
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url)
            n = wait_update(page, 0)
            # the workforce fan chart is drawn: bands and medians of both series
            page.wait_for_selector("#fig-workforce .main-svg")
            assert page.locator("#fig-workforce .scatterlayer .trace").count() >= 6
            base_2035 = shown(page, "med-ai_workforce-2035")

            # move a slider with the keyboard: reskilling's share of trainees who become AI workers
            handle = page.locator("#ctl-input--levers--reskilling--effect [role=slider]").first
            handle.focus()
            handle.press("PageUp")  # one step of a tenth of the range
            n = wait_update(page, n)
            # type in a field: +500 bn a year of reskilling
            box = page.locator("#ctl-extra--reskilling--krw_bn input").first
            box.fill("500")
            box.press("Enter")
            n = wait_update(page, n)
            medians = {(m, y): shown(page, f"med-{m}-{y}") for m in ("ai_workforce", "shortage")
                       for y in (2030, 2035, 2050)}
            assert medians[("ai_workforce", 2035)] > base_2035
            assert shown(page, "base-ai_workforce-2035") == base_2035

            with page.expect_download() as info:
                page.click("#download-btn")
            path = tmp_path / "downloaded.yaml"
            info.value.save_as(path)
            text = path.read_text()
            assert f"draws: {N}" in text and "seed: 20240601" in text

            # bad input: a negative budget, then an empty field; the last good result stays
            box.fill("-5")
            box.press("Enter")
            msg = page.locator("#ctl-extra--reskilling--krw_bn .msg")
            sync_api.expect(msg).to_have_text("must be >= 0 (got -5)", timeout=30_000)
            assert shown(page, "med-ai_workforce-2035") == medians[("ai_workforce", 2035)]
            box.fill("")
            box.press("Enter")
            sync_api.expect(msg).to_have_text("enter a number", timeout=30_000)
            assert shown(page, "med-ai_workforce-2035") == medians[("ai_workforce", 2035)]
            assert "Not recomputed" in page.inner_text("#status")
            # and the server is still there: a good value recomputes again
            box.fill("500")
            box.press("Enter")
            wait_update(page, n)
            sync_api.expect(msg).to_have_text("", timeout=30_000)
            page.screenshot(path=str(tmp_path / "explorer.png"))
        finally:
            browser.close()
    assert proc.poll() is None, "the explorer's server died"
    outside = [u for u in requests if not u.startswith(url) and not u.startswith(("data:", "blob:"))]
    assert not outside, f"the page asked for something outside 127.0.0.1: {outside[:5]}"
    summary = run_medians(path, tmp_path)
    for (metric, year), value in medians.items():
        assert round(summary.loc[(metric, year), "p50"]) == value, (metric, year)
