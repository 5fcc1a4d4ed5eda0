"""`talentsim plot` and `talentsim report`: figures and HTML of results directories."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .console import logger
from .manifest import EXIT_INVALID


def figures_and_report(out: Path, plots: bool, with_report: bool) -> None:
    """Figures and the HTML report of a results directory just written."""
    if plots:
        from ..plots.files import plot_results_dir

        paths = plot_results_dir(out)
        logger.info("wrote %d figure file(s) to %s/", len(paths), out / "figures")
    if with_report:
        from ..report.html import write_report

        logger.info("wrote %s", write_report([out], out / "report.html"))

def damaged(where: str, exc: BaseException) -> str:
    what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0] if str(exc) else ""
    return (f"{where}: not a complete talentsim results folder ({type(exc).__name__}: {what}); "
            "write it again with talentsim run/compare/sensitivity")


@click.command()
@click.argument("results_dir", metavar="RESULTS_DIR", type=click.Path(exists=True, file_okay=False))
@click.option("--format", "formats", multiple=True, type=click.Choice(["png", "svg", "pdf"]),
              default=("png", "svg"), show_default=True, help="file formats (repeat the option)")
def plot(results_dir, formats) -> None:
    """Draw every figure of RESULTS_DIR (a run, comparison or sensitivity) into RESULTS_DIR/figures/."""
    from ..plots.files import plot_results_dir

    try:
        paths = plot_results_dir(results_dir, formats)
    except (FileNotFoundError, ValueError) as exc:
        click.echo(f"{results_dir}: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:  # a damaged or hand-made folder
        click.echo(damaged(results_dir, exc), err=True)
        sys.exit(EXIT_INVALID)
    logger.info("wrote %d file(s) to %s/", len(paths), Path(results_dir) / "figures")


@click.command()
@click.argument("results_dirs", metavar="RESULTS_DIR...", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False))
@click.option("--out", type=click.Path(dir_okay=False),
              help="HTML file to write [report.html in the first RESULTS_DIR, as `run --report` does]")
def report(results_dirs, out) -> None:
    """One self-contained HTML report of RESULTS_DIR... (figures, tables, assumptions, manifest)."""
    from ..outdir import check_report_target
    from ..report.html import write_report

    out = Path(results_dirs[0]) / "report.html" if out is None else out
    try:
        logger.info("wrote %s", write_report(list(results_dirs), check_report_target(out)))
    except (FileNotFoundError, ValueError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INVALID)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:  # a damaged or hand-made folder
        click.echo(damaged(", ".join(results_dirs), exc), err=True)
        sys.exit(EXIT_INVALID)
