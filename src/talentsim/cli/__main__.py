"""``python -m talentsim.cli``."""

from .main import main

main()
