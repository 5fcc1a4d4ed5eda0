"""Layer 8, the command line: one module per command group; each parses options, calls the
public API and writes files. ``talentsim = "talentsim.cli:main"``."""

from .main import main

__all__ = ["main"]
