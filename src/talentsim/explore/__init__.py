"""Layer 7, the policy explorer in the browser: ``talentsim explore [SCENARIO]``.

:mod:`.session` computes (controls, settings -> scenario YAML, recompute on common random
numbers; no web code); :mod:`.app` is the Dash page around it. Needs the ``[explore]`` extra
(``pip install 'talentsim[explore]'``); importing this package does not import Dash.
"""

from .session import Control, Outcome, Session

__all__ = ["Control", "Outcome", "Session"]
