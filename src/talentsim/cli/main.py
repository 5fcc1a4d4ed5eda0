"""Command line: ``talentsim validate|run|compare|sensitivity|plot|report|calibrate|backtest``.

The group lives here; each command group lives in its own module and is registered below."""

from __future__ import annotations

import click

from ..startup import restore
from ..version import __version__
from .analysis import backtest, calibrate, sensitivity
from .compare import compare
from .errors import SafeGroup
from .output import plot, report
from .run import run, validate


@click.group(cls=SafeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="talentsim")
@click.option("--debug", is_flag=True, help="show a traceback when a command fails (or set TALENTSIM_DEBUG=1)")
def main(debug: bool) -> None:
    """Project Korea's AI workforce under policy and budget scenarios."""
    restore()


for command in (validate, run, compare, sensitivity, plot, report, calibrate, backtest):
    main.add_command(command)
