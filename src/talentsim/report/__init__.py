"""Layer 7, the self-contained HTML report of one or more results directories: page assembly
(:mod:`.html`), tables (:mod:`.tables`), assumptions and sources (:mod:`.assumptions`)."""

from .assumptions import flatten_scenario
from .html import write_report
from .tables import headline_table

__all__ = ["flatten_scenario", "headline_table", "write_report"]
