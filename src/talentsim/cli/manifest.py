"""Helpers every command shares: exit codes, loading a scenario or exiting, the results
directory to (re)write, the data files' checksums recorded in manifests."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import click

from ..scenario.load import ScenarioError, load_scenario
from ..scenario.schema import Scenario

EXIT_INVALID = 2


def data_files() -> dict[str, str]:
    """sha256 of every shipped data file the engine reads."""
    root = resources.files("talentsim.data")
    out = {}
    for name in ("births_kr.csv",):
        with resources.as_file(root.joinpath(name)) as path:
            from ..results import sha256_of  # lazy: results imports pandas and scipy

            out[name] = sha256_of(path)
    return out

def load_or_exit(path) -> Scenario:
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(EXIT_INVALID)


def results_dir(out_dir: str | None, default: Path) -> Path:
    """The directory to (re)write, refusing paths that would replace something by accident."""
    if out_dir is None:
        return default
    out = Path(out_dir)
    if ".." in out.parts:
        click.echo(f"--out: '..' is not allowed in {out_dir!r}; give an absolute path to write "
                   "outside the current directory", err=True)
        sys.exit(EXIT_INVALID)
    if out.resolve() in (Path.cwd().resolve(), *Path.cwd().resolve().parents):
        click.echo(f"--out: {out_dir} is the current directory or one above it; refusing to replace it", err=True)
        sys.exit(EXIT_INVALID)
    if out.exists() and any(out.iterdir()) and not (out / "manifest.json").exists():
        click.echo(f"--out: {out_dir} exists and is not a talentsim results directory (no "
                   "manifest.json); refusing to replace it", err=True)
        sys.exit(EXIT_INVALID)
    return out


def interrupted(out: Path) -> None:
    click.echo(f"interrupted: nothing written; previous results in {out}/ are untouched", err=True)
    sys.exit(130)
