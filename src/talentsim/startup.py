"""Ctrl-C while the ``talentsim`` command is still importing numpy, pandas and scipy ends with
one line and exit status 130 instead of a traceback. Only for the console script: the handler is
installed for the ``talentsim`` script and ``python -m talentsim.cli``, and the CLI restores Python's default
handler (:func:`restore`) once it starts parsing."""

from __future__ import annotations

import contextlib
import os
import signal
import sys


def interrupted_during_start_up() -> None:
    """Exit with the start-up message and status 130 (a command interrupted before writing)."""
    sys.stderr.write("interrupted during start-up; nothing was written\n")
    raise SystemExit(130)


def _interrupted(signum, frame):
    interrupted_during_start_up()


def _is_cli() -> bool:
    """The ``talentsim`` script, or ``python -m talentsim.cli``."""
    if os.path.basename(sys.argv[0] if sys.argv else "") == "talentsim":
        return True
    orig = getattr(sys, "orig_argv", [])
    return "-m" in orig and orig[orig.index("-m") + 1 :][:1] == ["talentsim.cli"]


def guard() -> None:
    if not _is_cli():
        return
    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGINT, _interrupted)


def restore() -> None:
    with contextlib.suppress(ValueError):
        if signal.getsignal(signal.SIGINT) is _interrupted:
            signal.signal(signal.SIGINT, signal.default_int_handler)


guard()
