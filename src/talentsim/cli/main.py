"""Command line: ``talentsim validate|run|compare|sensitivity|plot|report|calibrate|backtest|discover|metrics``.

The group lives here; each command group lives in its own module and is registered below."""

from __future__ import annotations

import click

from ..version import __version__
from .analysis import backtest, calibrate, sensitivity
from .compare import compare
from .console import setup_logging
from .discover import discover, metrics_command
from .output import plot, report
from .run import run, validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="talentsim")
@click.option("-q", "--quiet", is_flag=True, help="only warnings and errors on stderr (no progress)")
@click.option("-v", "--verbose", is_flag=True, help="also debugging detail on stderr")
def main(quiet: bool, verbose: bool) -> None:
    """Project Korea's AI workforce under policy and budget scenarios."""
    setup_logging(quiet=quiet, verbose=verbose)


for command in (validate, run, compare, sensitivity, plot, report, calibrate, backtest, discover, metrics_command):
    main.add_command(command)
