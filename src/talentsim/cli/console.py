"""What the commands say on the terminal: logging (``--quiet``/``--verbose``) and progress.

Messages go through the standard :mod:`logging` module under the ``talentsim`` logger, to
stderr: ``--quiet`` keeps warnings and errors, the default adds progress and ``wrote ...``
lines, ``--verbose`` adds debugging detail. Results tables go to stdout whatever the level.

The progress bar counts draws once: a streaming run passes over the draws twice, so each pass
counts for half a draw. With stderr not a terminal (CI logs, files) there is no bar; a line is
logged every :data:`LOG_EVERY` seconds instead.
"""

from __future__ import annotations

import logging
import sys
import time
from contextlib import contextmanager

import click

logger = logging.getLogger("talentsim")

#: seconds between progress lines when stderr is not a terminal
LOG_EVERY = 10.0


class _ClickHandler(logging.Handler):
    """Writes records to click's stderr (so click's test runner sees them too)."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            message = f"{record.levelname.lower()}: {message}"
        click.echo(message, err=True)


_HANDLER = _ClickHandler()


def setup_logging(quiet: bool = False, verbose: bool = False) -> None:
    """Route the ``talentsim`` logger to stderr at the level the flags ask for."""
    if _HANDLER not in logger.handlers:
        logger.addHandler(_HANDLER)
    logger.propagate = False
    logger.setLevel(logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO)


class Progress:
    """A draw counter: a tqdm bar on a terminal, periodic log lines otherwise.

    ``passes``: how many times the engine goes over every draw (streaming: 2); each pass of a
    draw counts ``1 / passes``, so the total shown is the number of draws.
    """

    def __init__(self, total: int, desc: str, passes: int = 1, every: float = LOG_EVERY):
        self.total, self.desc, self.passes, self.every = total, desc, passes, every
        self.done = 0.0  # draws, possibly fractional while passes > 1
        self.shown = 0
        self.bar = None
        self.started = self.last = time.monotonic()
        if sys.stderr.isatty() and logger.isEnabledFor(logging.INFO):
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="draw", desc=desc, file=sys.stderr)

    def update(self, n: int) -> None:
        """``n`` draws went through one pass."""
        self.done = min(self.done + n / self.passes, self.total)
        whole = round(self.done) if self.done >= self.total else int(self.done)
        if self.bar is not None:
            self.bar.update(whole - self.shown)
        else:
            now = time.monotonic()
            if now - self.last >= self.every or (whole == self.total and self.shown < self.total):
                self.last = now
                pct = 100.0 * whole / max(self.total, 1)
                logger.info("%s: %d of %d draws (%.0f %%), %.0f s", self.desc, whole, self.total, pct,
                            now - self.started)
        self.shown = whole

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@contextmanager
def progress(total: int, desc: str, passes: int = 1, every: float = LOG_EVERY):
    """``with progress(n, "baseline") as update: simulate(..., progress=update)``."""
    p = Progress(total, desc, passes, every)
    try:
        yield p.update
    finally:
        p.close()
