"""Layer 6, numbers computed from runs (no plotting): policy comparison (:mod:`.compare`),
sensitivity analysis (:mod:`.sensitivity`), observations (:mod:`.observed`), calibration
(:mod:`.calibrate`) and backtests (:mod:`.backtest`)."""
