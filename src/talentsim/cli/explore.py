"""`talentsim explore`: the policy explorer in the browser (local only)."""

from __future__ import annotations

import sys

import click

from .manifest import EXIT_INVALID, load_or_exit


@click.command()
@click.argument("scenario_file", metavar="[SCENARIO.yaml]", required=False, default="scenarios/baseline.yaml",
                type=click.Path(dir_okay=False))
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True,
              help="port on 127.0.0.1 (the app listens on this machine only)")
@click.option("--draws", "n_draws", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Monte Carlo draws shared by every setting")
def explore(scenario_file, port, n_draws) -> None:
    """Sliders for every budget line and lever, fan charts redrawn on the same draws, and a
    download of the settings as a scenario YAML that `talentsim run` reproduces."""
    load_or_exit(scenario_file)  # one-line problems and exit code 2, like run
    try:
        from ..explore.app import serve
    except ImportError as exc:
        click.echo(f"talentsim explore needs the [explore] extra: pip install 'talentsim[explore]' ({exc})", err=True)
        sys.exit(EXIT_INVALID)
    click.echo(f"talentsim explorer: http://127.0.0.1:{port}/ ({n_draws} draws; Ctrl-C to stop)")
    serve(scenario_file, port=port, n_draws=n_draws)
