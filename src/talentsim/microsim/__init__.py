"""Layer 5, the individual-level (SimPy) engine: the same mechanisms as :mod:`talentsim.engine`,
one agent at a time; see :mod:`.run` for :func:`~.run.simulate_microsim`."""
