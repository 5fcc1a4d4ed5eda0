"""Command line: ``talentsim validate|run|compare|sensitivity|plot|report|calibrate|backtest|forecast|
discover|metrics|levers|optimize|explore``.

The group lives here; each command group lives in its own module and is registered below."""

from __future__ import annotations

import click

from ..startup import restore
from ..version import __version__
from .console import setup_logging
from .errors import SafeGroup

#: command name -> (module, attribute): a command's module (and its pandas, scipy, pyarrow) is
#: imported only when that command runs or the command list is shown, so `validate` starts fast
COMMANDS = {
    "validate": ("run", "validate"), "run": ("run", "run"), "compare": ("compare", "compare"),
    "sensitivity": ("analysis", "sensitivity"), "plot": ("output", "plot"), "report": ("output", "report"),
    "calibrate": ("analysis", "calibrate"), "backtest": ("analysis", "backtest"),
    "forecast": ("analysis", "forecast"), "discover": ("discover", "discover"),
    "metrics": ("discover", "metrics_command"), "levers": ("optimize", "levers"),
    "optimize": ("optimize", "optimize"), "explore": ("explore", "explore"),
}


class LazyGroup(SafeGroup):
    """Commands imported on first use; failures end in one line (:class:`SafeGroup`)."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        from importlib import import_module

        module, attr = COMMANDS[name]
        return getattr(import_module(f".{module}", __package__), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="talentsim")
@click.option("-q", "--quiet", is_flag=True, help="only warnings and errors on stderr (no progress)")
@click.option("-v", "--verbose", is_flag=True, help="also debugging detail on stderr")
@click.option("--debug", is_flag=True, help="show a traceback when a command fails (or set TALENTSIM_DEBUG=1)")
def main(quiet: bool, verbose: bool, debug: bool) -> None:
    """Project Korea's AI workforce under policy and budget scenarios."""
    restore()
    setup_logging(quiet=quiet, verbose=verbose)

