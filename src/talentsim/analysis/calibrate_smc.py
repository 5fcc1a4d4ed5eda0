"""Sequential Monte Carlo with adaptive tempering, on the standard-normal scale (numbers only).

:func:`smc` samples ``N(0, I_d) x exp(loglik(z))`` for a vectorised ``loglik``; the calibration
(:mod:`talentsim.analysis.calibrate`) maps ``z`` to scenario inputs by ``F^-1(Phi(z))``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..scenario.inputs import correlation_matrix

#: keeps ppf finite for unbounded distributions (as talentsim.sampling does)
EPS = 1e-12


def correlate(u: dict[str, np.ndarray], pairs) -> None:
    """Impose the scenario's rank correlations on uniforms ``u`` in place: the Gaussian copula
    of :mod:`talentsim.sampling` (``z = Phi^-1(u)``, ``z' = L z``, ``u' = Phi(z')``)."""
    names, matrix = correlation_matrix(pairs)
    chol = np.linalg.cholesky(matrix)
    z = [norm.ppf(np.clip(u[n], EPS, 1 - EPS)) for n in names]
    for i, name in enumerate(names):
        acc = chol[i, 0] * z[0]
        for j in range(1, i + 1):
            acc = acc + chol[i, j] * z[j]
        u[name] = norm.cdf(acc)


# ------------------------------------------------------------------ the sampler
@dataclass
class SMCResult:
    """Particles ``z`` (n, d) on the standard-normal scale, equally weighted, with their
    log-likelihoods ``loglik``, the last evaluation's extra output ``aux`` per particle, the
    stage table (``stage, beta, ess, acceptance, moves, unique``) and the ESS of plain
    importance sampling from the prior (``ess_prior_is``)."""

    z: np.ndarray
    loglik: np.ndarray
    aux: dict[str, np.ndarray]
    stages: pd.DataFrame
    ess_prior_is: float
    prior_aux: dict[str, np.ndarray]

    @property
    def ess(self) -> float:
        """ESS of the final reweighting (before its resampling and moves)."""
        return float(self.stages["ess"].iloc[-1])


def ess_of(logw: np.ndarray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` of log-weights."""
    finite = np.isfinite(logw)
    if not finite.any():
        return 0.0
    w = np.exp(logw[finite] - logw[finite].max())
    return float(w.sum() ** 2 / np.sum(w ** 2))


def systematic_resample(logw: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    w = np.exp(np.where(np.isfinite(logw), logw - np.max(logw[np.isfinite(logw)]), -np.inf))
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    n = len(logw)
    return np.searchsorted(cdf, (rng.random() + np.arange(n)) / n)


def smc(
    evaluate: Callable[[np.ndarray], tuple[np.ndarray, dict[str, np.ndarray]]],
    d: int,
    n: int,
    rng: np.random.Generator,
    *,
    method: Literal["smc", "is"] = "smc",
    ess_target: float = 0.5,
    min_moves: int = 2,
    max_moves: int = 12,
    jumps: float = 1.5,
    max_stages: int = 60,
) -> SMCResult:
    """Sample ``N(0, I_d) x exp(loglik(z))`` by tempered SMC (or importance sampling).

    ``evaluate(z)`` returns ``(loglik (n,), aux {name: (n, ...)})`` for particles ``z`` (n, d);
    ``aux`` (e.g. model values) follows the particles through resampling and accepted moves.
    Each stage makes random-walk Metropolis moves until the accepted moves add up to ``jumps``
    per particle (between ``min_moves`` and ``max_moves`` steps); the proposal is
    ``N(z, s^2 C)`` with ``C`` the particles' covariance and ``s`` started at ``2.38 / sqrt(d)``
    and adapted towards a 25 % acceptance rate.
    """
    if not 0 < ess_target < 1:
        raise ValueError(f"ess_target must be in (0, 1) (got {ess_target})")
    z = rng.standard_normal((n, d))
    ll, aux = evaluate(z)
    if not np.isfinite(ll).any():
        raise ValueError("every prior draw has zero likelihood; check the observations and their ranges")
    prior_aux = {k: v.copy() for k, v in aux.items()}
    ess_is = ess_of(ll)
    rows = []
    beta, scale = 0.0, 2.38 / np.sqrt(max(d, 1))
    for stage in range(1, max_stages + 1):
        if method == "is" or ess_of((1 - beta) * ll) >= ess_target * n:
            new = 1.0
        else:
            lo, hi = beta, 1.0
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if ess_of((mid - beta) * ll) >= ess_target * n else (lo, mid)
            new = max(lo, beta + 1e-9)
        logw = np.where(np.isfinite(ll), (new - beta) * ll, -np.inf)
        ess = ess_of(logw)
        beta = new
        idx = systematic_resample(logw, rng)
        z, ll, aux = z[idx], ll[idx], {k: v[idx] for k, v in aux.items()}
        moves, accepted_total, rates = 0, 0.0, []
        if method == "smc" and d > 0:
            cov = np.atleast_2d(np.cov(z.T)) + 1e-10 * np.eye(d)
            chol = np.linalg.cholesky(cov)
            while moves < max_moves and (moves < min_moves or accepted_total < jumps):
                prop = z + scale * rng.standard_normal((n, d)) @ chol.T
                ll_p, aux_p = evaluate(prop)
                with np.errstate(invalid="ignore"):
                    log_a = (beta * (ll_p - ll) - 0.5 * (np.sum(prop ** 2, axis=1) - np.sum(z ** 2, axis=1)))
                log_a = np.where(np.isfinite(ll_p), np.where(np.isfinite(ll), log_a, np.inf), -np.inf)
                acc = np.log(rng.random(n)) < log_a
                z = np.where(acc[:, None], prop, z)
                ll = np.where(acc, ll_p, ll)
                for k in aux:
                    shape = (n,) + (1,) * (aux[k].ndim - 1)
                    aux[k] = np.where(acc.reshape(shape), aux_p[k], aux[k])
                rate = float(acc.mean())
                rates.append(rate)
                accepted_total += rate
                moves += 1
                scale *= float(np.exp(rate - 0.25))
        rows.append({"stage": stage, "beta": beta, "ess": ess,
                     "acceptance": float(np.mean(rates)) if rates else np.nan, "moves": moves,
                     "unique": len(np.unique(z, axis=0))})
        if beta >= 1.0:
            break
    else:
        raise RuntimeError(f"tempering did not reach beta = 1 in {max_stages} stages (beta = {beta:.3g})")
    return SMCResult(z=z, loglik=ll, aux=aux, stages=pd.DataFrame(rows), ess_prior_is=ess_is,
                     prior_aux=prior_aux)
