"""Layer 4, the cohort engine: evaluated inputs (:mod:`.params`), one module per mechanism
(:mod:`.demography`, :mod:`.education`, :mod:`.workforce`, :mod:`.levers`, :mod:`.labour`),
the yearly loop (:mod:`.cohort`) and the machinery to run it in chunks (:mod:`.parallel`,
:mod:`.streaming`)."""
