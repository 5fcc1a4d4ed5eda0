"""Command line: ``talentsim validate|run|compare|sensitivity|plot|report|calibrate|backtest|forecast``.

The group lives here; each command group lives in its own module and is registered below."""

from __future__ import annotations

import click

from ..version import __version__
from .analysis import backtest, calibrate, forecast, sensitivity
from .compare import compare
from .output import plot, report
from .run import run, validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="talentsim")
def main() -> None:
    """Project Korea's AI workforce under policy and budget scenarios."""


for command in (validate, run, compare, sensitivity, plot, report, calibrate, backtest, forecast):
    main.add_command(command)
