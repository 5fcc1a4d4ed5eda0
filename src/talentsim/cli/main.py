"""Command line: ``talentsim validate|run|compare|sensitivity|plot|report|calibrate|backtest|forecast|
discover|metrics|levers|optimize|explore``.

The group lives here; each command group lives in its own module and is registered below."""

from __future__ import annotations

import click

from ..startup import restore
from ..version import __version__
from .analysis import backtest, calibrate, forecast, sensitivity
from .compare import compare
from .console import setup_logging
from .discover import discover, metrics_command
from .errors import SafeGroup
from .explore import explore
from .optimize import levers, optimize
from .output import plot, report
from .run import run, validate


@click.group(cls=SafeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="talentsim")
@click.option("-q", "--quiet", is_flag=True, help="only warnings and errors on stderr (no progress)")
@click.option("-v", "--verbose", is_flag=True, help="also debugging detail on stderr")
@click.option("--debug", is_flag=True, help="show a traceback when a command fails (or set TALENTSIM_DEBUG=1)")
def main(quiet: bool, verbose: bool, debug: bool) -> None:
    """Project Korea's AI workforce under policy and budget scenarios."""
    restore()
    setup_logging(quiet=quiet, verbose=verbose)


for command in (validate, run, compare, sensitivity, plot, report, calibrate, backtest, forecast, discover,
                metrics_command, levers, optimize, explore):
    main.add_command(command)
