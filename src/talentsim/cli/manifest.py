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


def results_dir(out_dir: str | None, default: Path, kind: str | None = None) -> Path:
    """The directory to (re)write, refusing paths that would replace something by accident:
    only absent or empty folders, or talentsim results folders of ``kind`` (see
    :func:`talentsim.outdir.check_replaceable`)."""
    from ..outdir import OutputError, check_replaceable

    if out_dir is None:
        try:
            return check_replaceable(default, kind, option="--out")
        except OutputError as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_INVALID)
    out = Path(out_dir)
    if ".." in out.parts:
        click.echo(f"--out: '..' is not allowed in {out_dir!r}; give an absolute path to write "
                   "outside the current directory", err=True)
        sys.exit(EXIT_INVALID)
    if out.resolve() in (Path.cwd().resolve(), *Path.cwd().resolve().parents):
        click.echo(f"--out: {out_dir} is the current directory or one above it; refusing to replace it", err=True)
        sys.exit(EXIT_INVALID)
    try:
        return check_replaceable(out, kind, option="--out")
    except OutputError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INVALID)


def interrupted(out: Path) -> None:
    from ..outdir import interrupt_message

    click.echo(interrupt_message(out), err=True)
    sys.exit(130)
