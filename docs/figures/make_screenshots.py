"""Screenshots for the README: the explorer with a changed setting, and the report's first screen.

    python docs/figures/make_screenshots.py [--draws 1000]

Starts `talentsim explore` on 127.0.0.1, sets +500 bn a year of reskilling, waits for the redraw
and shoots the page; runs a comparison of three lever scenarios and the baseline, writes the
report and shoots its first screen. Needs the [test] extra (Dash, Playwright) and Debian's
chromium. Writes docs/figures/explorer.png and docs/figures/report_first_screen.png.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "figures"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
TALENTSIM = [sys.executable, "-m", "talentsim.cli"]


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}/"
    server = subprocess.Popen([*TALENTSIM, "explore", "scenarios/baseline.yaml", "--port", str(args.port),
                               "--draws", str(args.draws)], cwd=ROOT)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        try:
            wait_for(url)
            page = browser.new_page(viewport={"width": 1500, "height": 1050})
            page.set_default_timeout(120_000)
            page.goto(url)
            page.wait_for_selector("#status-text[data-update='1']")
            box = page.locator("#ctl-extra--reskilling--krw_bn input").first
            box.fill("500")
            box.press("Enter")
            page.wait_for_selector("#status-text[data-update='2']")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(OUT / "explorer.png"))
        finally:
            server.terminate()
            server.wait(timeout=20)
        t = Path(tmp)
        subprocess.run([*TALENTSIM, "run", "scenarios/baseline.yaml", "--draws", str(args.draws), "--no-draws",
                        "--out", str(t / "baseline")], cwd=ROOT, check=True)
        subprocess.run([*TALENTSIM, "compare", "scenarios/baseline.yaml", "scenarios/reskilling_push.yaml",
                        "scenarios/retention_pay.yaml", "scenarios/grad_school_expansion.yaml", "--draws",
                        str(args.draws), "--out", str(t / "compare")], cwd=ROOT, check=True)
        subprocess.run([*TALENTSIM, "report", str(t / "baseline"), str(t / "compare"), "--out",
                        str(t / "report.html")], cwd=ROOT, check=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto((t / "report.html").as_uri())
        page.screenshot(path=str(OUT / "report_first_screen.png"))
        browser.close()
    print(f"wrote {OUT / 'explorer.png'} and {OUT / 'report_first_screen.png'}")


if __name__ == "__main__":
    main()
