"""Every failure a user can cause ends in one line on stderr and a non-zero exit, never a
traceback (``talentsim --debug ...`` or ``TALENTSIM_DEBUG=1`` shows it).

Exit codes: 2 invalid input or refused output path, 1 a failure while working (disk full,
unreadable results folder), 130 interrupted.
"""

from __future__ import annotations

import errno
import os
import sys

import click

EXIT_INVALID = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= 300 else line[:297] + "..."


def one_line(exc: BaseException) -> tuple[str, int]:
    """The message and exit code for an exception escaping a command."""
    from ..outdir import OutputError
    from ..scenario.load import ScenarioError

    if isinstance(exc, ScenarioError):
        return "\n".join(str(p) for p in exc.problems), EXIT_INVALID
    if isinstance(exc, OutputError):
        return str(exc), EXIT_INVALID
    if isinstance(exc, OSError):
        what = exc.strerror or _first_line(exc)
        where = f": {exc.filename}" if exc.filename else ""
        hint = ""
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            hint = "; free some space and run again (previous results were left as they were)"
        elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            hint = "; choose a writable --out (previous results were left as they were)"
        return f"error{where}: {what}{hint}", EXIT_FAILED
    if isinstance(exc, RecursionError):
        return "error: input nested too deeply", EXIT_INVALID
    if isinstance(exc, MemoryError):
        return "error: out of memory; use fewer --draws or a smaller --chunk-size", EXIT_FAILED
    if isinstance(exc, (ValueError, KeyError, LookupError, TypeError)):
        return f"error: {_first_line(exc)}", EXIT_INVALID
    return (f"error: {type(exc).__name__}: {_first_line(exc)} (unexpected; run 'talentsim --debug ...' for "
            "the traceback and please report it)", EXIT_FAILED)


def debugging() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    flag = bool(root and root.params.get("debug"))
    return flag or os.environ.get("TALENTSIM_DEBUG", "") not in ("", "0")


class SafeGroup(click.Group):
    """A click group whose commands fail with one line instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            if debugging():
                raise
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Exception as exc:  # the catch-all is the point: one line, unless --debug
            if debugging():
                raise
            message, code = one_line(exc)
            click.echo(message, err=True)
            sys.exit(code)

    def main(self, *args, **kwargs):
        try:
            return super().main(*args, **kwargs)
        except KeyboardInterrupt:  # while click parses, before a command runs
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
